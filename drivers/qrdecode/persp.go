package qrdecode

import (
	"math"

	"github.com/makiuchi-d/gozxing"
	"github.com/makiuchi-d/gozxing/common"
)

// perspective is the fallback for codes seen at a steep angle. ZXing maps
// the code from its three finder patterns plus one alignment pattern that it
// looks for where a parallelogram would put it; under strong perspective
// that guess (and the module count derived from it) is off and the sampled
// grid fails error correction. Here the three finder patterns come from
// ZXing's finder, and the fourth corner and the dimension are searched:
// every hypothesis is sampled with ZXing's grid sampler and checked by ZXing's
// decoder, whose Reed-Solomon check rejects wrong geometry.
func (d *Decoder) perspective(bits *gozxing.BitMatrix, tp triple) (hit, bool) {
	tl, tr, bl := tp.tl, tp.tr, tp.bl
	ms := (tl.GetEstimatedModuleSize() + tr.GetEstimatedModuleSize() + bl.GetEstimatedModuleSize()) / 3
	if ms < 1 {
		return hit{}, false
	}
	est := int(math.Round((dist(tl, tr)/ms+dist(tl, bl)/ms)/2)) + 7
	var dims []int
	for _, c := range []int{est, est - 1, est + 1, est - 2, est + 2, est - 3, est + 3} {
		if c%4 == 1 && c >= 21 && c <= 177 {
			dims = append(dims, c)
		}
	}
	sampler := common.NewDefaultGridSampler()
	// The bottom-right "virtual finder" at module (dim-3.5, dim-3.5):
	// start from the parallelogram estimate and search around it, nearest
	// first, in steps of one module, up to a quarter of the code's side.
	px := tr.GetX() - tl.GetX() + bl.GetX()
	py := tr.GetY() - tl.GetY() + bl.GetY()
	side := (dist(tl, tr) + dist(tl, bl)) / 2
	r := min(int(math.Ceil(side*0.28/ms)), 10)
	type off struct{ dx, dy int }
	var offs []off
	for dy := -r; dy <= r; dy++ {
		for dx := -r; dx <= r; dx++ {
			offs = append(offs, off{dx, dy})
		}
	}
	// nearest first
	for i := 1; i < len(offs); i++ {
		for j := i; j > 0 && offs[j].dx*offs[j].dx+offs[j].dy*offs[j].dy < offs[j-1].dx*offs[j-1].dx+offs[j-1].dy*offs[j-1].dy; j-- {
			offs[j], offs[j-1] = offs[j-1], offs[j]
		}
	}
	for _, dim := range dims {
		m := float64(dim) - 3.5
		for i, o := range offs {
			if i%32 == 0 && !d.budgetLeft() {
				return hit{}, false
			}
			bx, by := px+float64(o.dx)*ms, py+float64(o.dy)*ms
			t := common.PerspectiveTransform_QuadrilateralToQuadrilateral(
				3.5, 3.5, m, 3.5, m, m, 3.5, m,
				tl.GetX(), tl.GetY(), tr.GetX(), tr.GetY(), bx, by, bl.GetX(), bl.GetY())
			grid, err := sampler.SampleGridWithTransform(bits, dim, dim, t)
			if err != nil {
				continue
			}
			res, err := d.dec.Decode(grid, d.hints)
			if err != nil {
				continue
			}
			return newHit(res.GetText(), tp, dim), true
		}
	}
	return hit{}, false
}
