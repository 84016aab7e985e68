package main

import (
	"context"
	"encoding/json"
	"fmt"
	"image"
	_ "image/gif"
	_ "image/jpeg"
	_ "image/png"
	"io"
	"os"
	"strings"
	"time"

	_ "golang.org/x/image/bmp"

	"hallkiosk/drivers/qrdecode"
)

func init() {
	register("qr decode", "decode QR codes in image files: qr decode [--json] FILE...", qrDecode)
}

// qrLine is one file's result.
type qrLine struct {
	File  string   `json:"file"`
	Codes []string `json:"codes"`
	MS    float64  `json:"ms"`
	Error string   `json:"error,omitempty"`
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
			t0 := time.Now()
			codes, err := dec.Decode(qrdecode.Gray(img))
			line.MS = float64(time.Since(t0).Microseconds()) / 1000
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
