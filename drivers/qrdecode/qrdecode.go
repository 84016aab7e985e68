package qrdecode

import (
	"errors"
	"image"
	"image/draw"
	"math"
	"runtime"
	"sort"
	"strings"
	"time"

	"github.com/makiuchi-d/gozxing"
	multiqr "github.com/makiuchi-d/gozxing/multi/qrcode"
	"github.com/makiuchi-d/gozxing/qrcode"
	"github.com/makiuchi-d/gozxing/qrcode/detector"
)

// Code is one decoded QR code.
type Code struct {
	Text string `json:"text"`
	// Pass names the preprocessing that found it (e.g. "hybrid",
	// "inverted", "half+global"), for diagnosis.
	Pass string `json:"pass"`
	// Points are the finder-pattern centres in frame pixels.
	Points []image.Point `json:"points,omitempty"`
}

// Opts tunes a Decoder. The zero value is not valid; use DefaultOpts.
type Opts struct {
	// Budget stops trying further passes once decoding used this much CPU
	// time (0: no limit); CPU time rather than wall time, so that a busy
	// machine reads as well as an idle one, only later. A pass already
	// started runs to its end (the perspective search checks it too).
	Budget time.Duration
	// Exhaustive runs every pass even after codes were found, collecting
	// every code in the frame (slower; used for still images).
	Exhaustive bool
	// MaxPixels bounds the frame size accepted (width×height).
	MaxPixels int
}

// DefaultOpts suit a live camera: stop at the first pass that finds a code.
var DefaultOpts = Opts{Budget: 400 * time.Millisecond, MaxPixels: 4096 * 4096}

// ErrTooLarge is returned for frames above Opts.MaxPixels.
var ErrTooLarge = errors.New("qrdecode: frame too large")

// Decoder finds QR codes in grey frames. It is not safe for concurrent use.
type Decoder struct {
	opts   Opts
	multi  *multiqr.QRCodeMultiReader
	single gozxing.Reader
	hints  map[gozxing.DecodeHintType]interface{}
	// clock measures the budget: CPU time of the decoding thread.
	clock func() time.Duration
	// deadline bounds the perspective search of the current Decode
	// (0: none), on clock.
	deadline time.Duration
}

// New returns a Decoder; nil opts means DefaultOpts.
func New(opts *Opts) *Decoder {
	o := DefaultOpts
	if opts != nil {
		o = *opts
	}
	return &Decoder{
		opts:   o,
		multi:  multiqr.NewQRCodeMultiReader().(*multiqr.QRCodeMultiReader),
		single: qrcode.NewQRCodeReader(),
		hints:  map[gozxing.DecodeHintType]interface{}{gozxing.DecodeHintType_TRY_HARDER: true},
		clock:  threadCPU,
	}
}

// pass is one way of looking at the frame.
type pass struct {
	name      string
	scale     float64 // resample factor applied to the frame (1 = as is)
	global    bool    // global-histogram binariser instead of the hybrid one
	invert    bool    // light modules on dark
	stretch   bool    // contrast stretch before binarising
	rotate    bool    // rotate 45° (helps the row scanner at awkward angles)
	sharpen   bool    // unsharp mask (blurred frames)
	persp     bool    // search the fourth corner (steep perspective)
	multiOnly bool    // only the multi-code reader (looking for more codes)
	more      bool    // worth running when codes were found but more seem present
	gamma     bool    // darken mid-tones (glare, faded print: lifted dark modules)
}

// moreBudget bounds the CPU time spent looking for further codes once some
// were found.
const moreBudget = 150 * time.Millisecond

// passes are tried in order, cheapest and most often useful first.
var passes = []pass{
	{name: "hybrid", scale: 1, persp: true},
	{name: "inverted", scale: 1, invert: true},
	{name: "half", scale: 0.5, more: true},
	{name: "global", scale: 1, global: true, stretch: true, more: true},
	{name: "stretch", scale: 1, stretch: true, more: true},
	{name: "gamma", scale: 1, gamma: true},
	{name: "3/4+global", scale: 0.75, global: true, stretch: true},
	{name: "half+inverted", scale: 0.5, invert: true},
	{name: "sharpen", scale: 1, sharpen: true},
	{name: "3/2", scale: 1.5},
	{name: "rot45", scale: 0.75, rotate: true},
	{name: "double", scale: 2, more: true},
}

// Decode returns the codes found in img, each text once, in reading order
// (top to bottom, left to right). No code found is not an error.
func (d *Decoder) Decode(img *image.Gray) ([]Code, error) {
	b := img.Bounds()
	if b.Dx()*b.Dy() > d.opts.MaxPixels {
		return nil, ErrTooLarge
	}
	if b.Dx() < 21 || b.Dy() < 21 {
		return nil, nil
	}
	g := tight(img)
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	start := d.clock()
	seen := map[string]bool{}
	var out []Code
	derived := map[float64]*image.Gray{1: g}
	scaled := func(s float64) *image.Gray {
		if x, ok := derived[s]; ok {
			return x
		}
		x := resize(g, s)
		derived[s] = x
		return x
	}
	more := false // codes were found, but the frame seems to hold more
	for _, p := range passes {
		if len(out) > 0 && !d.opts.Exhaustive && !more {
			break
		}
		if more && (!p.more || d.clock()-start > moreBudget) {
			continue // looking for further codes: only some passes, briefly
		}
		if d.opts.Budget > 0 && d.clock()-start > d.opts.Budget {
			break
		}
		if p.scale > 1 && b.Dx()*b.Dy() > 1600*1200 {
			continue
		}
		src := scaled(p.scale)
		if p.stretch {
			src = stretch(src)
		}
		if p.sharpen {
			src = sharpen(src)
		}
		if p.gamma {
			src = gamma4(src)
		}
		var back func(x, y float64) (float64, float64)
		scale := p.scale
		back = func(x, y float64) (float64, float64) { return x / scale, y / scale }
		if p.rotate {
			var fwd func(x, y float64) (float64, float64)
			src, fwd = rotate45(src)
			back = func(x, y float64) (float64, float64) {
				x, y = fwd(x, y)
				return x / scale, y / scale
			}
		}
		d.deadline = 0
		if d.opts.Budget > 0 {
			d.deadline = start + d.opts.Budget
		}
		found := d.run(src, p)
		// Several codes: blank the ones found and look again, since ZXing's
		// multi finder can be confused by many finder patterns at once.
		for round, prev := 0, found; round < 3 && len(prev) > 0; round++ {
			src = masked(src, prev, p.invert)
			prev = d.run(src, pass{name: p.name, scale: p.scale, global: p.global, invert: p.invert, multiOnly: true})
			found = append(found, prev...)
		}
		fresh := false
		for _, r := range found {
			if seen[r.GetText()] {
				continue
			}
			fresh = true
			seen[r.GetText()] = true
			c := Code{Text: r.GetText(), Pass: p.name}
			for _, pt := range r.GetResultPoints() {
				x, y := back(pt.GetX(), pt.GetY())
				c.Points = append(c.Points, image.Pt(int(math.Round(x)), int(math.Round(y))))
			}
			out = append(out, c)
		}
		if fresh && !d.opts.Exhaustive {
			// Blank what was read; go on with the other passes only when
			// the rest of the frame still shows finder patterns.
			g = maskCodes(g, out)
			derived = map[float64]*image.Gray{1: g}
			more = d.hasFinders(g)
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		ci, cj := centre(out[i]), centre(out[j])
		if math.Abs(float64(ci.Y-cj.Y)) > 40 {
			return ci.Y < cj.Y
		}
		return ci.X < cj.X
	})
	return out, nil
}

// maskCodes returns a copy of g with the codes (frame coordinates) painted
// over in their background colour.
func maskCodes(g *image.Gray, codes []Code) *image.Gray {
	out := image.NewGray(g.Rect)
	copy(out.Pix, g.Pix)
	for _, c := range codes {
		var pts []gozxing.ResultPoint
		for _, p := range c.Points {
			pts = append(pts, gozxing.NewResultPoint(float64(p.X), float64(p.Y)))
		}
		paint(out, pts, strings.Contains(c.Pass, "inverted"))
	}
	return out
}

// hasFinders reports whether g shows three QR finder patterns.
func (d *Decoder) hasFinders(g *image.Gray) bool {
	src, err := gozxing.NewPlanarYUVLuminanceSource(g.Pix, g.Stride, g.Rect.Dy(), 0, 0, g.Rect.Dx(), g.Rect.Dy(), false)
	if err != nil {
		return false
	}
	bits, err := gozxing.NewHybridBinarizer(src).GetBlackMatrix()
	if err != nil {
		return false
	}
	_, nf := detector.NewFinderPatternFinder(bits, nil).Find(d.hints)
	return nf == nil
}

// masked returns a copy of g with the area of each result painted over in
// the background colour.
func masked(g *image.Gray, rs []*gozxing.Result, inverted bool) *image.Gray {
	out := image.NewGray(g.Rect)
	copy(out.Pix, g.Pix)
	for _, r := range rs {
		paint(out, r.GetResultPoints(), inverted)
	}
	return out
}

// paint covers the code whose finder centres are pts.
func paint(out *image.Gray, pts []gozxing.ResultPoint, inverted bool) {
	fill := uint8(255)
	if inverted {
		fill = 0
	}
	{
		if len(pts) < 3 {
			return
		}
		minX, minY, maxX, maxY := math.Inf(1), math.Inf(1), math.Inf(-1), math.Inf(-1)
		for _, p := range pts {
			minX, maxX = math.Min(minX, p.GetX()), math.Max(maxX, p.GetX())
			minY, maxY = math.Min(minY, p.GetY()), math.Max(maxY, p.GetY())
		}
		// Finder centres sit 3.5 modules inside the code: pad by a third
		// of the span on each side to cover the whole symbol.
		padX, padY := (maxX-minX)/3+4, (maxY-minY)/3+4
		r := image.Rect(int(minX-padX), int(minY-padY), int(maxX+padX)+1, int(maxY+padY)+1).Intersect(out.Rect)
		for y := r.Min.Y; y < r.Max.Y; y++ {
			row := out.Pix[y*out.Stride+r.Min.X : y*out.Stride+r.Max.X]
			for i := range row {
				row[i] = fill
			}
		}
	}
}

func centre(c Code) image.Point {
	if len(c.Points) == 0 {
		return image.Point{}
	}
	var p image.Point
	for _, q := range c.Points {
		p = p.Add(q)
	}
	return p.Div(len(c.Points))
}

// run decodes one prepared frame with the multi-code reader, falling back to
// the single-code reader (which is more tolerant of a lone damaged code).
func (d *Decoder) run(g *image.Gray, p pass) []*gozxing.Result {
	src, err := gozxing.NewPlanarYUVLuminanceSource(g.Pix, g.Stride, g.Rect.Dy(), 0, 0, g.Rect.Dx(), g.Rect.Dy(), false)
	if err != nil {
		return nil
	}
	if p.invert {
		src = gozxing.NewInvertedLuminanceSource(src)
	}
	var bin gozxing.Binarizer
	if p.global {
		bin = gozxing.NewGlobalHistgramBinarizer(src)
	} else {
		bin = gozxing.NewHybridBinarizer(src)
	}
	bmp, err := gozxing.NewBinaryBitmap(bin)
	if err != nil {
		return nil
	}
	rs, err := d.multi.DecodeMultiple(bmp, d.hints)
	if err == nil && len(rs) > 0 {
		return rs
	}
	if p.multiOnly {
		return nil
	}
	r, err := d.single.Decode(bmp, d.hints)
	if err == nil && r != nil {
		return []*gozxing.Result{r}
	}
	if p.persp {
		if text, pts, ok := d.perspective(bmp); ok {
			return []*gozxing.Result{gozxing.NewResult(text, nil, pts, gozxing.BarcodeFormat_QR_CODE)}
		}
	}
	return nil
}

// Gray converts any image to a tightly packed *image.Gray at origin (0,0).
func Gray(img image.Image) *image.Gray {
	if g, ok := img.(*image.Gray); ok {
		return tight(g)
	}
	b := img.Bounds()
	g := image.NewGray(image.Rect(0, 0, b.Dx(), b.Dy()))
	if yc, ok := img.(*image.YCbCr); ok {
		for y := 0; y < b.Dy(); y++ {
			copy(g.Pix[y*g.Stride:y*g.Stride+b.Dx()], yc.Y[yc.YOffset(b.Min.X, b.Min.Y+y):])
		}
		return g
	}
	draw.Draw(g, g.Rect, img, b.Min, draw.Src)
	return g
}

// tight returns g when its pixels are packed from (0,0), else a packed copy.
func tight(g *image.Gray) *image.Gray {
	if g.Rect.Min == (image.Point{}) && g.Stride == g.Rect.Dx() {
		return g
	}
	b := g.Rect
	t := image.NewGray(image.Rect(0, 0, b.Dx(), b.Dy()))
	for y := 0; y < b.Dy(); y++ {
		copy(t.Pix[y*t.Stride:(y+1)*t.Stride], g.Pix[g.PixOffset(b.Min.X, b.Min.Y+y):])
	}
	return t
}
