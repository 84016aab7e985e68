package ui

import (
	"image"
	"image/color"
	"sync"
	"unicode"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/widget"
	"golang.org/x/image/font"
	"golang.org/x/image/font/opentype"
	"golang.org/x/image/font/sfnt"
	"golang.org/x/image/math/fixed"

	"hallkiosk/assets"
)

// The theme font (assets.UIFontTTF) holds the characters of everyday
// Chinese text: GB 2312 and the 2013 general standard table. A name on an ID
// card, a company name or a notice may still hold a character outside it
// (王頔). Such text is drawn here into an image from the full font
// (assets.FontTTF, all of GB 18030 level 1) with golang.org/x/image's sfnt,
// which reads glyphs from the embedded bytes on demand instead of parsing
// the whole font as Fyne's text stack would.

var (
	coverOnce sync.Once
	coverFont *sfnt.Font
	coverBuf  sfnt.Buffer
	coverMu   sync.Mutex
)

// covered reports whether the theme font has a glyph for every visible
// character of s.
func covered(s string) bool {
	coverOnce.Do(func() {
		f, err := sfnt.Parse(assets.UIFontTTF)
		if err == nil {
			coverFont = f
		}
	})
	if coverFont == nil {
		return true // cannot tell: leave it to the theme font
	}
	coverMu.Lock()
	defer coverMu.Unlock()
	for _, r := range s {
		if r < 0x80 || unicode.IsSpace(r) || unicode.IsControl(r) {
			continue
		}
		if gi, err := coverFont.GlyphIndex(&coverBuf, r); err != nil || gi == 0 {
			return false
		}
	}
	return true
}

// line is a one-line text object: a canvas text in the theme font, or, when
// s has a character the theme font lacks, the same line drawn from the full
// font.
func line(s string, c color.Color, size float32, align fyne.TextAlign) fyne.CanvasObject {
	if covered(s) {
		t := canvas.NewText(s, c)
		t.TextSize = size
		t.Alignment = align
		return t
	}
	img := drawFull(s, c, size)
	if img == nil {
		t := canvas.NewText(s, c) // no full font: tofu rather than nothing
		t.TextSize = size
		t.Alignment = align
		return t
	}
	b := img.Bounds()
	im := canvas.NewImageFromImage(img)
	im.FillMode = canvas.ImageFillStretch
	im.ScaleMode = canvas.ImageScaleSmooth
	im.SetMinSize(fyne.NewSize(float32(b.Dx())/renderScale, float32(b.Dy())/renderScale))
	switch align {
	case fyne.TextAlignCenter:
		return container.NewCenter(im)
	case fyne.TextAlignTrailing:
		return container.NewHBox(layout.NewSpacer(), im)
	}
	return container.NewHBox(im)
}

// fitLine is a FitText line, or the full-font line when the theme font
// lacks a character of s.
func fitLine(s string, c color.Color, size float32) fyne.CanvasObject {
	if covered(s) {
		return NewFitText(s, c, size)
	}
	return line(s, c, size, fyne.TextAlignCenter)
}

// paragraph is a wrapping label for data text (notices, document fields),
// or the full-font line when the theme font lacks a character.
func paragraph(s string, c color.Color, size float32, align fyne.TextAlign) fyne.CanvasObject {
	if covered(s) {
		l := widget.NewLabel(s)
		l.Wrapping = fyne.TextWrapWord
		l.Alignment = align
		return l
	}
	return line(s, c, size, align)
}

// renderScale is how many pixels the full-font images have per canvas unit,
// so they stay sharp on a scaled canvas.
const renderScale = 2

// drawFull draws s in colour c from the full font at size canvas units.
func drawFull(s string, c color.Color, size float32) *image.NRGBA {
	f, err := assets.Font()
	if err != nil {
		return nil
	}
	face, err := opentype.NewFace(f, &opentype.FaceOptions{Size: float64(size * renderScale), DPI: 72, Hinting: font.HintingNone})
	if err != nil {
		return nil
	}
	defer face.Close()
	m := face.Metrics()
	w := font.MeasureString(face, s).Ceil()
	h := (m.Ascent + m.Descent).Ceil()
	if w <= 0 || h <= 0 {
		return nil
	}
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	d := &font.Drawer{Dst: img, Src: image.NewUniform(c), Face: face, Dot: fixed.Point26_6{Y: m.Ascent}}
	d.DrawString(s)
	return img
}
