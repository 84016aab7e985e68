package render

import (
	"bytes"
	"flag"
	"image"
	"image/png"
	"os"
	"path/filepath"
	"testing"
)

var update = flag.Bool("update", false, "rewrite golden images")

// TestGoldenTickets compares renderings of the sample ticket with committed
// images, pixel for pixel (regenerate with go test -update after a
// deliberate change, and look at the result).
func TestGoldenTickets(t *testing.T) {
	for _, prof := range []string{"80mm", "58mm"} {
		t.Run(prof, func(t *testing.T) {
			_, b := sample(t, prof)
			w := 576
			if prof == "58mm" {
				w = 384
			}
			res, err := Render(b, &Options{Width: w})
			if err != nil {
				t.Fatal(err)
			}
			path := filepath.Join("testdata", "ticket-"+prof+".png")
			if *update {
				var buf bytes.Buffer
				if err := res.WritePNG(&buf); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			f, err := os.Open(path)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			img, err := png.Decode(f)
			if err != nil {
				t.Fatal(err)
			}
			want, ok := img.(*image.Gray)
			if !ok || want.Bounds() != res.Image.Bounds() {
				t.Fatalf("golden %v, got %v", img.Bounds(), res.Image.Bounds())
			}
			diff := 0
			for i := range want.Pix {
				if want.Pix[i] != res.Image.Pix[i] {
					diff++
				}
			}
			if diff > 0 {
				t.Errorf("%d pixels differ from %s", diff, path)
			}
		})
	}
}
