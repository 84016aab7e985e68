package qrdecode

import (
	"math"
	"sort"

	"github.com/makiuchi-d/gozxing"
	mdetector "github.com/makiuchi-d/gozxing/multi/qrcode/detector"
	"github.com/makiuchi-d/gozxing/qrcode/detector"
)

// hit is one code read in a prepared image, in that image's pixels.
type hit struct {
	text string
	// bl, tl, tr are the finder centres; dim the number of modules per
	// side.
	bl, tl, tr gozxing.ResultPoint
	dim        int
}

// triple is a set of three finder patterns that may be one code.
type triple struct{ bl, tl, tr *detector.FinderPattern }

// scanResult is what one look at a binarised image found.
type scanResult struct {
	hits []hit
	// open are the finder triples that look like a code (their timing
	// patterns are there) but were not read and lie outside every code
	// read: something is probably still to be found there.
	open []triple
}

// scan finds the finder patterns of bits once, reads every code they
// frame, and reports the triples left over. persp enables the search for
// the fourth corner on a triple that failed (steep perspective).
func (d *Decoder) scan(bits *gozxing.BitMatrix, persp bool) scanResult {
	var res scanResult
	mf := mdetector.NewMultiFinderPatternFinder(bits, nil)
	infos, _ := mf.FindMulti(d.hints)
	var failed []triple
	seen := map[string]bool{}
	try := func(t triple) bool {
		if res.covered(t) {
			return true
		}
		if h, ok := d.read(bits, t); ok {
			if !seen[h.text] {
				seen[h.text] = true
				res.hits = append(res.hits, h)
			}
			return true
		}
		return false
	}
	for _, info := range infos {
		t := triple{info.GetBottomLeft(), info.GetTopLeft(), info.GetTopRight()}
		if !try(t) {
			failed = append(failed, t)
		}
	}
	// ZXing's multi finder only pairs patterns whose module sizes agree
	// within 5%, which perspective and blur break, and among print it may
	// pair the wrong ones: form the triples again from the candidates the
	// codes read do not explain, more loosely, and keep those whose timing
	// patterns are there.
	var left []*detector.FinderPattern
	for _, c := range mf.GetPossibleCenters() {
		if c.GetCount() >= 2 && !res.coversPoint(c) {
			left = append(left, c)
		}
	}
	for _, t := range looseTriples(left) {
		if res.covered(t) || !timingOK(bits, t) {
			continue
		}
		if !try(t) {
			failed = append(failed, t)
		}
	}
	for _, t := range failed {
		if res.covered(t) || !timingOK(bits, t) {
			continue
		}
		if persp && d.budgetLeft() {
			if d.stats != nil {
				d.stats.Perspective++
			}
			if h, ok := d.perspective(bits, t); ok {
				if !seen[h.text] {
					seen[h.text] = true
					res.hits = append(res.hits, h)
				}
				continue
			}
		}
		res.open = append(res.open, t)
	}
	// A triple found open before a later code covered it is not open.
	open := res.open[:0]
	for _, t := range res.open {
		if !res.covered(t) {
			open = append(open, t)
		}
	}
	res.open = open
	return res
}

// read samples and decodes the code framed by t, with ZXing's detector
// (alignment pattern, dimension) and decoder (Reed-Solomon).
func (d *Decoder) read(bits *gozxing.BitMatrix, t triple) (hit, bool) {
	dr, err := detector.NewDetector(bits).ProcessFinderPatternInfo(detector.NewFinderPatternInfo(t.bl, t.tl, t.tr))
	if err != nil {
		return hit{}, false
	}
	res, err := d.dec.Decode(dr.GetBits(), d.hints)
	if err != nil {
		return hit{}, false
	}
	dim := dr.GetBits().GetWidth()
	return newHit(res.GetText(), t, dim), true
}

func newHit(text string, t triple, dim int) hit {
	return hit{text: text, bl: t.bl, tl: t.tl, tr: t.tr, dim: dim}
}

func dist(a, b gozxing.ResultPoint) float64 {
	return math.Hypot(a.GetX()-b.GetX(), a.GetY()-b.GetY())
}

// contains reports whether p lies on the code h, quiet zone included.
func (h hit) contains(x, y float64) bool {
	// Coordinates in the code's own frame: u along tl→tr, v along tl→bl,
	// in modules from the top-left finder's centre (3.5, 3.5).
	ux, uy := h.tr.GetX()-h.tl.GetX(), h.tr.GetY()-h.tl.GetY()
	vx, vy := h.bl.GetX()-h.tl.GetX(), h.bl.GetY()-h.tl.GetY()
	det := ux*vy - uy*vx
	if det == 0 {
		return false
	}
	px, py := x-h.tl.GetX(), y-h.tl.GetY()
	span := float64(h.dim - 7)
	if span <= 0 {
		return false
	}
	u := (px*vy - py*vx) / det * span
	v := (ux*py - uy*px) / det * span
	const margin = 3.5 + 2 // centre to edge, plus part of the quiet zone
	return u >= -margin && v >= -margin && u <= span+margin && v <= span+margin
}

// coversPoint reports whether p lies on a code already read.
func (r *scanResult) coversPoint(p *detector.FinderPattern) bool {
	for _, h := range r.hits {
		if h.contains(p.GetX(), p.GetY()) {
			return true
		}
	}
	return false
}

// maxLoose bounds the candidates looseTriples combines (the most often
// confirmed first).
const maxLoose = 30

// looseTriples returns the ordered triples (bl, tl, tr) of candidates that
// could be one code: module sizes within a factor 1.7 of each other, legs
// of 14 to 180 modules and of similar length, a roughly right angle at
// the top-left pattern.
func looseTriples(cs []*detector.FinderPattern) []triple {
	if len(cs) < 3 {
		return nil
	}
	if len(cs) > maxLoose {
		cs = append([]*detector.FinderPattern(nil), cs...)
		sort.SliceStable(cs, func(i, j int) bool { return cs[i].GetCount() > cs[j].GetCount() })
		cs = cs[:maxLoose]
	}
	var out []triple
	for i := 0; i < len(cs); i++ {
		for j := i + 1; j < len(cs); j++ {
			for k := j + 1; k < len(cs); k++ {
				a, b, c := cs[i], cs[j], cs[k]
				lo := math.Min(a.GetEstimatedModuleSize(), math.Min(b.GetEstimatedModuleSize(), c.GetEstimatedModuleSize()))
				hi := math.Max(a.GetEstimatedModuleSize(), math.Max(b.GetEstimatedModuleSize(), c.GetEstimatedModuleSize()))
				if lo <= 0 || hi > 1.7*lo {
					continue
				}
				// The top-left pattern is opposite the longest side.
				ab, bc, ac := dist(a, b), dist(b, c), dist(a, c)
				tl, p, q := a, b, c
				switch {
				case ab >= bc && ab >= ac:
					tl, p, q = c, a, b
				case ac >= ab && ac >= bc:
					tl, p, q = b, a, c
				}
				l1, l2 := dist(tl, p), dist(tl, q)
				ms := (lo + hi) / 2
				if math.Min(l1, l2) < 10*ms || math.Max(l1, l2) > 180*ms || math.Max(l1, l2) > 1.6*math.Min(l1, l2) {
					continue
				}
				// cos of the angle at tl
				cos := ((p.GetX()-tl.GetX())*(q.GetX()-tl.GetX()) + (p.GetY()-tl.GetY())*(q.GetY()-tl.GetY())) / (l1 * l2)
				if math.Abs(cos) > 0.35 {
					continue
				}
				// bl, tl, tr in ZXing's orientation
				bl, tr := p, q
				if (tr.GetX()-tl.GetX())*(bl.GetY()-tl.GetY())-(tr.GetY()-tl.GetY())*(bl.GetX()-tl.GetX()) < 0 {
					bl, tr = tr, bl
				}
				out = append(out, triple{bl, tl, tr})
			}
		}
	}
	return out
}

// covered reports whether any of t's patterns lies on a code already read.
func (r *scanResult) covered(t triple) bool {
	for _, h := range r.hits {
		for _, p := range []*detector.FinderPattern{t.bl, t.tl, t.tr} {
			if h.contains(p.GetX(), p.GetY()) {
				return true
			}
		}
	}
	return false
}

// timingOK reports whether the triple's timing patterns (the alternating
// row and column of modules that join the finder patterns of every QR
// code) are there. Text and other print often hold three finder-like
// marks; they have no timing pattern. The check counts runs along each
// line rather than sampling predicted module centres, so that it holds
// under perspective, where modules shrink towards one side. It works on
// the binarised image and only gates the searches that are expensive when
// wasted.
func timingOK(bits *gozxing.BitMatrix, t triple) bool {
	return timingLine(bits, t.tl, t.tr, t.bl) && timingLine(bits, t.tl, t.bl, t.tr)
}

// timingLine checks the timing pattern that runs from finder a towards
// finder b, three modules from their centres on the side of finder c.
func timingLine(bits *gozxing.BitMatrix, a, b, c *detector.FinderPattern) bool {
	ma, mb := a.GetEstimatedModuleSize(), b.GetEstimatedModuleSize()
	L := dist(a, b)
	if ma <= 0 || mb <= 0 || L < 10*math.Min(ma, mb) {
		return false
	}
	dx, dy := (b.GetX()-a.GetX())/L, (b.GetY()-a.GetY())/L
	nx, ny := -dy, dx
	if (c.GetX()-a.GetX())*nx+(c.GetY()-a.GetY())*ny < 0 {
		nx, ny = -nx, -ny
	}
	w, h := bits.GetWidth(), bits.GetHeight()
	step := 0.25 * math.Min(ma, mb)
	from, to := 4*ma, L-4*mb
	var runs []float64
	var cur float64
	prev := false
	for i, p := 0, from; p <= to; i, p = i+1, p+step {
		s := p / L
		m := ma*(1-s) + mb*s
		x := a.GetX() + dx*p + nx*3*m
		y := a.GetY() + dy*p + ny*3*m
		ix, iy := int(x), int(y)
		if ix < 0 || iy < 0 || ix >= w || iy >= h {
			return false
		}
		v := bits.Get(ix, iy)
		if i > 0 && v != prev {
			runs = append(runs, cur)
			cur = 0
		}
		prev = v
		cur += step
	}
	// The first and last runs are cut by the finders' separators.
	if len(runs) < 4 {
		return false
	}
	runs = runs[1:]
	mmax := math.Max(ma, mb)
	for _, r := range runs {
		if r > 2.2*mmax {
			return false
		}
	}
	// One run per module, give or take blur merging a few.
	return float64(len(runs)+1) >= 0.6*(to-from)/mmax
}
