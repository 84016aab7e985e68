package camera

import (
	"context"
	"errors"
	"fmt"
	"image"
	"sync"
	"time"

	"github.com/blackjack/webcam"
)

// V4L2 pixel formats (fourcc, little-endian).
const (
	FormatYUYV  webcam.PixelFormat = 'Y' | 'U'<<8 | 'Y'<<16 | 'V'<<24
	FormatMJPEG webcam.PixelFormat = 'M' | 'J'<<8 | 'P'<<16 | 'G'<<24
)

// V4L2Opts chooses the capture mode.
type V4L2Opts struct {
	Width, Height int
	// Format is "yuyv", "mjpeg" or "" (YUYV when offered, else MJPEG).
	Format string
	// Timeout is how long Next waits for a frame before an error.
	Timeout time.Duration
}

// DefaultV4L2Opts is 1280×720, either format, 2 s timeout.
var DefaultV4L2Opts = V4L2Opts{Width: 1280, Height: 720, Timeout: 2 * time.Second}

// V4L2 captures from a Linux video device.
type V4L2 struct {
	mu     sync.Mutex
	cam    *webcam.Webcam
	format webcam.PixelFormat
	w, h   int
	tmo    time.Duration
	seq    uint64
	closed bool
}

// OpenV4L2 opens path (e.g. /dev/video0), sets the format and starts
// streaming. nil opts means DefaultV4L2Opts.
func OpenV4L2(path string, opts *V4L2Opts) (*V4L2, error) {
	o := DefaultV4L2Opts
	if opts != nil {
		o = *opts
	}
	cam, err := webcam.Open(path)
	if err != nil {
		return nil, fmt.Errorf("camera: open %s: %w", path, err)
	}
	formats := cam.GetSupportedFormats()
	var f webcam.PixelFormat
	switch o.Format {
	case "yuyv":
		f = FormatYUYV
	case "mjpeg":
		f = FormatMJPEG
	case "":
		f = FormatYUYV
		if _, ok := formats[FormatYUYV]; !ok {
			f = FormatMJPEG
		}
	default:
		cam.Close()
		return nil, fmt.Errorf("camera: unknown format %q (want yuyv or mjpeg)", o.Format)
	}
	if _, ok := formats[f]; !ok {
		cam.Close()
		return nil, fmt.Errorf("camera: %s offers neither YUYV nor MJPEG in the mode asked (has %v)", path, formats)
	}
	got, _, _, err := cam.SetImageFormat(f, uint32(o.Width), uint32(o.Height))
	if err != nil {
		cam.Close()
		return nil, fmt.Errorf("camera: set format: %w", err)
	}
	if err := cam.SetBufferCount(2); err != nil {
		cam.Close()
		return nil, fmt.Errorf("camera: %w", err)
	}
	if err := cam.StartStreaming(); err != nil {
		cam.Close()
		return nil, fmt.Errorf("camera: start streaming: %w", err)
	}
	return &V4L2{cam: cam, format: got, w: o.Width, h: o.Height, tmo: o.Timeout}, nil
}

// Next waits for the next frame and converts it to grey.
func (v *V4L2) Next(ctx context.Context) (Frame, error) {
	deadline := time.Now().Add(v.tmo)
	for {
		if err := ctx.Err(); err != nil {
			return Frame{}, err
		}
		v.mu.Lock()
		if v.closed {
			v.mu.Unlock()
			return Frame{}, ErrClosed
		}
		// Wait in short slices so Close and ctx are noticed.
		err := v.cam.WaitForFrame(1)
		var tmo *webcam.Timeout
		if errors.As(err, &tmo) {
			v.mu.Unlock()
			if time.Now().After(deadline) {
				return Frame{}, fmt.Errorf("camera: no frame within %v", v.tmo)
			}
			continue
		}
		if err != nil {
			v.mu.Unlock()
			return Frame{}, fmt.Errorf("camera: wait: %w", err)
		}
		data, idx, err := v.cam.GetFrame()
		if err != nil {
			v.mu.Unlock()
			return Frame{}, fmt.Errorf("camera: read: %w", err)
		}
		if len(data) == 0 {
			v.cam.ReleaseFrame(idx)
			v.mu.Unlock()
			continue
		}
		img, cerr := v.convert(data)
		v.cam.ReleaseFrame(idx)
		v.seq++
		seq := v.seq
		v.mu.Unlock()
		if cerr != nil {
			return Frame{}, cerr
		}
		return Frame{Img: img, Seq: seq, Time: time.Now()}, nil
	}
}

func (v *V4L2) convert(data []byte) (*image.Gray, error) {
	if v.format == FormatMJPEG {
		return MJPEGToGray(data)
	}
	if len(data) != v.w*v.h*2 {
		// The driver picked another size: guess it from common modes.
		for _, m := range [][2]int{{1920, 1080}, {1280, 960}, {1280, 720}, {1024, 768}, {800, 600}, {640, 480}, {320, 240}} {
			if len(data) == m[0]*m[1]*2 {
				v.w, v.h = m[0], m[1]
				break
			}
		}
	}
	return YUYVToGray(data, v.w, v.h)
}

// Close stops streaming and closes the device.
func (v *V4L2) Close() error {
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.closed {
		return nil
	}
	v.closed = true
	v.cam.StopStreaming()
	if err := v.cam.Close(); err != nil {
		return fmt.Errorf("camera: close: %w", err)
	}
	return nil
}

// Compile-time checks.
var (
	_ Source = (*V4L2)(nil)
	_ Source = (*Files)(nil)
	_ Source = (*Latest)(nil)
)
