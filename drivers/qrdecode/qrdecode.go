package qrdecode

import (
	"errors"
	"image"
	"image/draw"
	"math"
	"runtime"
	"sort"
	"time"

	"github.com/makiuchi-d/gozxing"
	"github.com/makiuchi-d/gozxing/qrcode/decoder"
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
	// Budget bounds the CPU time one Decode spends (0: no limit): once it
	// is used, no further pass or region is started and the perspective
	// search stops. CPU time rather than wall time, so that a busy machine
	// reads as well as an idle one, only later.
	Budget time.Duration
	// Exhaustive runs every whole-frame pass even after codes were found
	// (slower; for diagnosis of still images).
	Exhaustive bool
	// MaxPixels bounds the frame size accepted (width×height).
	MaxPixels int
}

// DefaultOpts suit a live camera and still images alike: a clean frame
// costs one pass, and a frame without a code at most the 200 ms budget.
var DefaultOpts = Opts{Budget: 200 * time.Millisecond, MaxPixels: 4096 * 4096}

// ErrTooLarge is returned for frames above Opts.MaxPixels.
var ErrTooLarge = errors.New("qrdecode: frame too large")

// Decoder finds QR codes in grey frames. It is not safe for concurrent use.
type Decoder struct {
	opts  Opts
	dec   *decoder.Decoder
	hints map[gozxing.DecodeHintType]interface{}
	// clock measures the budget: CPU time of the decoding thread.
	clock func() time.Duration
	// deadline ends the current Decode's work (0: none), on clock.
	deadline time.Duration
	// stats, when set, counts what each Decode did (tests, benchmarks).
	stats *Stats
}

// Stats counts the work of Decode calls, for tests and benchmarks.
type Stats struct {
	Frames int
	// Passes counts whole-frame passes by name; Regions counts passes run
	// on regions around finder patterns left unexplained.
	Passes, Regions map[string]int
	// Perspective counts fourth-corner searches.
	Perspective int
}

// SetStats makes d count its work into s (nil: stop counting).
func (d *Decoder) SetStats(s *Stats) {
	if s != nil && s.Passes == nil {
		s.Passes, s.Regions = map[string]int{}, map[string]int{}
	}
	d.stats = s
}

// New returns a Decoder; nil opts means DefaultOpts.
func New(opts *Opts) *Decoder {
	o := DefaultOpts
	if opts != nil {
		o = *opts
	}
	return &Decoder{
		opts:  o,
		dec:   decoder.NewDecoder(),
		hints: map[gozxing.DecodeHintType]interface{}{gozxing.DecodeHintType_TRY_HARDER: true},
		clock: threadCPU,
	}
}

// budgetLeft reports whether the current Decode may go on working.
func (d *Decoder) budgetLeft() bool { return d.deadline == 0 || d.clock() < d.deadline }

// pass is one way of looking at the frame.
type pass struct {
	name    string
	scale   float64 // resample factor applied to the frame (1 = as is)
	global  bool    // global-histogram binariser instead of the hybrid one
	invert  bool    // light modules on dark
	stretch bool    // contrast stretch before binarising
	rotate  bool    // rotate 45° (helps the row scanner at awkward angles)
	sharpen bool    // unsharp mask (blurred frames)
	gamma   bool    // darken mid-tones (glare, faded print: lifted dark modules)
}

// first is the pass every frame gets: the hybrid binariser on the frame as
// it is. A clean code is read here, and when every finder triple that looks
// like a code is accounted for, nothing else runs.
var first = pass{name: "hybrid", scale: 1}

// passes are tried in order, cheapest and most often useful first, on
// frames where the first pass read nothing, until one reads something or
// the budget is spent.
//
// A dark frame (mean below darkMean) gets the inverted pass first: light
// modules on a dark ground, as on a phone in dark mode or a lit display.
// A noisy one (mean difference of neighbours above noisyDiff) gets the
// half-scale pass first, whose box average smooths the noise.
var passes = []pass{
	{name: "global", scale: 1, global: true, stretch: true},
	{name: "half", scale: 0.5},
	{name: "inverted", scale: 1, invert: true},
	{name: "stretch", scale: 1, stretch: true},
	{name: "half+inverted", scale: 0.5, invert: true},
	{name: "gamma", scale: 1, gamma: true},
	{name: "3/4+global", scale: 0.75, global: true, stretch: true},
	{name: "sharpen", scale: 1, sharpen: true},
	{name: "3/2", scale: 1.5},
	{name: "double", scale: 2},
}

// regionPasses are tried on a region around a finder triple that looks like
// a code (its timing patterns are there) but was not read, once codes were
// read elsewhere in the frame: the frame holds more codes than were read.
var regionPasses = []pass{
	{name: "global", scale: 1, global: true, stretch: true},
	{name: "half", scale: 0.5},
	{name: "stretch", scale: 1, stretch: true},
	{name: "sharpen", scale: 1, sharpen: true},
	{name: "double", scale: 2},
	{name: "gamma", scale: 1, gamma: true},
	{name: "rot45", scale: 1, rotate: true},
}

// Decode returns the codes found in img, each text once, in reading order
// (rows top to bottom, left to right within a row). No code found is not an
// error.
//
// The first pass reads the frame as it is; when it reads codes and no
// finder pattern triple that looks like a code is left unexplained, Decode
// is done (the common case: one clean code, one pass). Codes left over are
// looked for again only in regions around their finder patterns; a frame
// where nothing was read gets the other passes in turn, within the budget.
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
	d.deadline = 0
	if d.opts.Budget > 0 {
		d.deadline = start + d.opts.Budget
	}
	if d.stats != nil {
		d.stats.Frames++
	}
	f := &frameState{d: d, g: g, seen: map[string]bool{}}
	open := f.look(g, image.Point{}, first, true, d.stats.pass())
	if len(f.out) == 0 || d.opts.Exhaustive {
		order := passes
		switch m, n := levels(g); {
		case m < darkMean:
			order = moveFirst(passes, "inverted")
		case n > noisyDiff:
			order = moveFirst(passes, "half")
		}
		for _, p := range order {
			if !d.budgetLeft() || (len(f.out) > 0 && !d.opts.Exhaustive) {
				break
			}
			if p.scale > 1 && b.Dx()*b.Dy() > 1600*1200 {
				continue
			}
			open = append(open, f.look(g, image.Point{}, p, false, d.stats.pass())...)
		}
	}
	f.regions(open)
	return readingOrder(f.out), nil
}

// ThreadCPU returns the CPU time used so far by the calling OS thread (the
// wall clock where the system does not tell). Decode locks its goroutine to
// a thread, so a caller that locks too can time one Decode in CPU time, as
// its budget is counted: kioskctl qr decode reports it as cpu_ms.
func ThreadCPU() time.Duration { return threadCPU() }

// darkMean is the mean grey level below which a frame is looked at
// inverted first; noisyDiff the mean difference of horizontal neighbours
// above which it is looked at at half scale first.
const (
	darkMean  = 100
	noisyDiff = 14
)

// levels returns the mean grey level of g and the mean absolute difference
// of horizontal neighbours, from every eighth row.
func levels(g *image.Gray) (mean, diff int) {
	sum, dsum, n := 0, 0, 0
	w := g.Rect.Dx()
	for y := 0; y < g.Rect.Dy(); y += 8 {
		row := g.Pix[y*g.Stride : y*g.Stride+w]
		for x := 1; x < w; x++ {
			sum += int(row[x])
			d := int(row[x]) - int(row[x-1])
			if d < 0 {
				d = -d
			}
			dsum += d
		}
		n += w - 1
	}
	if n == 0 {
		return 255, 0
	}
	return sum / n, dsum / n
}

// moveFirst returns ps with the pass called name first.
func moveFirst(ps []pass, name string) []pass {
	out := make([]pass, 0, len(ps))
	for _, p := range ps {
		if p.name == name {
			out = append(out, p)
		}
	}
	for _, p := range ps {
		if p.name != name {
			out = append(out, p)
		}
	}
	return out
}

func (s *Stats) pass() map[string]int {
	if s == nil {
		return nil
	}
	return s.Passes
}

// frameState is one Decode's progress.
type frameState struct {
	d    *Decoder
	g    *image.Gray
	seen map[string]bool
	out  []Code
	hits []hit // in frame pixels, for covered
}

// region is a part of the frame to look at again, in frame pixels.
type region struct{ r image.Rectangle }

// look runs pass p on src (whose top-left corner sits at off in the frame),
// adds the codes read and returns the regions left open, in frame pixels.
func (f *frameState) look(src *image.Gray, off image.Point, p pass, persp bool, count map[string]int) []region {
	if count != nil {
		count[p.name]++
	}
	bits, back := prepare(src, p)
	if bits == nil {
		return nil
	}
	res := f.d.scan(bits, persp)
	fx := func(pt gozxing.ResultPoint) (float64, float64) {
		x, y := back(pt.GetX(), pt.GetY())
		return x + float64(off.X), y + float64(off.Y)
	}
	for _, h := range res.hits {
		fh := h
		x, y := fx(h.bl)
		fh.bl = gozxing.NewResultPoint(x, y)
		x, y = fx(h.tl)
		fh.tl = gozxing.NewResultPoint(x, y)
		x, y = fx(h.tr)
		fh.tr = gozxing.NewResultPoint(x, y)
		f.hits = append(f.hits, fh)
		if f.seen[h.text] {
			continue
		}
		f.seen[h.text] = true
		c := Code{Text: h.text, Pass: p.name}
		for _, q := range []gozxing.ResultPoint{fh.bl, fh.tl, fh.tr} {
			c.Points = append(c.Points, image.Pt(int(math.Round(q.GetX())), int(math.Round(q.GetY()))))
		}
		f.out = append(f.out, c)
	}
	var open []region
	for _, t := range res.open {
		var minX, minY, maxX, maxY = math.Inf(1), math.Inf(1), math.Inf(-1), math.Inf(-1)
		ms := 0.0
		for _, q := range []*detector.FinderPattern{t.bl, t.tl, t.tr} {
			x, y := fx(q)
			minX, maxX = math.Min(minX, x), math.Max(maxX, x)
			minY, maxY = math.Min(minY, y), math.Max(maxY, y)
			ms += q.GetEstimatedModuleSize() / 3
		}
		ms /= p.scale
		// The fourth corner lies beyond the span; pad by the span's half
		// and the finder's own size plus the quiet zone.
		padX := (maxX-minX)*0.5 + 9*ms
		padY := (maxY-minY)*0.5 + 9*ms
		r := image.Rect(int(minX-padX), int(minY-padY), int(maxX+padX), int(maxY+padY)).Intersect(f.g.Rect)
		if !r.Empty() {
			open = append(open, region{r})
		}
	}
	return open
}

// maxRegions bounds the regions one Decode looks at again.
const maxRegions = 8

// regions looks again at each open region not covered by a code read
// since, with the region passes, within the budget.
func (f *frameState) regions(open []region) {
	if len(open) > maxRegions {
		open = open[:maxRegions]
	}
	for len(open) > 0 {
		rg := open[0]
		open = open[1:]
		if f.coveredRect(rg.r) {
			continue
		}
		crop := cropGray(f.g, rg.r)
		// A region is looked at once: what stays open in it stays open.
		for _, p := range regionPasses {
			if !f.d.budgetLeft() {
				return
			}
			n := len(f.out)
			var count map[string]int
			if f.d.stats != nil {
				count = f.d.stats.Regions
			}
			f.look(crop, rg.r.Min, p, false, count)
			if len(f.out) > n {
				break
			}
		}
	}
}

// coveredRect reports whether the centre of r lies on a code read.
func (f *frameState) coveredRect(r image.Rectangle) bool {
	cx, cy := float64(r.Min.X+r.Max.X)/2, float64(r.Min.Y+r.Max.Y)/2
	for _, h := range f.hits {
		if h.contains(cx, cy) {
			return true
		}
	}
	return false
}

// prepare turns src into the binarised image pass p looks at, and the
// mapping from its pixels back to src's.
func prepare(src *image.Gray, p pass) (*gozxing.BitMatrix, func(x, y float64) (float64, float64)) {
	if p.scale != 1 {
		src = resize(src, p.scale)
	}
	if p.stretch {
		src = stretch(src)
	}
	if p.sharpen {
		src = sharpen(src)
	}
	if p.gamma {
		src = gamma4(src)
	}
	scale := p.scale
	back := func(x, y float64) (float64, float64) { return x / scale, y / scale }
	if p.rotate {
		var fwd func(x, y float64) (float64, float64)
		src, fwd = rotate45(src)
		back = func(x, y float64) (float64, float64) {
			x, y = fwd(x, y)
			return x / scale, y / scale
		}
	}
	if src.Rect.Dx() < 21 || src.Rect.Dy() < 21 {
		return nil, nil
	}
	lum, err := gozxing.NewPlanarYUVLuminanceSource(src.Pix, src.Stride, src.Rect.Dy(), 0, 0, src.Rect.Dx(), src.Rect.Dy(), false)
	if err != nil {
		return nil, nil
	}
	if p.invert {
		lum = gozxing.NewInvertedLuminanceSource(lum)
	}
	var bin gozxing.Binarizer
	if p.global {
		bin = gozxing.NewGlobalHistgramBinarizer(lum)
	} else {
		bin = gozxing.NewHybridBinarizer(lum)
	}
	bits, err := bin.GetBlackMatrix()
	if err != nil {
		return nil, nil
	}
	return bits, back
}

// cropGray returns a packed copy of the part r of g.
func cropGray(g *image.Gray, r image.Rectangle) *image.Gray {
	out := image.NewGray(image.Rect(0, 0, r.Dx(), r.Dy()))
	for y := 0; y < r.Dy(); y++ {
		copy(out.Pix[y*out.Stride:(y+1)*out.Stride], g.Pix[(r.Min.Y+y)*g.Stride+r.Min.X:])
	}
	return out
}

// readingOrder sorts codes into rows (a code whose centre is within half
// a code's height of a row's first code joins that row), rows top to
// bottom, codes left to right within a row.
func readingOrder(codes []Code) []Code {
	sort.SliceStable(codes, func(i, j int) bool { return centre(codes[i]).Y < centre(codes[j]).Y })
	var out []Code
	for i := 0; i < len(codes); {
		c0 := centre(codes[i])
		tol := height(codes[i]) / 2
		j := i + 1
		for j < len(codes) && float64(centre(codes[j]).Y-c0.Y) <= max(tol, height(codes[j])/2) {
			j++
		}
		row := codes[i:j]
		sort.SliceStable(row, func(a, b int) bool { return centre(row[a]).X < centre(row[b]).X })
		out = append(out, row...)
		i = j
	}
	return out
}

// height estimates a code's height from its finder centres (which sit 3.5
// modules inside the symbol).
func height(c Code) float64 {
	if len(c.Points) < 3 {
		return 0
	}
	minY, maxY := math.Inf(1), math.Inf(-1)
	for _, p := range c.Points {
		minY, maxY = math.Min(minY, float64(p.Y)), math.Max(maxY, float64(p.Y))
	}
	return (maxY-minY)*1.3 + 8
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
