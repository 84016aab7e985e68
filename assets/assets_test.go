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
	full, err := Font()
	if err != nil {
		t.Fatal(err)
	}
	ui, err := opentype.Parse(UIFontTTF)
	if err != nil {
		t.Fatal(err)
	}
	t.Run("full", func(t *testing.T) { notTofu(t, full, "玉门市民中心") })
	t.Run("ui", func(t *testing.T) { notTofu(t, ui, "玉门市民中心") })
	// A name character outside GB 2312 and the 2013 general standard table:
	// only the full font has it (the kiosk UI draws such text from it).
	t.Run("rare name in full font", func(t *testing.T) { notTofu(t, full, "王頔") })
}

// TestUIFontCoverage pins the UI subset's boundary: GB 2312, the general
// standard table's name characters (堃 喆 玥 are outside GB 2312), Latin
// with pinyin, full-width punctuation, ✓; not 頔 (rare) nor Hangul.
func TestUIFontCoverage(t *testing.T) {
	ui, err := opentype.Parse(UIFontTTF)
	if err != nil {
		t.Fatal(err)
	}
	var buf sfnt.Buffer
	has := func(r rune) bool {
		gi, err := ui.GlyphIndex(&buf, r)
		return err == nil && gi != 0
	}
	for _, r := range "玉门市民中心堃喆玥鑫淼Aǎü：，。（）①✓℃×·" {
		if !has(r) {
			t.Errorf("UI font lacks %q", r)
		}
	}
	for _, r := range "頔韡한" {
		if has(r) {
			t.Errorf("UI font has %q: the subset is not what scripts/font-subset.sh makes", r)
		}
	}
	if n := ui.NumGlyphs(); n > 20000 {
		t.Errorf("UI font has %d glyphs", n)
	}
}

// notTofu checks that every character of text has its own glyph in f, draws
// ink, and looks different from the missing-glyph box and from the others.
func notTofu(t *testing.T, f *opentype.Font, s string) {
	var buf sfnt.Buffer
	text := []rune(s)
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
