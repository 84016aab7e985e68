package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"

	"hallkiosk/printer/render"
)

func init() {
	register("escpos render", "draw ESC/POS bytes as the printed paper (-o OUT.png [--width 576] IN.bin|-)", runESCPOSRender)
}

// maxRenderInput bounds the input read by escpos render.
const maxRenderInput = 16 << 20

func runESCPOSRender(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("escpos render", stderr)
	out := fs.String("o", "", "output PNG file (required)")
	width := fs.Int("width", 576, "paper width in dots (384 = 58 mm, 576 = 80 mm)")
	maxH := fs.Int("max-height", 20000, "maximum image height in dots")
	noCN := fs.Bool("no-chinese", false, "start outside Chinese mode (bytes >= 0x80 as code page 437)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 1 || *out == "" {
		return usageError("kioskctl escpos render -o OUT.png [--width 576] IN.bin (IN may be -)")
	}
	if *width < 8 || *width > 4096 {
		return usageError("--width %d out of range 8..4096", *width)
	}
	var in io.Reader
	if name := fs.Arg(0); name == "-" {
		in = os.Stdin
	} else {
		f, err := os.Open(name)
		if err != nil {
			return fmt.Errorf("escpos render: %w", err)
		}
		defer f.Close()
		in = f
	}
	data, err := io.ReadAll(io.LimitReader(in, maxRenderInput+1))
	if err != nil {
		return fmt.Errorf("escpos render: %w", err)
	}
	if len(data) > maxRenderInput {
		return fmt.Errorf("escpos render: input larger than %d bytes", maxRenderInput)
	}
	res, err := render.Render(data, &render.Options{Width: *width, MaxHeight: *maxH, NoChinese: *noCN})
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := res.WritePNG(&buf); err != nil {
		return err
	}
	if err := os.WriteFile(*out, buf.Bytes(), 0o644); err != nil {
		return fmt.Errorf("escpos render: %w", err)
	}
	for _, w := range res.Warnings {
		fmt.Fprintln(stderr, "warning:", w)
	}
	if res.MoreWarnings > 0 {
		fmt.Fprintf(stderr, "warning: %d more warnings\n", res.MoreWarnings)
	}
	b := res.Image.Bounds()
	fmt.Fprintf(stdout, "%s: %d×%d dots (%.0f mm long), %d bytes in, %d cuts, %d warnings",
		*out, b.Dx(), b.Dy(), float64(b.Dy())*25.4/203, len(data), res.Cuts, len(res.Warnings)+res.MoreWarnings)
	if res.Truncated {
		fmt.Fprintf(stdout, ", truncated at %d dots", *maxH)
	}
	fmt.Fprintln(stdout)
	return nil
}
