package ui

import (
	"fmt"
	"image/color"
	"sort"
	"strings"
	"unicode"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/widget"
)

// StripLine is one line of the status strip.
type StripLine struct {
	Text  string
	Color color.Color // the band behind the (white) text
}

// Strip is the status line under the header. Its height is that of its
// lines whether they show anything or not, so that a banner appearing (the
// hall went offline, paper ran out, the idle countdown began) moves no
// tile; Set changes it in place.
type Strip struct {
	widget.BaseWidget
	n     int
	size  float32
	bands []*canvas.Rectangle
	texts []*FitText
}

// NewStrip returns a strip of n lines at text size.
func NewStrip(n int, size float32) *Strip {
	s := &Strip{n: n, size: size}
	for range n {
		b := canvas.NewRectangle(color.Transparent)
		b.CornerRadius = 8
		s.bands = append(s.bands, b)
		s.texts = append(s.texts, NewFitText("", colWhite, size))
	}
	s.ExtendBaseWidget(s)
	return s
}

// Set shows lines (those beyond the strip's lines are joined into its last).
func (s *Strip) Set(lines []StripLine) {
	if len(lines) > s.n {
		last := lines[s.n-1]
		for _, l := range lines[s.n:] {
			last.Text += "；" + l.Text
		}
		lines = append(lines[:s.n-1:s.n-1], last)
	}
	for i := range s.n {
		if i < len(lines) {
			s.bands[i].FillColor = lines[i].Color
			s.texts[i].Set(lines[i].Text, colWhite)
		} else {
			s.bands[i].FillColor = color.Transparent
			s.texts[i].Set("", colWhite)
		}
		s.bands[i].Refresh()
	}
}

// Lines returns the texts shown (for tests and the control endpoint).
func (s *Strip) Lines() []string {
	var out []string
	for _, t := range s.texts {
		if t.Text != "" {
			out = append(out, t.Text)
		}
	}
	return out
}

// CreateRenderer lays the lines out.
func (s *Strip) CreateRenderer() fyne.WidgetRenderer { return &stripRenderer{s: s} }

type stripRenderer struct{ s *Strip }

func (r *stripRenderer) lineH() float32 {
	return fyne.MeasureText("国Hg", r.s.size, fyne.TextStyle{}).Height + 8
}

func (r *stripRenderer) MinSize() fyne.Size {
	return fyne.NewSize(0, float32(r.s.n)*(r.lineH()+4)+4)
}

func (r *stripRenderer) Layout(size fyne.Size) {
	h := r.lineH()
	for i := range r.s.n {
		y := 4 + float32(i)*(h+4)
		r.s.bands[i].Move(fyne.NewPos(padding, y))
		r.s.bands[i].Resize(fyne.NewSize(size.Width-2*padding, h))
		r.s.texts[i].Move(fyne.NewPos(2*padding, y))
		r.s.texts[i].Resize(fyne.NewSize(size.Width-4*padding, h))
	}
}

func (r *stripRenderer) Refresh() {
	for i := range r.s.n {
		r.s.bands[i].Refresh()
		r.s.texts[i].Refresh()
	}
}

func (r *stripRenderer) Objects() []fyne.CanvasObject {
	var o []fyne.CanvasObject
	for i := range r.s.n {
		o = append(o, r.s.bands[i], r.s.texts[i])
	}
	return o
}

func (r *stripRenderer) Destroy() {}

// wrapText breaks s into lines no wider than w at text size: between words
// of Latin text, between any two Chinese characters, and inside a word or
// number only when it alone is wider than w.
func wrapText(s string, size, w float32) []string {
	var out []string
	for _, para := range strings.Split(s, "\n") {
		var tokens []string
		cur := ""
		for _, r := range para {
			switch {
			case r == ' ':
				tokens = append(tokens, cur+" ")
				cur = ""
			case r > 0x2E80 && !unicode.IsPunct(r):
				if cur != "" {
					tokens = append(tokens, cur)
				}
				cur = string(r)
				tokens = append(tokens, cur)
				cur = ""
			default:
				cur += string(r)
			}
		}
		if cur != "" {
			tokens = append(tokens, cur)
		}
		fits := func(x string) bool {
			return fyne.MeasureText(strings.TrimRight(x, " "), size, fyne.TextStyle{}).Width <= w
		}
		line := ""
		for _, t := range tokens {
			if fits(line + t) {
				line += t
				continue
			}
			if line != "" {
				out = append(out, strings.TrimRight(line, " "))
				line = ""
			}
			for !fits(t) { // one token wider than the line: break it
				rs := []rune(t)
				n := len(rs) - 1
				for n > 1 && !fits(string(rs[:n])) {
					n--
				}
				out = append(out, string(rs[:n]))
				t = string(rs[n:])
			}
			line = t
		}
		if strings.TrimSpace(line) != "" || len(out) == 0 {
			out = append(out, strings.TrimRight(line, " "))
		}
	}
	return out
}

// signature describes a screen's structure: everything but the texts that
// are updated in place (tile texts, the status strip). Two builds with the
// same signature differ only in those.
func signature(o fyne.CanvasObject) string {
	var b strings.Builder
	sigOf(o, &b)
	return b.String()
}

func sigOf(o fyne.CanvasObject, b *strings.Builder) {
	switch x := o.(type) {
	case *Strip:
		fmt.Fprintf(b, "S%d", x.n)
	case *Tile:
		fmt.Fprintf(b, "T%v%v", x.fill, x.min)
	case *Button:
		fmt.Fprintf(b, "B%q%v%v", x.Text, x.disabled, x.Primary)
	case *FitText:
		fmt.Fprintf(b, "F%q%v%v", x.Text, x.Color, x.TextSize)
	case *canvas.Text:
		fmt.Fprintf(b, "t%q%v%v", x.Text, x.Color, x.TextSize)
	case *canvas.Rectangle:
		fmt.Fprintf(b, "R%v%v", x.FillColor, x.MinSize())
	case *fyne.Container:
		fmt.Fprintf(b, "(%T", x.Layout)
		for _, c := range x.Objects {
			sigOf(c, b)
		}
		b.WriteString(")")
	default:
		fmt.Fprintf(b, "%T", o)
	}
}

// sameKeys reports whether a and b have the same tiles and buttons.
func sameKeys(a, b *Screen) bool {
	keys := func(s *Screen) string {
		var k []string
		for n := range s.Tiles {
			k = append(k, "t"+n)
		}
		for n := range s.Buttons {
			k = append(k, "b"+n)
		}
		sort.Strings(k)
		return strings.Join(k, ",")
	}
	return keys(a) == keys(b)
}
