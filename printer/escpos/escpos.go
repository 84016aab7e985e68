package escpos

import (
	"fmt"
	"image"
	"image/color"
	"unicode/utf8"

	qrcode "github.com/skip2/go-qrcode"
	"golang.org/x/text/encoding/simplifiedchinese"
)

// Control bytes.
const (
	LF  = 0x0A
	ESC = 0x1B
	FS  = 0x1C
	GS  = 0x1D
	DLE = 0x10
	EOT = 0x04
)

// Align is a line alignment (ESC a n).
type Align byte

// Alignments.
const (
	Left Align = iota
	Center
	Right
)

// String returns "left", "center" or "right".
func (a Align) String() string {
	switch a {
	case Left:
		return "left"
	case Center:
		return "center"
	case Right:
		return "right"
	}
	return fmt.Sprintf("Align(%d)", byte(a))
}

// QRLevel is a QR error correction level.
type QRLevel byte

// QR error correction levels (GS ( k fn 69 values 48..51).
const (
	QRLevelL QRLevel = 48 + iota
	QRLevelM
	QRLevelQ
	QRLevelH
)

// String returns "L", "M", "Q" or "H".
func (l QRLevel) String() string {
	if l >= QRLevelL && l <= QRLevelH {
		return string("LMQH"[l-QRLevelL])
	}
	return fmt.Sprintf("QRLevel(%d)", byte(l))
}

func (l QRLevel) recovery() qrcode.RecoveryLevel {
	switch l {
	case QRLevelL:
		return qrcode.Low
	case QRLevelQ:
		return qrcode.High // go-qrcode names Q "High"
	case QRLevelH:
		return qrcode.Highest
	}
	return qrcode.Medium
}

// Replacement is printed in place of a character the printer cannot print.
const Replacement = '?'

// MaxQRData is the longest QR payload accepted (QR version 40, byte mode,
// level L holds 2953 bytes).
const MaxQRData = 2953

// Encoder builds an ESC/POS byte stream for one printer profile. Methods
// append to an internal buffer and return the Encoder for chaining; the
// first error (e.g. a QR payload too long) is kept and returned by Bytes.
type Encoder struct {
	prof     Profile
	buf      []byte
	err      error
	replaced int
}

// NewEncoder returns an Encoder for profile p.
func NewEncoder(p Profile) *Encoder {
	if p.Width <= 0 {
		p.Width = 576
	}
	return &Encoder{prof: p}
}

// Profile returns the encoder's printer profile.
func (e *Encoder) Profile() Profile { return e.prof }

// Replaced is the number of characters replaced by '?' so far.
func (e *Encoder) Replaced() int { return e.replaced }

// Bytes returns the encoded stream, or the first error.
func (e *Encoder) Bytes() ([]byte, error) {
	if e.err != nil {
		return nil, e.err
	}
	return e.buf, nil
}

// Len is the number of bytes encoded so far.
func (e *Encoder) Len() int { return len(e.buf) }

// Raw appends b unchanged.
func (e *Encoder) Raw(b ...byte) *Encoder {
	e.buf = append(e.buf, b...)
	return e
}

// Init resets the printer (ESC @) and, for Chinese profiles, enters Chinese
// mode (FS &).
func (e *Encoder) Init() *Encoder {
	e.Raw(ESC, '@')
	if e.prof.Chinese {
		e.Raw(FS, '&')
	}
	return e
}

// Size sets the character magnification (GS ! n), 1..8 each way.
func (e *Encoder) Size(width, height int) *Encoder {
	width = min(max(width, 1), 8)
	height = min(max(height, 1), 8)
	return e.Raw(GS, '!', byte((width-1)<<4|(height-1)))
}

// Align sets the alignment (ESC a n) for the following lines and images.
func (e *Encoder) Align(a Align) *Encoder {
	if a > Right {
		a = Left
	}
	return e.Raw(ESC, 'a', byte(a))
}

// Bold turns emphasis on or off (ESC E n).
func (e *Encoder) Bold(on bool) *Encoder {
	return e.Raw(ESC, 'E', b2b(on))
}

// Underline sets underline thickness 0 (off), 1 or 2 dots, for ASCII
// (ESC - n) and Chinese characters (FS - n).
func (e *Encoder) Underline(n int) *Encoder {
	n = min(max(n, 0), 2)
	e.Raw(ESC, '-', byte(n))
	if e.prof.Chinese {
		e.Raw(FS, '-', byte(n))
	}
	return e
}

// Feed prints the buffer and feeds n lines (ESC d n).
func (e *Encoder) Feed(n int) *Encoder {
	n = min(max(n, 0), 255)
	return e.Raw(ESC, 'd', byte(n))
}

// Cut feeds to the cutter and cuts (GS V 65 n, partial cut GS V 66 n) when
// the profile has a cutter; otherwise it feeds the paper to the tear bar.
func (e *Encoder) Cut(partial bool) *Encoder {
	if !e.prof.Cutter {
		return e.Feed(4)
	}
	m := byte(65)
	if partial {
		m = 66
	}
	return e.Raw(GS, 'V', m, 3)
}

// Text appends s encoded as GB18030. Newlines become LF; other control
// characters, invalid UTF-8 and characters the printer cannot print are
// replaced with '?' and counted (see Replaced).
func (e *Encoder) Text(s string) *Encoder {
	enc := simplifiedchinese.GB18030.NewEncoder()
	var tmp [8]byte
	for len(s) > 0 {
		r, size := utf8.DecodeRuneInString(s)
		s = s[size:]
		switch {
		case r == '\n':
			e.buf = append(e.buf, LF)
			continue
		case r == utf8.RuneError && size == 1, r < 0x20, r == 0x7F:
			e.replace()
			continue
		case r < 0x80:
			e.buf = append(e.buf, byte(r))
			continue
		case r < 0xA0: // C1 controls
			e.replace()
			continue
		}
		if !e.prof.Chinese {
			e.replace()
			continue
		}
		n := utf8.EncodeRune(tmp[:4], r)
		out, err := enc.Bytes(tmp[:n])
		if err != nil || len(out) == 0 || (len(out) == 4 && !e.prof.FourByte) || (len(out) == 1) {
			e.replace()
			continue
		}
		e.buf = append(e.buf, out...)
	}
	return e
}

// Line appends s and a line feed.
func (e *Encoder) Line(s string) *Encoder {
	return e.Text(s).Raw(LF)
}

func (e *Encoder) replace() {
	e.replaced++
	e.buf = append(e.buf, Replacement)
}

// QR prints data as a QR code with the given module size in dots (1..16)
// and error correction level: as a native QR (GS ( k) when the profile
// supports it, otherwise as a raster image.
func (e *Encoder) QR(data string, module int, level QRLevel) *Encoder {
	if e.err != nil {
		return e
	}
	if len(data) == 0 || len(data) > MaxQRData {
		e.err = fmt.Errorf("escpos: qr payload of %d bytes (want 1..%d)", len(data), MaxQRData)
		return e
	}
	module = min(max(module, 1), 16)
	if level < QRLevelL || level > QRLevelH {
		level = QRLevelM
	}
	if e.prof.NativeQR {
		e.Raw(GS, '(', 'k', 4, 0, 49, 65, 50, 0) // model 2
		e.Raw(GS, '(', 'k', 3, 0, 49, 67, byte(module))
		e.Raw(GS, '(', 'k', 3, 0, 49, 69, byte(level))
		n := len(data) + 3
		e.Raw(GS, '(', 'k', byte(n), byte(n>>8), 49, 80, 48)
		e.buf = append(e.buf, data...)
		return e.Raw(GS, '(', 'k', 3, 0, 49, 81, 48)
	}
	q, err := qrcode.New(data, level.recovery())
	if err != nil {
		e.err = fmt.Errorf("escpos: qr: %w", err)
		return e
	}
	q.DisableBorder = true
	bm := q.Bitmap()
	for module > 1 && len(bm)*module > e.prof.Width {
		module--
	}
	return e.Image(&bitmapImage{bm: bm, scale: module})
}

// Image prints img as a raster image (GS v 0), black where the pixel is
// darker than mid-grey. Images wider than the paper are cropped.
func (e *Encoder) Image(img image.Image) *Encoder {
	b := img.Bounds()
	w := min(b.Dx(), e.prof.Width)
	h := b.Dy()
	if w <= 0 || h <= 0 {
		return e
	}
	xb := (w + 7) / 8
	// GS v 0 height is limited to 2047..65535 by model; send in bands.
	const band = 1024
	for y0 := 0; y0 < h; y0 += band {
		rows := min(band, h-y0)
		e.Raw(GS, 'v', '0', 0, byte(xb), byte(xb>>8), byte(rows), byte(rows>>8))
		for y := y0; y < y0+rows; y++ {
			for bx := 0; bx < xb; bx++ {
				var v byte
				for bit := 0; bit < 8; bit++ {
					x := bx*8 + bit
					if x < w && dark(img.At(b.Min.X+x, b.Min.Y+y)) {
						v |= 0x80 >> bit
					}
				}
				e.buf = append(e.buf, v)
			}
		}
	}
	return e
}

func dark(c color.Color) bool {
	g := color.GrayModel.Convert(c).(color.Gray)
	_, _, _, a := c.RGBA()
	return a > 0x8000 && g.Y < 128
}

// bitmapImage shows a QR bitmap scaled by an integer factor.
type bitmapImage struct {
	bm    [][]bool
	scale int
}

func (b *bitmapImage) ColorModel() color.Model { return color.GrayModel }
func (b *bitmapImage) Bounds() image.Rectangle {
	n := len(b.bm) * b.scale
	return image.Rect(0, 0, n, n)
}
func (b *bitmapImage) At(x, y int) color.Color {
	if b.bm[y/b.scale][x/b.scale] {
		return color.Gray{0}
	}
	return color.Gray{255}
}

func b2b(on bool) byte {
	if on {
		return 1
	}
	return 0
}
