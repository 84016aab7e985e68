package ui

import (
	"image/color"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"
)

// Tile is a large coloured touch target with a title and a second line
// (waiting count, estimate, hint).
type Tile struct {
	widget.BaseWidget
	Title    string
	Sub      string
	OnTapped func()
	Disabled bool

	fill     color.Color
	min      fyne.Size
	textSize float32
}

var _ fyne.Tappable = (*Tile)(nil)

// NewTile returns a tile of at least min size.
func NewTile(title, sub string, fill color.Color, min fyne.Size, textSize float32, tapped func()) *Tile {
	t := &Tile{Title: title, Sub: sub, OnTapped: tapped, fill: fill, min: min, textSize: textSize}
	t.ExtendBaseWidget(t)
	return t
}

// Tapped runs OnTapped unless the tile is disabled.
func (t *Tile) Tapped(*fyne.PointEvent) {
	if t.OnTapped != nil && !t.Disabled {
		t.OnTapped()
	}
}

// CreateRenderer draws the tile.
func (t *Tile) CreateRenderer() fyne.WidgetRenderer {
	fill := t.fill
	fg := color.Color(colWhite)
	if t.Disabled {
		fill = colDisabled
		fg = colMuted
	}
	bg := canvas.NewRectangle(fill)
	bg.CornerRadius = 14
	bg.SetMinSize(t.min)
	box := container.NewVBox(line(t.Title, fg, t.textSize*1.15, fyne.TextAlignCenter))
	if t.Sub != "" {
		sub := canvas.NewText(t.Sub, fg)
		sub.TextSize = t.textSize * 0.85
		sub.Alignment = fyne.TextAlignCenter
		box.Add(sub)
	}
	return widget.NewSimpleRenderer(container.NewStack(bg, container.NewCenter(box)))
}

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

// Tapped runs OnTapped unless the button is disabled.
func (b *Button) Tapped(*fyne.PointEvent) {
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
	r.label.Resize(fyne.NewSize(min(m.Width, size.Width), m.Height))
	r.label.Move(fyne.NewPos((size.Width-r.label.Size().Width)/2, (size.Height-m.Height)/2))
}

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
		r.label, r.text, r.fg = line(r.b.Text, fg, r.b.textSize, fyne.TextAlignCenter), r.b.Text, fg
	}
	r.bg.Refresh()
	r.label.Refresh()
	r.Layout(r.b.Size())
}

func (r *buttonRenderer) Objects() []fyne.CanvasObject { return []fyne.CanvasObject{r.bg, r.label} }

func (r *buttonRenderer) Destroy() {}
