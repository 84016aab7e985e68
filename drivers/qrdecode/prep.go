package qrdecode

import (
	"image"
	"math"
)

// resize scales g by s: box averaging when shrinking (it also smooths
// noise), bilinear when enlarging.
func resize(g *image.Gray, s float64) *image.Gray {
	w, h := g.Rect.Dx(), g.Rect.Dy()
	nw, nh := max(1, int(float64(w)*s)), max(1, int(float64(h)*s))
	out := image.NewGray(image.Rect(0, 0, nw, nh))
	if s == 0.5 {
		for y := 0; y < nh; y++ {
			r0 := g.Pix[2*y*w:]
			r1 := g.Pix[(2*y+1)*w:]
			o := out.Pix[y*nw:]
			for x := 0; x < nw; x++ {
				o[x] = uint8((int(r0[2*x]) + int(r0[2*x+1]) + int(r1[2*x]) + int(r1[2*x+1]) + 2) >> 2)
			}
		}
		return out
	}
	inv := 1 / s
	for y := 0; y < nh; y++ {
		fy := (float64(y)+0.5)*inv - 0.5
		y0 := int(math.Floor(fy))
		ty := fy - float64(y0)
		y0c, y1c := clampi(y0, h-1), clampi(y0+1, h-1)
		for x := 0; x < nw; x++ {
			fx := (float64(x)+0.5)*inv - 0.5
			x0 := int(math.Floor(fx))
			tx := fx - float64(x0)
			x0c, x1c := clampi(x0, w-1), clampi(x0+1, w-1)
			a := float64(g.Pix[y0c*w+x0c])*(1-tx) + float64(g.Pix[y0c*w+x1c])*tx
			b := float64(g.Pix[y1c*w+x0c])*(1-tx) + float64(g.Pix[y1c*w+x1c])*tx
			out.Pix[y*nw+x] = uint8(a*(1-ty) + b*ty + 0.5)
		}
	}
	return out
}

func clampi(v, hi int) int {
	if v < 0 {
		return 0
	}
	if v > hi {
		return hi
	}
	return v
}

// stretch maps the 1st..99th percentile of g onto 0..255.
func stretch(g *image.Gray) *image.Gray {
	var hist [256]int
	for _, v := range g.Pix {
		hist[v]++
	}
	n := len(g.Pix)
	lo, hi := 0, 255
	for acc := 0; lo < 255; lo++ {
		acc += hist[lo]
		if acc > n/100 {
			break
		}
	}
	for acc := 0; hi > 0; hi-- {
		acc += hist[hi]
		if acc > n/100 {
			break
		}
	}
	if hi <= lo {
		return g
	}
	var lut [256]uint8
	for i := range lut {
		v := (i - lo) * 255 / (hi - lo)
		lut[i] = uint8(min(max(v, 0), 255))
	}
	out := image.NewGray(g.Rect)
	for i, v := range g.Pix {
		out.Pix[i] = lut[v]
	}
	return out
}

// sharpen applies an unsharp mask (3×3 box blur, amount 1.5).
func sharpen(g *image.Gray) *image.Gray {
	w, h := g.Rect.Dx(), g.Rect.Dy()
	out := image.NewGray(g.Rect)
	copy(out.Pix, g.Pix)
	for y := 1; y < h-1; y++ {
		for x := 1; x < w-1; x++ {
			i := y*w + x
			s := int(g.Pix[i-w-1]) + int(g.Pix[i-w]) + int(g.Pix[i-w+1]) +
				int(g.Pix[i-1]) + int(g.Pix[i]) + int(g.Pix[i+1]) +
				int(g.Pix[i+w-1]) + int(g.Pix[i+w]) + int(g.Pix[i+w+1])
			v := int(g.Pix[i]) + (3*(9*int(g.Pix[i])-s))/(2*9)
			out.Pix[i] = uint8(min(max(v, 0), 255))
		}
	}
	return out
}

// rotate45 rotates g by 45° about its centre into a frame that holds all of
// it; fwd maps a point of the rotated frame back into g.
func rotate45(g *image.Gray) (*image.Gray, func(x, y float64) (float64, float64)) {
	w, h := float64(g.Rect.Dx()), float64(g.Rect.Dy())
	c := math.Sqrt2 / 2
	side := int((w + h) * c)
	out := image.NewGray(image.Rect(0, 0, side, side))
	cx, cy := w/2, h/2
	oc := float64(side) / 2
	fwd := func(x, y float64) (float64, float64) {
		dx, dy := x-oc, y-oc
		return cx + c*(dx+dy), cy + c*(-dx+dy)
	}
	iw, ih := g.Rect.Dx(), g.Rect.Dy()
	for y := 0; y < side; y++ {
		for x := 0; x < side; x++ {
			sx, sy := fwd(float64(x), float64(y))
			ix, iy := int(sx), int(sy)
			if ix < 0 || iy < 0 || ix >= iw || iy >= ih {
				out.Pix[y*side+x] = 128
				continue
			}
			out.Pix[y*side+x] = g.Pix[iy*iw+ix]
		}
	}
	return out, fwd
}

// gamma4LUT maps v to 255·(v/255)⁴.
var gamma4LUT = func() (t [256]uint8) {
	for i := range t {
		t[i] = uint8(math.Round(255 * math.Pow(float64(i)/255, 4)))
	}
	return t
}()

// gamma4 applies a strong gamma: bright areas spread out, so dark modules
// lifted by glare or faded print separate again from the paper.
func gamma4(g *image.Gray) *image.Gray {
	out := image.NewGray(g.Rect)
	for i, v := range g.Pix {
		out.Pix[i] = gamma4LUT[v]
	}
	return out
}
