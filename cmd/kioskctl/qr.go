package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"image"
	_ "image/gif"
	_ "image/jpeg"
	_ "image/png"
	"io"
	"os"
	"runtime"
	"strings"
	"time"

	_ "golang.org/x/image/bmp"

	"hallkiosk/drivers/camera"
	"hallkiosk/drivers/qrdecode"
	"hallkiosk/kiosk/credential"
)

func init() {
	register("qr decode", "decode QR codes in image files: qr decode [--json] FILE...", qrDecode)
}

// qrLine is one file's result.
type qrLine struct {
	File  string   `json:"file"`
	Codes []string `json:"codes"`
	MS    float64  `json:"ms"`
	// CPUMS is the CPU time of the decoding thread: what the decoder's
	// budget counts, and what a busy machine does not inflate.
	CPUMS float64 `json:"cpu_ms"`
	Error string  `json:"error,omitempty"`
}

func qrDecode(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("qr decode", stderr)
	asJSON := fs.Bool("json", false, "one JSON object per line")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		return usageError("qr decode: no files (usage: qr decode [--json] FILE...)")
	}
	dec := qrdecode.New(nil)
	bad := 0
	for _, file := range fs.Args() {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		line := qrLine{File: file, Codes: []string{}}
		img, err := readImage(file)
		if err != nil {
			bad++
			line.Error = err.Error()
		} else {
			gray := qrdecode.Gray(img)
			runtime.LockOSThread()
			c0, t0 := qrdecode.ThreadCPU(), time.Now()
			codes, err := dec.Decode(gray)
			line.MS = float64(time.Since(t0).Microseconds()) / 1000
			line.CPUMS = float64((qrdecode.ThreadCPU() - c0).Microseconds()) / 1000
			runtime.UnlockOSThread()
			if err != nil {
				bad++
				line.Error = err.Error()
			}
			for _, c := range codes {
				line.Codes = append(line.Codes, c.Text)
			}
		}
		if *asJSON {
			b, _ := json.Marshal(line)
			fmt.Fprintf(stdout, "%s\n", b)
			continue
		}
		switch {
		case line.Error != "":
			fmt.Fprintf(stdout, "%s: error: %s\n", file, line.Error)
		case len(line.Codes) == 0:
			fmt.Fprintf(stdout, "%s: no code (%.1f ms)\n", file, line.MS)
		default:
			q := make([]string, len(line.Codes))
			for i, c := range line.Codes {
				q[i] = fmt.Sprintf("%q", c)
			}
			fmt.Fprintf(stdout, "%s: %s (%.1f ms)\n", file, strings.Join(q, " "), line.MS)
		}
	}
	if bad > 0 {
		return fmt.Errorf("qr decode: %d of %d files could not be read as images", bad, fs.NArg())
	}
	return nil
}

// readImage decodes an image file, refusing absurd dimensions before
// allocating pixels.
func readImage(file string) (image.Image, error) {
	f, err := os.Open(file)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	cfg, _, err := image.DecodeConfig(f)
	if err != nil {
		return nil, fmt.Errorf("not an image: %w", err)
	}
	if cfg.Width*cfg.Height > 4096*4096 || cfg.Width <= 0 || cfg.Height <= 0 {
		return nil, fmt.Errorf("image of %dx%d is too large", cfg.Width, cfg.Height)
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return nil, err
	}
	img, _, err := image.Decode(f)
	if err != nil {
		return nil, fmt.Errorf("not an image: %w", err)
	}
	return img, nil
}

func init() {
	register("qr scan", "read codes from the camera (or a directory of frames) and check them: qr scan [--device DEV | --dir DIR] [--json] [--count N] [--timeout D]", qrScan)
}

// scanLine is one code seen by qr scan.
type scanLine struct {
	Code     string            `json:"code"`
	Kind     string            `json:"kind"`
	Valid    bool              `json:"valid"`
	Fields   map[string]string `json:"fields,omitempty"`
	Error    string            `json:"error,omitempty"`
	Frame    uint64            `json:"frame"`
	DecodeMS float64           `json:"decode_ms"`
	Dropped  uint64            `json:"dropped_frames"`
}

func qrScan(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("qr scan", stderr)
	device := fs.String("device", "/dev/video0", "V4L2 device")
	dir := fs.String("dir", "", "read frames from this directory instead of a camera")
	format := fs.String("format", "", "camera pixel format: yuyv, mjpeg or empty for either")
	width := fs.Int("width", 1280, "capture width")
	height := fs.Int("height", 720, "capture height")
	asJSON := fs.Bool("json", false, "one JSON object per code")
	count := fs.Int("count", 0, "stop after this many codes (0: run until interrupted or the frames end)")
	timeout := fs.Duration("timeout", 0, "give up after this long (0: no limit)")
	window := fs.Duration("dedup", 3*time.Second, "report the same code again only after this long out of view")
	keyFile := fs.String("keys", "", "trusted code-signing keys (see credential parse)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 0 {
		return usageError("qr scan: unexpected argument %q", fs.Arg(0))
	}
	var p credential.Parser
	if *keyFile != "" {
		keys, err := readKeys(*keyFile)
		if err != nil {
			return err
		}
		p.Verifier = newVerifier(keys)
	}
	var src camera.Source
	if *dir != "" {
		files, err := camera.NewDir(*dir)
		if err != nil {
			return err
		}
		src = files
	} else {
		cam, err := camera.OpenV4L2(*device, &camera.V4L2Opts{Width: *width, Height: *height, Format: *format, Timeout: 3 * time.Second})
		if err != nil {
			return err
		}
		src = cam
	}
	// A camera runs on while frames are decoded: only the newest frame
	// counts. Frames from a directory are all decoded, in order.
	var latest *camera.Latest
	if *dir == "" {
		latest = camera.NewLatest(src)
		src = latest
	}
	defer src.Close()
	if *timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, *timeout)
		defer cancel()
	}
	dec := qrdecode.New(nil)
	dedup := qrdecode.NewDedup(*window)
	seen := 0
	for {
		f, err := src.Next(ctx)
		if errors.Is(err, io.EOF) || errors.Is(err, context.DeadlineExceeded) {
			return nil
		}
		if err != nil {
			return err
		}
		t0 := time.Now()
		codes, err := dec.Decode(f.Img)
		ms := float64(time.Since(t0).Microseconds()) / 1000
		if err != nil {
			return err
		}
		for _, c := range dedup.Filter(codes) {
			r := p.Parse(c.Text)
			l := scanLine{Code: c.Text, Kind: r.Kind.String(), Valid: r.Valid, Fields: r.Fields, Error: r.Error, Frame: f.Seq, DecodeMS: ms}
			if latest != nil {
				l.Dropped = latest.Dropped()
			}
			if *asJSON {
				b, _ := json.Marshal(l)
				fmt.Fprintf(stdout, "%s\n", b)
			} else {
				status := "valid"
				if !r.Valid {
					status = "INVALID: " + r.Error
				}
				fmt.Fprintf(stdout, "frame %d: %s %q (%s, %.1f ms)\n", f.Seq, r.Kind, c.Text, status, ms)
			}
			seen++
			if *count > 0 && seen >= *count {
				return nil
			}
		}
	}
}
