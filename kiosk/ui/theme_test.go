package ui

import (
	"image/color"
	"math"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/theme"
)

func luminance(c color.Color) float64 {
	r, g, b, _ := c.RGBA()
	f := func(v uint32) float64 {
		x := float64(v) / 0xffff
		if x <= 0.03928 {
			return x / 12.92
		}
		return math.Pow((x+0.055)/1.055, 2.4)
	}
	return 0.2126*f(r) + 0.7152*f(g) + 0.0722*f(b)
}

func contrast(a, b color.Color) float64 {
	la, lb := luminance(a), luminance(b)
	if la < lb {
		la, lb = lb, la
	}
	return (la + 0.05) / (lb + 0.05)
}

// TestContrast checks every text/background pair the screens use against
// WCAG AA (4.5:1).
func TestContrast(t *testing.T) {
	th := &Theme{}
	bg := th.Color(theme.ColorNameBackground, 0)
	pairs := map[string][2]color.Color{
		"text on background":     {th.Color(theme.ColorNameForeground, 0), bg},
		"muted on background":    {colMuted, bg},
		"warning on background":  {colWarn, bg},
		"primary on background":  {colPrimary, bg},
		"button text on primary": {th.Color(theme.ColorNameForegroundOnPrimary, 0), colPrimary},
		"text on white button":   {th.Color(theme.ColorNameForeground, 0), th.Color(theme.ColorNameButton, 0)},
		"disabled tile text":     {colMuted, color.NRGBA{R: 0xDD, G: 0xDA, B: 0xD2, A: 0xFF}},
	}
	for name, c := range map[string]color.Color{"zone": colTile, "appointment": colAppt, "scan": colScan,
		"rate": colRate, "invoice": colInvoice, "header": colHeader, "banner": colWarn} {
		pairs["white on "+name] = [2]color.Color{colWhite, c}
	}
	for name, p := range pairs {
		if r := contrast(p[0], p[1]); r < 4.5 {
			t.Errorf("%s: contrast %.1f:1 below 4.5:1", name, r)
		}
	}
}

// TestTouchTargets checks the minimum heights against 15 mm on the panels
// kiosks use (21.5" and 15.6" at 1080×1920: 0.248 and 0.179 mm per pixel).
func TestTouchTargets(t *testing.T) {
	for _, mmPerPx := range []float64{0.248, 0.179} {
		if mm := MinTouch * mmPerPx; mm < 15 {
			t.Errorf("MinTouch is %.1f mm at %.3f mm/px", mm, mmPerPx)
		}
	}
	r := newUI(t, false)
	for name, b := range r.k.Current().Buttons {
		if h := b.Size().Height; h < MinTouch-20 { // header switches are MinTouch-20 = 100 px, 17.9 mm at 0.179
			t.Errorf("button %s is %.0f tall", name, h)
		}
	}
	for name, tl := range r.k.Current().Tiles {
		if h := tl.Size().Height; h < MinTouch {
			t.Errorf("tile %s is %.0f tall", name, h)
		}
	}
}

// assertRegularText fails if any text on screen (the screen's own canvas
// texts and those inside widgets) asks for a style other than regular: the
// font has one weight, so a bold or monospace style would draw the same
// glyphs while Fyne parsed the fonts again for it (see fontResource). Every
// golden screen goes through this check.
func assertRegularText(t *testing.T, screen string, content fyne.CanvasObject) {
	t.Helper()
	n := 0
	for _, o := range test.LaidOutObjects(content) {
		if txt, ok := o.(*canvas.Text); ok {
			n++
			if txt.TextStyle != (fyne.TextStyle{}) {
				t.Errorf("%s: text %q has style %+v, want regular", screen, txt.Text, txt.TextStyle)
			}
		}
	}
	if n == 0 {
		t.Errorf("%s: no text found on screen", screen)
	}
}
