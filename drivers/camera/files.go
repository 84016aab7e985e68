package camera

import (
	"context"
	"fmt"
	"image"
	_ "image/gif" // decoders for Files
	_ "image/jpeg"
	_ "image/png"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	_ "golang.org/x/image/bmp"
)

// Files is a Source that replays image files in order, as grey frames.
type Files struct {
	// Interval paces frames like a camera (0: as fast as asked).
	Interval time.Duration
	// Loop starts again after the last file instead of returning io.EOF.
	Loop bool

	mu     sync.Mutex
	paths  []string
	i      int
	seq    uint64
	last   time.Time
	closed bool
}

// NewFiles returns a Source over the given image files.
func NewFiles(paths ...string) *Files {
	return &Files{paths: append([]string(nil), paths...)}
}

// imageExt lists the file types Dir picks up.
var imageExt = map[string]bool{".png": true, ".jpg": true, ".jpeg": true, ".gif": true, ".bmp": true}

// NewDir returns a Source over the image files in dir, sorted by name
// (frame-0001.png, frame-0002.png, ...).
func NewDir(dir string) (*Files, error) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("camera: %w", err)
	}
	var paths []string
	for _, e := range ents {
		if !e.IsDir() && imageExt[strings.ToLower(filepath.Ext(e.Name()))] {
			paths = append(paths, filepath.Join(dir, e.Name()))
		}
	}
	if len(paths) == 0 {
		return nil, fmt.Errorf("camera: no image files in %s", dir)
	}
	sort.Strings(paths)
	return NewFiles(paths...), nil
}

// Next returns the next file as a frame; io.EOF after the last one unless
// Loop is set. An unreadable file is an error naming it; the next call moves
// on to the following file.
func (f *Files) Next(ctx context.Context) (Frame, error) {
	f.mu.Lock()
	if f.closed {
		f.mu.Unlock()
		return Frame{}, ErrClosed
	}
	if f.i >= len(f.paths) {
		if !f.Loop || len(f.paths) == 0 {
			f.mu.Unlock()
			return Frame{}, io.EOF
		}
		f.i = 0
	}
	path := f.paths[f.i]
	f.i++
	f.seq++
	seq := f.seq
	wait := time.Duration(0)
	if f.Interval > 0 && !f.last.IsZero() {
		wait = time.Until(f.last.Add(f.Interval))
	}
	f.mu.Unlock()
	if wait > 0 {
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return Frame{}, ctx.Err()
		case <-t.C:
		}
	}
	img, err := ReadGray(path)
	f.mu.Lock()
	f.last = time.Now()
	f.mu.Unlock()
	if err != nil {
		return Frame{}, err
	}
	return Frame{Img: img, Seq: seq, Time: time.Now()}, nil
}

// Close ends the source.
func (f *Files) Close() error {
	f.mu.Lock()
	f.closed = true
	f.mu.Unlock()
	return nil
}

// ReadGray reads an image file (PNG, JPEG, GIF, BMP) as grey, refusing
// files above MaxPixels before decoding them.
func ReadGray(path string) (*image.Gray, error) {
	fh, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("camera: %w", err)
	}
	defer fh.Close()
	cfg, _, err := image.DecodeConfig(fh)
	if err != nil {
		return nil, fmt.Errorf("camera: %s: %w", path, err)
	}
	if cfg.Width <= 0 || cfg.Height <= 0 || cfg.Width*cfg.Height > MaxPixels {
		return nil, fmt.Errorf("camera: %s: %w: %dx%d", path, ErrFormat, cfg.Width, cfg.Height)
	}
	if _, err := fh.Seek(0, io.SeekStart); err != nil {
		return nil, fmt.Errorf("camera: %w", err)
	}
	img, _, err := image.Decode(fh)
	if err != nil {
		return nil, fmt.Errorf("camera: %s: %w", path, err)
	}
	return toGray(img), nil
}

func toGray(img image.Image) *image.Gray {
	b := img.Bounds()
	g := image.NewGray(image.Rect(0, 0, b.Dx(), b.Dy()))
	switch m := img.(type) {
	case *image.Gray:
		for y := 0; y < b.Dy(); y++ {
			copy(g.Pix[y*g.Stride:(y+1)*g.Stride], m.Pix[m.PixOffset(b.Min.X, b.Min.Y+y):])
		}
	case *image.YCbCr:
		for y := 0; y < b.Dy(); y++ {
			copy(g.Pix[y*g.Stride:(y+1)*g.Stride], m.Y[m.YOffset(b.Min.X, b.Min.Y+y):])
		}
	default:
		for y := 0; y < b.Dy(); y++ {
			for x := 0; x < b.Dx(); x++ {
				g.Set(x, y, img.At(b.Min.X+x, b.Min.Y+y))
			}
		}
	}
	return g
}
