package ui

import (
	"image"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/test"

	"hallkiosk/kiosk/i18n"
	"hallkiosk/queue/catalog"
)

// TestRareCharacterIsDrawn: a masked name with a character outside the
// theme font (頔 is in neither GB 2312 nor the 2013 general standard table)
// is drawn from the full font as an image with ink in the cell of every
// character; everyday text stays a canvas text in the theme font.
func TestRareCharacterIsDrawn(t *testing.T) {
	test.NewTempApp(t)
	if !covered("王*三 玉门市民中心 A001") {
		t.Fatal("everyday text reported as not covered by the theme font")
	}
	if covered("王*頔") {
		t.Fatal("頔 reported as covered by the theme font")
	}
	if _, ok := line("王*三", colForeground, 30, fyne.TextAlignCenter).(*canvas.Text); !ok {
		t.Fatal("covered text is not a canvas text")
	}
	obj := line("王*頔", colForeground, 30, fyne.TextAlignCenter)
	c, ok := obj.(*fyne.Container)
	if !ok || len(c.Objects) != 1 {
		t.Fatalf("rare text drawn as %T", obj)
	}
	im, ok := c.Objects[0].(*canvas.Image)
	if !ok || im.Image == nil {
		t.Fatalf("rare text drawn as %T", c.Objects[0])
	}
	if m := im.MinSize(); m.Height < 30 || m.Width < 60 {
		t.Errorf("rare text image is %v canvas units for size 30 text", m)
	}
	img := im.Image
	b := img.Bounds()
	// Three characters of roughly equal advance: each third must have ink,
	// and the last (頔) must not be the empty-box glyph of a missing character.
	cells := make([]int, 3)
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			if _, _, _, a := img.At(x, y).RGBA(); a > 0x8000 {
				cells[min(2, (x-b.Min.X)*3/b.Dx())]++
			}
		}
	}
	for i, n := range cells {
		if n < 50 {
			t.Errorf("character %d of 王*頔 drew %d pixels", i, n)
		}
	}
	box := drawFull("\U0010FFFD", colForeground, 30) // not in any font: the missing-glyph box
	last := image.Rect(b.Min.X+b.Dx()*2/3, b.Min.Y, b.Max.X, b.Max.Y)
	if box != nil && sameInk(img, last, box) {
		t.Error("頔 drawn as the missing-glyph box")
	}
	// On a screen: the ticket screen shows the masked name.
	w := test.NewWindow(container.NewVBox(obj))
	defer w.Close()
	if s := obj.Size(); s.Width <= 0 || s.Height <= 0 {
		t.Errorf("rare text laid out at %v", s)
	}
}

// sameInk compares the alpha of img within r against box at the same offset.
func sameInk(img image.Image, r image.Rectangle, box image.Image) bool {
	bb := box.Bounds()
	diff := 0
	for y := 0; y < min(r.Dy(), bb.Dy()); y++ {
		for x := 0; x < min(r.Dx(), bb.Dx()); x++ {
			_, _, _, a1 := img.At(r.Min.X+x, r.Min.Y+y).RGBA()
			_, _, _, a2 := box.At(bb.Min.X+x, bb.Min.Y+y).RGBA()
			if (a1 > 0x8000) != (a2 > 0x8000) {
				diff++
			}
		}
	}
	return diff < 20
}

// TestFixedTextInThemeFont: every interface string (both languages) and
// every name and notice of the built-in catalogue is drawn by the theme font,
// never through the full-font image path.
func TestFixedTextInThemeFont(t *testing.T) {
	for _, k := range i18n.Keys() {
		for _, l := range []i18n.Lang{i18n.ZH, i18n.EN} {
			if s := l.T(k); !covered(s) {
				t.Errorf("%s %s: %q has a character outside the theme font", l, k, s)
			}
		}
	}
	c := catalog.Default()
	texts := append([]string{c.Hall.Name}, c.Hall.Notices...)
	for _, z := range c.Zones {
		texts = append(texts, z.Name, z.NameEN)
		for _, s := range z.Services {
			texts = append(texts, s.Name, s.NameEN)
		}
	}
	for _, s := range texts {
		if !covered(s) {
			t.Errorf("catalogue text %q has a character outside the theme font", s)
		}
	}
}
