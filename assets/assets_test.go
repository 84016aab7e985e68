package assets

import (
	"image"
	"image/draw"
	"testing"

	"golang.org/x/image/font"
	"golang.org/x/image/font/opentype"
	"golang.org/x/image/font/sfnt"
	"golang.org/x/image/math/fixed"
)

// render draws s and returns the image.
func render(t *testing.T, face font.Face, s string) *image.Gray {
	img := image.NewGray(image.Rect(0, 0, 64*len([]rune(s))+20, 90))
	draw.Draw(img, img.Bounds(), image.White, image.Point{}, draw.Src)
	d := &font.Drawer{Dst: img, Src: image.Black, Face: face, Dot: fixed.P(10, 70)}
	d.DrawString(s)
	return img
}

func ink(img *image.Gray, r image.Rectangle) []byte {
	var out []byte
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			out = append(out, img.GrayAt(x, y).Y)
		}
	}
	return out
}

// TestChineseGlyphsAreNotTofu renders 玉门市民中心 with the embedded font and
// checks that every character has its own glyph, draws ink, and looks
// different from the missing-glyph box and from the other characters.
func TestChineseGlyphsAreNotTofu(t *testing.T) {
	f, err := Font()
	if err != nil {
		t.Fatal(err)
	}
	var buf sfnt.Buffer
	text := []rune("玉门市民中心")
	seen := map[sfnt.GlyphIndex]rune{}
	for _, r := range append(text, 'A', '0', '：') {
		gi, err := f.GlyphIndex(&buf, r)
		if err != nil || gi == 0 {
			t.Fatalf("%q has no glyph (index %d, err %v)", r, gi, err)
		}
		if prev, dup := seen[gi]; dup {
			t.Fatalf("%q and %q share glyph %d", r, prev, gi)
		}
		seen[gi] = r
	}
	face, err := opentype.NewFace(f, &opentype.FaceOptions{Size: 48, DPI: 72, Hinting: font.HintingFull})
	if err != nil {
		t.Fatal(err)
	}
	tofu := render(t, face, "\U0010FFFD") // private use: not in the font, draws .notdef
	tofuInk := ink(tofu, image.Rect(10, 10, 60, 80))
	var cells [][]byte
	for _, r := range text {
		img := render(t, face, string(r))
		cell := ink(img, image.Rect(10, 10, 60, 80))
		dark := 0
		for _, v := range cell {
			if v < 128 {
				dark++
			}
		}
		if dark < 40 {
			t.Fatalf("%q drew only %d dark pixels", r, dark)
		}
		if string(cell) == string(tofuInk) {
			t.Fatalf("%q renders as the missing-glyph box", r)
		}
		for j, prev := range cells {
			if string(prev) == string(cell) {
				t.Fatalf("%q renders the same as %q", r, text[j])
			}
		}
		cells = append(cells, cell)
	}
}
