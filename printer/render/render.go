// Package render draws ESC/POS byte streams as the paper a thermal printer
// would produce: a grey-scale image at printer resolution (203 dpi, 384 or
// 576 dots wide), so technicians and tests can see a ticket without paper.
//
// It understands everything printer/escpos emits and the commands other
// software commonly sends: text (ASCII, GB18030 in Chinese mode, code page
// 437 otherwise) drawn with the bundled CJK font in Font A (12×24/24×24) or
// Font B (9×17/17×17) cells, character sizes (GS !, ESC !, FS !), alignment,
// bold, underline, line spacing, tabs, absolute position, feeds, raster
// images (GS v 0), bit images (ESC *), native QR codes (GS ( k, drawn as a
// real QR code) and cuts (drawn as a dashed line). Other commands are
// skipped with a warning. Memory is bounded by Options.MaxHeight and the
// work per input byte is bounded by a constant.
package render

import (
	"fmt"
	"image"
	"image/png"
	"io"
	"sync"
	"unicode/utf8"

	qrcode "github.com/skip2/go-qrcode"
	"golang.org/x/image/font"
	"golang.org/x/image/font/opentype"
	"golang.org/x/image/math/fixed"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/simplifiedchinese"

	"hallkiosk/assets"
)

// Options tune a rendering. The zero value is an 80 mm printer in Chinese
// mode.
type Options struct {
	// Width is the paper width in dots; default 576 (80 mm).
	Width int
	// MaxHeight bounds the image height in dots; default 20000 (2.5 m of
	// paper). Anything below is dropped and Result.Truncated is set.
	MaxHeight int
	// NoChinese starts outside Chinese mode (bytes ≥ 0x80 are code page 437
	// until FS &). Most Chinese printers boot in Chinese mode.
	NoChinese bool
}

// MaxWarnings is how many warnings a Result keeps; the rest are counted.
const MaxWarnings = 50

// Result is a rendering.
type Result struct {
	// Image is the paper, white background, black print.
	Image *image.Gray
	// Warnings describe skipped or malformed input, at most MaxWarnings.
	Warnings []string
	// MoreWarnings counts warnings beyond MaxWarnings.
	MoreWarnings int
	// Cuts is the number of cut commands seen.
	Cuts int
	// Truncated is set when the print went beyond Options.MaxHeight.
	Truncated bool
}

// WritePNG encodes the image as PNG.
func (r *Result) WritePNG(w io.Writer) error {
	if err := png.Encode(w, r.Image); err != nil {
		return fmt.Errorf("render: png: %w", err)
	}
	return nil
}

// Render draws data.
func Render(data []byte, opts *Options) (*Result, error) {
	var o Options
	if opts != nil {
		o = *opts
	}
	if o.Width <= 0 {
		o.Width = 576
	}
	o.Width = min(o.Width, 4096)
	if o.MaxHeight <= 0 {
		o.MaxHeight = 20000
	}
	f, err := assets.Font()
	if err != nil {
		return nil, fmt.Errorf("render: font: %w", err)
	}
	r := &renderer{opts: o, res: &Result{}, font: f}
	r.reset()
	r.chinese = !o.NoChinese
	r.run(data)
	h := max(min(r.y, o.MaxHeight), 1)
	img := image.NewGray(image.Rect(0, 0, o.Width, h))
	copy(img.Pix, r.pix)
	for i := len(r.pix); i < len(img.Pix); i++ {
		img.Pix[i] = 0xFF
	}
	r.res.Image = img
	return r.res, nil
}

// glyph is a 1-bit bitmap at base size (before magnification).
type glyph struct {
	w, h int
	bits []bool
}

// cell is one item of the line buffer.
type cell struct {
	g      *glyph
	mx, my int // magnification
	bold   bool
	ul     int
	gap    int // extra blank dots after the cell
}

func (c *cell) width() int  { return c.g.w*c.mx + c.gap }
func (c *cell) height() int { return c.g.h * c.my }

type glyphKey struct {
	r     rune
	fontB bool
	wide  bool // full-width cell: every double-byte character
}

type renderer struct {
	opts Options
	res  *Result
	font *opentype.Font

	pix []byte // rows of opts.Width grey pixels
	y   int    // top of the next line

	// Line buffer.
	line  []cell
	lineW int

	// Print modes.
	align       byte
	bold        bool
	ul          int
	mx, my      int
	fontB       bool
	chinese     bool
	cjkW, cjkH  int // FS ! magnification of Chinese characters
	lineSpacing int
	charSpacing int
	leftMargin  int
	mb          []byte // pending multi-byte character

	qrData   []byte
	qrModule int
	qrLevel  byte
	qrCache  map[byte][][]bool

	glyphs map[glyphKey]*glyph
	off    int // offset of the command being run, for warnings
}

func (r *renderer) reset() {
	r.align, r.bold, r.ul, r.mx, r.my, r.fontB = 0, false, 0, 1, 1, false
	r.cjkW, r.cjkH = 1, 1
	r.lineSpacing, r.charSpacing, r.leftMargin = 30, 0, 0
	r.qrModule, r.qrLevel = 3, 49
	r.mb = r.mb[:0]
}

func (r *renderer) warn(format string, a ...any) {
	if len(r.res.Warnings) >= MaxWarnings {
		r.res.MoreWarnings++
		return
	}
	r.res.Warnings = append(r.res.Warnings, fmt.Sprintf("offset %d: ", r.off)+fmt.Sprintf(format, a...))
}

func (r *renderer) run(b []byte) {
	for i := 0; i < len(b); {
		r.off = i
		n, known := commandLen(b[i:])
		if n == 0 {
			r.warn("truncated command % X at end of input, %d bytes skipped", b[i:min(len(b), i+2)], len(b)-i)
			break
		}
		cmd := b[i : i+n]
		i += n
		if !known {
			r.flushMB()
			r.warn("unknown command % X skipped", cmd)
			continue
		}
		r.exec(cmd)
	}
	r.flushMB()
	if len(r.line) > 0 {
		r.warn("text without a final line feed")
		r.printLine(true)
	}
}

func (r *renderer) exec(c []byte) {
	if len(c) == 1 && c[0] >= 0x20 {
		r.textByte(c[0])
		return
	}
	r.flushMB()
	switch c[0] {
	case lf:
		r.printLine(true)
		return
	case cr, nul, can:
		return
	case ff:
		r.printLine(true)
		return
	case ht:
		r.tab()
		return
	case dle:
		return // real-time commands do not print
	case esc:
		r.execESC(c)
		return
	case gs:
		r.execGS(c)
		return
	case fs:
		r.execFS(c)
		return
	}
	r.warn("control byte %02X skipped", c[0])
}

func (r *renderer) execESC(c []byte) {
	switch c[1] {
	case '@':
		r.reset()
		r.line, r.lineW = r.line[:0], 0
	case '!':
		n := c[2]
		r.fontB = n&0x01 != 0
		r.bold = n&0x08 != 0
		r.my = 1 + int(n>>4&1)
		r.mx = 1 + int(n>>5&1)
		r.ul = int(n >> 7)
	case 'a':
		r.align = c[2] & 0x0F % 48
		if r.align > 2 {
			r.align = 0
		}
	case 'E', 'G':
		r.bold = c[2]&1 != 0
	case '-':
		r.ul = int(c[2]&0x0F) % 48
		r.ul = min(r.ul, 2)
	case 'M':
		r.fontB = c[2]&1 != 0
	case 'd':
		r.printLine(false)
		r.feed(int(c[2]) * r.lineSpacing)
	case 'J':
		r.printLine(false)
		r.feed(int(c[2]))
	case '2':
		r.lineSpacing = 30
	case '3':
		r.lineSpacing = int(c[2])
	case ' ':
		r.charSpacing = int(c[2])
	case '$':
		x := int(c[2]) | int(c[3])<<8
		if x > r.lineW && x < r.opts.Width {
			r.line = append(r.line, cell{g: &glyph{w: 0, h: 1}, mx: 1, my: 1, gap: x - r.lineW})
			r.lineW = x
		}
	case 'i', 'm':
		r.cut(0)
	case '*':
		r.bitImage(c)
	case 't', 'R', '{', 'U', 'e', 'r', 'S', 'V', 'T', '%', '?', '=', 'L', 'K', 'c', 'p', '\\', 'D', '&', '<':
		// Code tables, international sets, drawer kick, page mode,
		// user-defined characters and the like: no visible effect here.
		if c[1] == 'S' || c[1] == 'L' || c[1] == 'T' || c[1] == 'e' || c[1] == 'K' || c[1] == '&' || c[1] == 'V' || c[1] == '{' {
			r.warn("command ESC %q not rendered", c[1])
		}
	}
}

func (r *renderer) execGS(c []byte) {
	switch c[1] {
	case '!':
		r.mx = 1 + int(c[2]>>4&7)
		r.my = 1 + int(c[2]&7)
	case 'B':
		if c[2]&1 != 0 {
			r.warn("reverse printing not rendered")
		}
	case 'L':
		r.leftMargin = min(int(c[2])|int(c[3])<<8, r.opts.Width-24)
	case 'V':
		feed := 0
		if len(c) == 4 {
			feed = int(c[3])
		}
		r.cut(feed)
	case '(':
		if c[2] == 'k' {
			r.qr(c)
		} else {
			r.warn("command GS ( %q skipped", c[2])
		}
	case 'v':
		r.raster(c)
	case 'k':
		r.printLine(false)
		r.warn("barcode not rendered")
	case '*', '/', '8':
		r.warn("downloaded graphics command GS %q skipped", c[1])
	}
}

func (r *renderer) execFS(c []byte) {
	switch c[1] {
	case '&':
		r.chinese = true
	case '.':
		r.chinese = false
	case '!':
		r.cjkW = 1 + int(c[2]>>2&1)
		r.cjkH = 1 + int(c[2]>>3&1)
		if c[2]&0x80 != 0 {
			r.ul = 1
		}
	case '-':
		r.ul = min(int(c[2]&0x0F)%48, 2)
	case 'p':
		r.warn("NV image print not rendered")
	}
}

// textByte adds one byte of text, assembling GB18030 sequences.
func (r *renderer) textByte(b byte) {
	if !r.chinese {
		if b < 0x80 {
			r.char(rune(b), false)
		} else {
			r.char(charmap.CodePage437.DecodeByte(b), false)
		}
		return
	}
	if len(r.mb) == 0 {
		if b < 0x80 {
			r.char(rune(b), false)
			return
		}
		if b == 0x80 || b == 0xFF {
			r.warn("byte %02X is not a GB18030 lead byte", b)
			r.char('?', false)
			return
		}
		r.mb = append(r.mb, b)
		return
	}
	r.mb = append(r.mb, b)
	if len(r.mb) == 2 && b >= 0x30 && b <= 0x39 {
		return // four-byte sequence
	}
	if len(r.mb) == 3 {
		return
	}
	seq := r.mb
	r.mb = r.mb[:0]
	out, err := simplifiedchinese.GB18030.NewDecoder().Bytes(seq)
	ru, size := utf8.DecodeRune(out)
	if err != nil || size != len(out) || ru == utf8.RuneError {
		r.warn("invalid GB18030 sequence % X", seq)
		r.char('?', true)
		return
	}
	r.char(ru, true)
}

// flushMB prints an incomplete multi-byte character as '?'.
func (r *renderer) flushMB() {
	if len(r.mb) > 0 {
		r.warn("incomplete GB18030 sequence % X", r.mb)
		r.mb = r.mb[:0]
		r.char('?', true)
	}
}

// char adds a character; wide is true for double-byte (full-width) ones.
func (r *renderer) char(ru rune, wide bool) {
	g := r.glyph(ru, wide)
	c := cell{g: g, mx: r.mx, my: r.my, bold: r.bold, ul: r.ul}
	if wide {
		c.mx = max(c.mx, r.cjkW)
		c.my = max(c.my, r.cjkH)
	} else {
		c.gap = r.charSpacing * c.mx
	}
	r.addCell(c)
}

func (r *renderer) addCell(c cell) {
	if r.leftMargin+r.lineW+c.width() > r.opts.Width {
		if len(r.line) > 0 {
			r.printLine(true)
		}
		if r.leftMargin+c.width() > r.opts.Width {
			return // wider than the paper: dropped, like a printer does
		}
	}
	r.line = append(r.line, c)
	r.lineW += c.width()
}

func (r *renderer) tab() {
	col := 12 * 8
	next := (r.lineW/col + 1) * col
	if r.leftMargin+next > r.opts.Width {
		r.printLine(true)
		return
	}
	r.line = append(r.line, cell{g: &glyph{h: 1}, mx: 1, my: 1, gap: next - r.lineW})
	r.lineW = next
}

// printLine prints the line buffer. With spacing, the paper advances by at
// least the line spacing (LF); without, only by the line's height.
func (r *renderer) printLine(spacing bool) {
	if len(r.line) == 0 {
		if spacing {
			r.feed(r.lineSpacing)
		}
		return
	}
	lh := 0
	for i := range r.line {
		lh = max(lh, r.line[i].height())
	}
	x := r.leftMargin
	switch r.align {
	case 1:
		x += (r.opts.Width - r.leftMargin - r.lineW) / 2
	case 2:
		x = r.opts.Width - r.lineW
	}
	if r.ensure(r.y + lh) {
		for i := range r.line {
			c := &r.line[i]
			r.drawCell(c, x, r.y+lh-c.height())
			x += c.width()
		}
	}
	r.line, r.lineW = r.line[:0], 0
	adv := lh
	if spacing {
		adv = max(lh, r.lineSpacing)
	}
	r.feed(adv)
}

func (r *renderer) drawCell(c *cell, x0, y0 int) {
	g := c.g
	w := r.opts.Width
	for gy := 0; gy < g.h; gy++ {
		for gx := 0; gx < g.w; gx++ {
			if !g.bits[gy*g.w+gx] {
				continue
			}
			extra := 0
			if c.bold {
				extra = c.mx
			}
			for dy := 0; dy < c.my; dy++ {
				row := (y0 + gy*c.my + dy) * w
				for dx := 0; dx < c.mx+extra; dx++ {
					px := x0 + gx*c.mx + dx
					if px >= 0 && px < w {
						r.pix[row+px] = 0
					}
				}
			}
		}
	}
	if c.ul > 0 {
		for t := 0; t < c.ul*c.my && t < c.height(); t++ {
			row := (y0 + c.height() - 1 - t) * w
			for px := max(x0, 0); px < min(x0+g.w*c.mx, w); px++ {
				r.pix[row+px] = 0
			}
		}
	}
}

// rows is the number of rows allocated.
func (r *renderer) rows() int { return len(r.pix) / r.opts.Width }

// ensure grows the paper to h rows; false when h is beyond MaxHeight.
func (r *renderer) ensure(h int) bool {
	if h > r.opts.MaxHeight {
		r.res.Truncated = true
		return false
	}
	if n := h - r.rows(); n > 0 {
		grow := max(n, 256)
		grow = min(grow, r.opts.MaxHeight-r.rows())
		start := len(r.pix)
		r.pix = append(r.pix, make([]byte, grow*r.opts.Width)...)
		for i := start; i < len(r.pix); i++ {
			r.pix[i] = 0xFF
		}
	}
	return true
}

func (r *renderer) feed(n int) {
	if n <= 0 {
		return
	}
	if !r.ensure(r.y + n) {
		r.y = r.opts.MaxHeight
		return
	}
	r.y += n
}

func (r *renderer) cut(feed int) {
	r.printLine(false)
	r.feed(feed)
	r.res.Cuts++
	if !r.ensure(r.y + 12) {
		return
	}
	row := (r.y + 6) * r.opts.Width
	for x := 0; x < r.opts.Width; x++ {
		if x%12 < 7 {
			r.pix[row+x] = 0x60
		}
	}
	r.y += 12
}

// glyphCache holds rasterised glyphs for all renderings (faces are not
// safe for concurrent use, so they live under the same lock).
var glyphCache struct {
	sync.Mutex
	m    map[glyphKey]*glyph
	face [2]font.Face
}

// maxGlyphs bounds the glyph cache; it is emptied when full.
const maxGlyphs = 8192

// glyph returns the base-size bitmap of ru in the current font.
func (r *renderer) glyph(ru rune, wide bool) *glyph {
	k := glyphKey{ru, r.fontB, wide}
	if g, ok := r.glyphs[k]; ok {
		return g
	}
	if r.glyphs == nil || len(r.glyphs) > 4096 {
		r.glyphs = map[glyphKey]*glyph{}
	}
	c := &glyphCache
	c.Lock()
	g, ok := c.m[k]
	if !ok {
		if c.m == nil || len(c.m) >= maxGlyphs {
			c.m = map[glyphKey]*glyph{}
		}
		g = rasterise(r.font, &c.face, k)
		c.m[k] = g
	}
	c.Unlock()
	r.glyphs[k] = g
	return g
}

func rasterise(f *opentype.Font, faces *[2]font.Face, k glyphKey) *glyph {
	ru := k.r
	fi := 0
	ch, size := 24, 22.0 // Font A: 12×24 / 24×24 cells
	if k.fontB {
		fi, ch, size = 1, 17, 15.5
	}
	cw := ch / 2
	if k.wide {
		cw = ch
	}
	g := &glyph{w: cw, h: ch, bits: make([]bool, cw*ch)}
	if faces[fi] == nil {
		face, err := opentype.NewFace(f, &opentype.FaceOptions{Size: size, DPI: 72, Hinting: font.HintingFull})
		if err != nil {
			return g
		}
		faces[fi] = face
	}
	face := faces[fi]
	if ru == ' ' || ru == 0x3000 {
		return g
	}
	adv, ok := face.GlyphAdvance(ru)
	if !ok {
		ru = '?'
		adv, _ = face.GlyphAdvance(ru)
	}
	img := image.NewAlpha(image.Rect(0, 0, cw, ch))
	m := face.Metrics()
	// Centre the glyph horizontally, baseline so that ascent+descent fit.
	asc := m.Ascent.Ceil()
	desc := m.Descent.Ceil()
	base := ch - desc + (asc+desc-ch)/2
	x := (fixed.I(cw) - adv) / 2
	d := &font.Drawer{Dst: img, Src: image.Opaque, Face: face, Dot: fixed.Point26_6{X: x, Y: fixed.I(base)}}
	d.DrawString(string(ru))
	for i, a := range img.Pix {
		g.bits[i] = a >= 0x70
	}
	return g
}

// blit draws a bitmap (true = black) of w×h, magnified by sx, sy, at the
// current alignment, then advances the paper.
func (r *renderer) blit(w, h int, sx, sy int, at func(x, y int) bool) {
	r.printLine(false)
	pw, ph := w*sx, h*sy
	x0 := r.leftMargin
	switch r.align {
	case 1:
		x0 += (r.opts.Width - r.leftMargin - pw) / 2
	case 2:
		x0 = r.opts.Width - pw
	}
	x0 = max(x0, 0)
	if !r.ensure(r.y + ph) {
		r.y = r.opts.MaxHeight
		return
	}
	wd := r.opts.Width
	for y := 0; y < h; y++ {
		for x := 0; x < w && x0+x*sx < wd; x++ {
			if !at(x, y) {
				continue
			}
			for dy := 0; dy < sy; dy++ {
				row := (r.y + y*sy + dy) * wd
				for dx := 0; dx < sx && x0+x*sx+dx < wd; dx++ {
					r.pix[row+x0+x*sx+dx] = 0
				}
			}
		}
	}
	r.y += ph
}

func (r *renderer) raster(c []byte) {
	m := c[3]
	xb := int(c[4]) | int(c[5])<<8
	rows := int(c[6]) | int(c[7])<<8
	data := c[8:]
	if xb == 0 || rows == 0 {
		return
	}
	sx, sy := 1, 1
	if m&1 != 0 || m == 49 {
		sx = 2
	}
	if m&2 != 0 || m == 50 {
		sy = 2
	}
	if m == 51 {
		sx, sy = 2, 2
	}
	w := min(xb*8, (r.opts.Width+sx-1)/sx)
	if xb*8 > r.opts.Width {
		r.warn("raster image %d dots wide cropped to the paper", xb*8*sx)
	}
	r.blit(w, rows, sx, sy, func(x, y int) bool {
		return data[y*xb+x/8]&(0x80>>(x%8)) != 0
	})
}

// bitImage handles ESC * m nL nH (column format, 8 or 24 dots high); like
// text, it goes into the line buffer.
func (r *renderer) bitImage(c []byte) {
	m := c[2]
	n := int(c[3]) | int(c[4])<<8
	data := c[5:]
	if n == 0 {
		return
	}
	h, bpc, mx := 8, 1, 1
	switch m {
	case 0:
		mx = 2
	case 1:
	case 32:
		h, bpc, mx = 24, 3, 2
	case 33:
		h, bpc = 24, 3
	default:
		r.warn("bit image mode %d not rendered", m)
		return
	}
	n = min(n, r.opts.Width/mx)
	g := &glyph{w: n, h: h, bits: make([]bool, n*h)}
	for x := 0; x < n; x++ {
		for y := 0; y < h; y++ {
			if data[x*bpc+y/8]&(0x80>>(y%8)) != 0 {
				g.bits[y*n+x] = true
			}
		}
	}
	my := 1
	if h == 8 {
		my = 3 // 8-dot modes print at 1/3 vertical density
	}
	r.addCell(cell{g: g, mx: mx, my: my})
}

// qr handles GS ( k (cn = 49 is QR; other symbologies are skipped).
func (r *renderer) qr(c []byte) {
	if len(c) < 7 {
		r.warn("short GS ( k")
		return
	}
	cn, fn, p := c[5], c[6], c[7:]
	if cn != 49 {
		r.warn("2D symbol type %d not rendered", cn)
		return
	}
	switch fn {
	case 65: // model
	case 67:
		if len(p) > 0 {
			r.qrModule = min(max(int(p[0]), 1), 16)
		}
	case 69:
		if len(p) > 0 && p[0] >= 48 && p[0] <= 51 {
			r.qrLevel = p[0]
			r.qrCache = nil
		}
	case 80:
		if len(p) > 0 {
			r.qrData = append(r.qrData[:0], p[1:]...)
			r.qrCache = nil
		}
	case 81:
		r.printQR()
	case 82:
	default:
		r.warn("QR function %d skipped", fn)
	}
}

func (r *renderer) printQR() {
	if len(r.qrData) == 0 {
		r.warn("QR print with no stored data")
		return
	}
	bm, ok := r.qrCache[r.qrLevel]
	if !ok {
		lv := map[byte]qrcode.RecoveryLevel{48: qrcode.Low, 49: qrcode.Medium, 50: qrcode.High, 51: qrcode.Highest}[r.qrLevel]
		q, err := qrcode.New(string(r.qrData), lv)
		if err != nil {
			r.warn("QR of %d bytes not encodable: %v", len(r.qrData), err)
			bm = nil
		} else {
			q.DisableBorder = true
			bm = q.Bitmap()
		}
		if r.qrCache == nil {
			r.qrCache = map[byte][][]bool{}
		}
		r.qrCache[r.qrLevel] = bm
	}
	if bm == nil {
		return
	}
	n := len(bm)
	r.blit(n, n, r.qrModule, r.qrModule, func(x, y int) bool { return bm[y][x] })
}
