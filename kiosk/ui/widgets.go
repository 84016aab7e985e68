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
		fill = color.NRGBA{R: 0xDD, G: 0xDA, B: 0xD2, A: 0xFF}
		fg = colMuted
	}
	bg := canvas.NewRectangle(fill)
	bg.CornerRadius = 14
	bg.SetMinSize(t.min)
	title := canvas.NewText(t.Title, fg)
	title.TextSize = t.textSize * 1.15
	title.TextStyle.Bold = true
	title.Alignment = fyne.TextAlignCenter
	box := container.NewVBox(title)
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

// text is a canvas text line in the given colour and size.
func text(s string, c color.Color, size float32, bold bool) *canvas.Text {
	t := canvas.NewText(s, c)
	t.TextSize = size
	t.TextStyle.Bold = bold
	return t
}

// centred is a horizontally centred canvas text line.
func centred(s string, c color.Color, size float32, bold bool) *canvas.Text {
	t := text(s, c, size, bold)
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
