package ui

import (
	"image/color"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"
)

// Tile is a large coloured touch target with a title and a second line
// (waiting count, estimate, hint). Its size is fixed by min, whatever its
// texts: long titles shrink to the tile's width (FitText), so a language
// switch never widens a screen. Update changes the texts in place (the 10 s
// status refresh), without re-creating the tile or moving anything.
type Tile struct {
	widget.BaseWidget
	Title    string
	Sub      string
	OnTapped func()
	// Disabled greys the tile out and ignores taps; Muted greys it out but
	// still reports taps (a closed service says why when tapped).
	Disabled bool
	Muted    bool

	fill     color.Color
	min      fyne.Size
	textSize float32
	guard    func(*fyne.PointEvent) bool
}

var _ fyne.Tappable = (*Tile)(nil)

// NewTile returns a tile of at least min size.
func NewTile(title, sub string, fill color.Color, min fyne.Size, textSize float32, tapped func()) *Tile {
	t := &Tile{Title: title, Sub: sub, OnTapped: tapped, fill: fill, min: min, textSize: textSize}
	t.ExtendBaseWidget(t)
	return t
}

// Tapped runs OnTapped unless the tile is disabled or the tap is a
// leftover of the previous screen (see Kiosk.guard).
func (t *Tile) Tapped(e *fyne.PointEvent) {
	if t.guard != nil && !t.guard(e) {
		return
	}
	if t.OnTapped != nil && !t.Disabled {
		t.OnTapped()
	}
}

// Update sets the tile's texts and state and redraws it in place.
func (t *Tile) Update(title, sub string, disabled, muted bool) {
	if t.Title == title && t.Sub == sub && t.Disabled == disabled && t.Muted == muted {
		return
	}
	t.Title, t.Sub, t.Disabled, t.Muted = title, sub, disabled, muted
	t.Refresh()
}

// CreateRenderer draws the tile.
func (t *Tile) CreateRenderer() fyne.WidgetRenderer {
	r := &tileRenderer{t: t, bg: canvas.NewRectangle(t.fill),
		title: NewFitText("", colWhite, t.textSize*1.15), sub: NewFitText("", colWhite, t.textSize*0.85)}
	r.bg.CornerRadius = 14
	r.Refresh()
	return r
}

type tileRenderer struct {
	t          *Tile
	bg         *canvas.Rectangle
	title, sub *FitText
}

const tilePad = 12

func (r *tileRenderer) MinSize() fyne.Size { return r.t.min }

func (r *tileRenderer) Layout(size fyne.Size) {
	r.bg.Resize(size)
	w := size.Width - 2*tilePad
	th := r.title.MinSize().Height
	h := th
	if r.t.Sub != "" {
		h += r.sub.MinSize().Height
	}
	y := (size.Height - h) / 2
	r.title.Resize(fyne.NewSize(w, th))
	r.title.Move(fyne.NewPos(tilePad, y))
	r.sub.Resize(fyne.NewSize(w, r.sub.MinSize().Height))
	r.sub.Move(fyne.NewPos(tilePad, y+th))
}

func (r *tileRenderer) Refresh() {
	fill, fg := r.t.fill, color.Color(colWhite)
	if r.t.Disabled || r.t.Muted {
		fill, fg = colDisabled, colMuted
	}
	r.bg.FillColor = fill
	r.title.Set(r.t.Title, fg)
	r.sub.Set(r.t.Sub, fg)
	r.sub.Hidden = r.t.Sub == ""
	r.bg.Refresh()
	r.Layout(r.t.Size())
}

func (r *tileRenderer) Objects() []fyne.CanvasObject {
	return []fyne.CanvasObject{r.bg, r.title, r.sub}
}

func (r *tileRenderer) Destroy() {}

// FitText is one line of text that fits the width it is given: it shrinks
// down to minScale of its size, then shortens with "…". Its minimum width
// is small, so a long label never makes a screen wider than the window.
type FitText struct {
	widget.BaseWidget
	Text     string
	Color    color.Color
	TextSize float32
	Align    fyne.TextAlign

	text *canvas.Text
}

// fitMinScale is how far FitText shrinks before it shortens the text.
const fitMinScale = 0.6

// NewFitText returns a centred fitting line.
func NewFitText(s string, c color.Color, size float32) *FitText {
	f := &FitText{Text: s, Color: c, TextSize: size, Align: fyne.TextAlignCenter}
	f.ExtendBaseWidget(f)
	return f
}

// Set changes text and colour.
func (f *FitText) Set(s string, c color.Color) {
	if f.Text == s && f.Color == c {
		return
	}
	f.Text, f.Color = s, c
	f.Refresh()
}

// CreateRenderer draws the line.
func (f *FitText) CreateRenderer() fyne.WidgetRenderer {
	f.text = canvas.NewText(f.Text, f.Color)
	r := &fitRenderer{f: f}
	r.Refresh()
	return r
}

type fitRenderer struct{ f *FitText }

func (r *fitRenderer) MinSize() fyne.Size {
	m := fyne.MeasureText("国Hg", r.f.TextSize, fyne.TextStyle{})
	full := fyne.MeasureText(r.f.Text, r.f.TextSize, fyne.TextStyle{})
	return fyne.NewSize(min(full.Width, m.Width*2), m.Height)
}

// Layout shrinks and shortens the text to size.Width.
func (r *fitRenderer) Layout(size fyne.Size) {
	t := r.f.text
	s, sz := r.f.Text, r.f.TextSize
	w := fyne.MeasureText(s, sz, fyne.TextStyle{}).Width
	if w > size.Width && size.Width > 0 {
		sz = max(r.f.TextSize*fitMinScale, r.f.TextSize*size.Width/w*0.98)
		rs := []rune(s)
		for len(rs) > 1 && fyne.MeasureText(string(rs), sz, fyne.TextStyle{}).Width > size.Width {
			rs = append(rs[:len(rs)-2:len(rs)-2], '…')
		}
		s = string(rs)
	}
	t.Text, t.TextSize, t.Color, t.Alignment = s, sz, r.f.Color, r.f.Align
	h := fyne.MeasureText("国Hg", sz, fyne.TextStyle{}).Height
	t.Resize(fyne.NewSize(size.Width, h))
	t.Move(fyne.NewPos(0, (size.Height-h)/2))
	t.Refresh()
}

func (r *fitRenderer) Refresh()                     { r.Layout(r.f.Size()) }
func (r *fitRenderer) Objects() []fyne.CanvasObject { return []fyne.CanvasObject{r.f.text} }
func (r *fitRenderer) Destroy()                     {}

// Gesture is the invisible maintenance corner: taps are counted by the flow.
type Gesture struct {
	widget.BaseWidget
	OnTapped func()
	size     fyne.Size
}

// NewGesture returns an invisible tappable area of the given size.
func NewGesture(size fyne.Size, tapped func()) *Gesture {
	g := &Gesture{OnTapped: tapped, size: size}
	g.ExtendBaseWidget(g)
	return g
}

// Tapped reports the tap.
func (g *Gesture) Tapped(*fyne.PointEvent) {
	if g.OnTapped != nil {
		g.OnTapped()
	}
}

// CreateRenderer draws nothing but takes the corner's room.
func (g *Gesture) CreateRenderer() fyne.WidgetRenderer {
	r := canvas.NewRectangle(color.Transparent)
	r.SetMinSize(g.size)
	return widget.NewSimpleRenderer(r)
}

// minHeight wraps o so that it is at least h tall (touch targets).
func minHeight(o fyne.CanvasObject, h float32) fyne.CanvasObject {
	r := canvas.NewRectangle(color.Transparent)
	r.SetMinSize(fyne.NewSize(0, h))
	return container.NewStack(r, o)
}

// text is a canvas text line in the given colour and size, in the regular
// style (the only one the kiosk uses, see fontResource).
func text(s string, c color.Color, size float32) *canvas.Text {
	t := canvas.NewText(s, c)
	t.TextSize = size
	return t
}

// centred is a horizontally centred canvas text line.
func centred(s string, c color.Color, size float32) *canvas.Text {
	t := text(s, c, size)
	t.Alignment = fyne.TextAlignCenter
	return t
}

// para is a wrapping label for longer texts.
func para(s string) *widget.Label {
	l := widget.NewLabel(s)
	l.Wrapping = fyne.TextWrapWord
	l.Alignment = fyne.TextAlignCenter
	return l
}

// Button is the kiosk's push button: a rounded panel with one line of text.
// Fyne's own button draws its label bold, and every text style costs Fyne a
// further parse of the fonts (see fontResource) while the kiosk's font has
// no bold weight to show; this one draws its label in the regular style, and
// a label with a character outside the theme font from the full font.
type Button struct {
	widget.BaseWidget
	Text     string
	Primary  bool
	OnTapped func()

	disabled bool
	textSize float32
	guard    func(*fyne.PointEvent) bool
}

var (
	_ fyne.Tappable    = (*Button)(nil)
	_ fyne.Disableable = (*Button)(nil)
)

// NewButton returns a button with label text at textSize; primary buttons are
// red with white text.
func NewButton(label string, primary bool, textSize float32, tapped func()) *Button {
	b := &Button{Text: label, Primary: primary, OnTapped: tapped, textSize: textSize}
	b.ExtendBaseWidget(b)
	return b
}

// Tapped runs OnTapped unless the button is disabled or the tap is a
// leftover of the previous screen (see Kiosk.guard).
func (b *Button) Tapped(e *fyne.PointEvent) {
	if b.guard != nil && !b.guard(e) {
		return
	}
	if b.OnTapped != nil && !b.disabled {
		b.OnTapped()
	}
}

// Disable greys the button out and ignores taps.
func (b *Button) Disable() { b.disabled = true; b.Refresh() }

// Enable undoes Disable.
func (b *Button) Enable() { b.disabled = false; b.Refresh() }

// Disabled reports whether the button ignores taps.
func (b *Button) Disabled() bool { return b.disabled }

// CreateRenderer draws the button.
func (b *Button) CreateRenderer() fyne.WidgetRenderer {
	r := &buttonRenderer{b: b, bg: canvas.NewRectangle(colButton)}
	r.bg.CornerRadius = 10
	r.Refresh()
	return r
}

type buttonRenderer struct {
	b     *Button
	bg    *canvas.Rectangle
	label fyne.CanvasObject
	text  string
	fg    color.Color
}

const buttonPad = 16 // inner padding, as Fyne's theme.SizeNameInnerPadding here

func (r *buttonRenderer) Layout(size fyne.Size) {
	r.bg.Resize(size)
	m := r.label.MinSize()
	w := max(0, size.Width-2*buttonPad)
	if _, fit := r.label.(*FitText); !fit {
		w = min(m.Width, w)
	}
	r.label.Resize(fyne.NewSize(w, m.Height))
	r.label.Move(fyne.NewPos((size.Width-w)/2, (size.Height-m.Height)/2))
}

// MinSize is the label's height and a small width: a long label shrinks to
// the width the layout gives (FitText) instead of widening the screen.
func (r *buttonRenderer) MinSize() fyne.Size {
	m := r.label.MinSize()
	return fyne.NewSize(m.Width+2*buttonPad, m.Height+2*buttonPad)
}

func (r *buttonRenderer) Refresh() {
	fill, fg, stroke := color.Color(colButton), color.Color(colForeground), color.Color(colBorder)
	switch {
	case r.b.disabled:
		fill, fg, stroke = colDisabled, colMuted, colDisabled
	case r.b.Primary:
		fill, fg, stroke = colPrimary, colWhite, colPrimary
	}
	r.bg.FillColor, r.bg.StrokeColor, r.bg.StrokeWidth = fill, stroke, 2
	if r.label == nil || r.text != r.b.Text || r.fg != fg {
		r.label, r.text, r.fg = fitLine(r.b.Text, fg, r.b.textSize), r.b.Text, fg
	}
	r.bg.Refresh()
	r.label.Refresh()
	r.Layout(r.b.Size())
}

func (r *buttonRenderer) Objects() []fyne.CanvasObject { return []fyne.CanvasObject{r.bg, r.label} }

func (r *buttonRenderer) Destroy() {}
