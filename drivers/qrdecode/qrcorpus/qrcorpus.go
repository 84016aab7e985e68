// Package qrcorpus generates a deterministic corpus of camera-like frames
// holding QR codes, for measuring decoders. Codes are made by
// github.com/skip2/go-qrcode and placed on a 1280×720 grey frame through a
// projective mapping (position, size, rotation, perspective), then degraded
// by the category's transform (blur, noise, low contrast, glare, a
// photographed screen, ...). The same seed always gives the same frames.
package qrcorpus

import (
	"fmt"
	"image"
	"math"
	"math/rand/v2"

	qrcode "github.com/skip2/go-qrcode"
)

// Frame size of every generated sample.
const (
	Width  = 1280
	Height = 720
)

// Categories lists the corpus categories in report order.
var Categories = []string{
	"nominal", "rotation", "perspective", "blur", "noise", "low_contrast",
	"inverted", "small_modules", "glare", "several", "screen",
}

// Empty is the category of frames without a code (not in Categories): what
// a kiosk camera sees between citizens.
const Empty = "empty"

// Sample is one generated frame and the texts of the codes it holds.
type Sample struct {
	Name     string // e.g. "blur-007"
	Category string
	Img      *image.Gray
	Texts    []string
}

// Generate returns perCategory samples of every category, made from seed.
func Generate(seed uint64, perCategory int) []Sample {
	var out []Sample
	for ci, cat := range Categories {
		for i := 0; i < perCategory; i++ {
			out = append(out, GenerateOne(seed, cat, i, ci))
		}
	}
	return out
}

// GenerateOne makes sample i of category cat (ci is the category's index,
// used to separate the random streams).
func GenerateOne(seed uint64, cat string, i, ci int) Sample {
	r := rand.New(rand.NewPCG(seed, uint64(ci)<<32|uint64(i)))
	s := Sample{Name: fmt.Sprintf("%s-%03d", cat, i), Category: cat}
	f := newFrame(r)
	switch cat {
	case "nominal":
		s.Texts = []string{payload(r)}
		f.place(r, s.Texts[0], mod(r, 4, 7), angle(r, 0, 5), 0, nil)
	case "rotation":
		s.Texts = []string{payload(r)}
		f.place(r, s.Texts[0], mod(r, 4, 6), angle(r, 0, 45), 0, nil)
	case "perspective":
		s.Texts = []string{payload(r)}
		f.place(r, s.Texts[0], mod(r, 5, 7), angle(r, 0, 15), 0.10+0.15*r.Float64(), nil)
	case "blur":
		s.Texts = []string{payload(r)}
		f.place(r, s.Texts[0], mod(r, 5, 8), angle(r, 0, 10), 0, nil)
		f.blur(1.2 + 1.6*r.Float64())
	case "noise":
		s.Texts = []string{payload(r)}
		f.place(r, s.Texts[0], mod(r, 4, 7), angle(r, 0, 10), 0, nil)
		f.blur(0.6)
		f.noise(r, 25+30*r.Float64())
	case "low_contrast":
		s.Texts = []string{payload(r)}
		// Faded print on grey paper: 25..45 grey levels between modules.
		dark := 110 + 30*r.Float64()
		light := dark + 25 + 20*r.Float64()
		f.flatten(light-30, light+15)
		f.place(r, s.Texts[0], mod(r, 4, 7), angle(r, 0, 10), 0, &colours{dark: dark, light: light})
		f.blur(0.6)
		f.noise(r, 3)
	case "inverted":
		s.Texts = []string{payload(r)}
		f.fill(30 + 30*r.Float64())
		f.place(r, s.Texts[0], mod(r, 4, 7), angle(r, 0, 10), 0.05*r.Float64(), &colours{dark: 215, light: 35})
		f.blur(0.7)
	case "small_modules":
		s.Texts = []string{payload(r)}
		f.place(r, s.Texts[0], 1.6+0.9*r.Float64(), angle(r, 0, 10), 0, nil)
		f.blur(0.5)
	case "glare":
		s.Texts = []string{payload(r)}
		cx, cy, size := f.place(r, s.Texts[0], mod(r, 5, 7), angle(r, 0, 15), 0.05*r.Float64(), nil)
		f.glare(r, cx, cy, size)
		f.blur(0.7)
	case "several":
		n := 2 + r.IntN(3)
		for k := 0; k < n; k++ {
			s.Texts = append(s.Texts, payload(r))
		}
		f.placeMany(r, s.Texts)
		f.blur(0.6)
	case "screen":
		s.Texts = []string{payload(r)}
		f.fill(25 + 20*r.Float64())
		f.screen(r, s.Texts[0])
	case Empty:
		// What the camera sees most of the time: the counter, print, no code.
		f.blur(0.6)
		f.noise(r, 3)
	default:
		panic("qrcorpus: unknown category " + cat)
	}
	s.Img = f.gray()
	return s
}

func mod(r *rand.Rand, lo, hi float64) float64 { return lo + (hi-lo)*r.Float64() }

func angle(r *rand.Rand, lo, hi float64) float64 {
	a := lo + (hi-lo)*r.Float64()
	if r.IntN(2) == 0 {
		a = -a
	}
	return a * math.Pi / 180
}

var payloadTemplates = []func(r *rand.Rand) string{
	func(r *rand.Rand) string {
		return "https://zzlz.gsxt.gov.cn/businessCheck/verifKey.do?showType=p&serial=" + digits(r, 18) + "-SAIC_SHOW_10000091" + digits(r, 12) + "&signData=" + b64(r, 40)
	},
	func(r *rand.Rand) string {
		return fmt.Sprintf("甘(20%02d)玉门市不动产权第%07d号", 15+r.IntN(10), r.IntN(10000000))
	},
	func(r *rand.Rand) string { return "HK1." + b64(r, 90) + "." + b64(r, 86) },
	func(r *rand.Rand) string { return fmt.Sprintf("A%03d", r.IntN(1000)) },
	func(r *rand.Rand) string { return "https://hall.example.cn/q?c=HK1." + b64(r, 60) + "." + b64(r, 86) },
	func(r *rand.Rand) string { return "91620981" + digits(r, 10) },
}

func payload(r *rand.Rand) string { return payloadTemplates[r.IntN(len(payloadTemplates))](r) }

func digits(r *rand.Rand, n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte('0' + r.IntN(10))
	}
	return string(b)
}

func b64(r *rand.Rand, n int) string {
	const a = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	b := make([]byte, n)
	for i := range b {
		b[i] = a[r.IntN(len(a))]
	}
	return string(b)
}

// frame is a float canvas, 0 black .. 255 white.
type frame struct {
	w, h int
	p    []float32
}

type colours struct{ dark, light float64 }

func newFrame(r *rand.Rand) *frame {
	f := &frame{w: Width, h: Height, p: make([]float32, Width*Height)}
	// Paper-like background: a soft lighting gradient and a few dark blocks
	// of "print" for clutter.
	base := 170 + 50*r.Float64()
	gx, gy := 40*(r.Float64()-0.5), 40*(r.Float64()-0.5)
	for y := 0; y < f.h; y++ {
		for x := 0; x < f.w; x++ {
			f.p[y*f.w+x] = float32(base + gx*float64(x)/float64(f.w) + gy*float64(y)/float64(f.h))
		}
	}
	for k := 0; k < 6; k++ {
		x0, y0 := r.IntN(f.w-200), r.IntN(f.h-20)
		w, h := 40+r.IntN(160), 4+r.IntN(10)
		v := float32(40 + 60*r.Float64())
		for y := y0; y < y0+h; y++ {
			for x := x0; x < x0+w; x++ {
				f.p[y*f.w+x] = v
			}
		}
	}
	// Printed text around the code (the licence or form it is on): lines
	// of CJK-like glyphs, many of them boxes and nested boxes (口 日 田 回),
	// which look like finder patterns to a scanner.
	for k := 0; k < 2+r.IntN(3); k++ {
		f.text(r)
	}
	return f
}

// text draws a paragraph of glyph-like marks at a random place.
func (f *frame) text(r *rand.Rand) {
	g := 10 + r.IntN(18) // glyph size in pixels
	cols, rows := 6+r.IntN(20), 1+r.IntN(5)
	x0 := r.IntN(max(1, f.w-cols*g))
	y0 := r.IntN(max(1, f.h-rows*g*3/2))
	ink := float32(30 + 50*r.Float64())
	sw := max(1, g/8)
	rect := func(x, y, w, h int) {
		for yy := max(0, y); yy < min(f.h, y+h); yy++ {
			for xx := max(0, x); xx < min(f.w, x+w); xx++ {
				f.p[yy*f.w+xx] = ink
			}
		}
	}
	box := func(x, y, w, h int) {
		rect(x, y, w, sw)
		rect(x, y+h-sw, w, sw)
		rect(x, y, sw, h)
		rect(x+w-sw, y, sw, h)
	}
	for row := 0; row < rows; row++ {
		for col := 0; col < cols; col++ {
			x, y := x0+col*g+1, y0+row*g*3/2
			s := g - 2
			switch r.IntN(7) {
			case 0: // 口
				box(x, y, s, s)
			case 1: // 回: a box around a solid square, finder-like
				box(x, y, s, s)
				rect(x+s*2/7, y+s*2/7, s*3/7+1, s*3/7+1)
			case 2: // 日
				box(x, y, s*3/4, s)
				rect(x, y+s/2, s*3/4, sw)
			case 3: // 田
				box(x, y, s, s)
				rect(x, y+s/2, s, sw)
				rect(x+s/2, y, sw, s)
			default: // strokes
				for n := 0; n < 2+r.IntN(3); n++ {
					if r.IntN(2) == 0 {
						rect(x+r.IntN(s/2+1), y+r.IntN(s), s/2+r.IntN(s/2+1), sw)
					} else {
						rect(x+r.IntN(s), y+r.IntN(s/2+1), sw, s/2+r.IntN(s/2+1))
					}
				}
			}
		}
	}
}

func (f *frame) fill(v float64) {
	for i := range f.p {
		f.p[i] = float32(v)
	}
}

func (f *frame) gray() *image.Gray {
	g := image.NewGray(image.Rect(0, 0, f.w, f.h))
	for i, v := range f.p {
		g.Pix[i] = clamp8(float64(v))
	}
	return g
}

func clamp8(v float64) uint8 {
	if v < 0 {
		return 0
	}
	if v > 255 {
		return 255
	}
	return uint8(v + 0.5)
}

// homography maps (u,v) in a unit square to frame pixels, and back.
type homography [9]float64

// squareToQuad returns the mapping of the unit square onto quad p[0..3]
// (corners in order (0,0), (1,0), (1,1), (0,1)).
func squareToQuad(p [4][2]float64) homography {
	x0, y0 := p[0][0], p[0][1]
	x1, y1 := p[1][0], p[1][1]
	x2, y2 := p[2][0], p[2][1]
	x3, y3 := p[3][0], p[3][1]
	dx3 := x0 - x1 + x2 - x3
	dy3 := y0 - y1 + y2 - y3
	if dx3 == 0 && dy3 == 0 {
		return homography{x1 - x0, x2 - x1, x0, y1 - y0, y2 - y1, y0, 0, 0, 1}
	}
	dx1, dx2 := x1-x2, x3-x2
	dy1, dy2 := y1-y2, y3-y2
	den := dx1*dy2 - dx2*dy1
	a13 := (dx3*dy2 - dx2*dy3) / den
	a23 := (dx1*dy3 - dx3*dy1) / den
	return homography{
		x1 - x0 + a13*x1, x3 - x0 + a23*x3, x0,
		y1 - y0 + a13*y1, y3 - y0 + a23*y3, y0,
		a13, a23, 1,
	}
}

func (h homography) inverse() homography {
	a, b, c, d, e, f, g, k, i := h[0], h[1], h[2], h[3], h[4], h[5], h[6], h[7], h[8]
	A := e*i - f*k
	B := c*k - b*i
	C := b*f - c*e
	D := f*g - d*i
	E := a*i - c*g
	F := c*d - a*f
	G := d*k - e*g
	H := b*g - a*k
	I := a*e - b*d
	return homography{A, B, C, D, E, F, G, H, I}
}

func (h homography) apply(x, y float64) (float64, float64) {
	w := h[6]*x + h[7]*y + h[8]
	return (h[0]*x + h[1]*y + h[2]) / w, (h[3]*x + h[4]*y + h[5]) / w
}

// quadFor returns the corners of a code of side size centred at (cx,cy),
// rotated by a and with perspective distortion persp (0: none).
func quadFor(r *rand.Rand, cx, cy, size, a, persp float64) [4][2]float64 {
	var q [4][2]float64
	corners := [4][2]float64{{-0.5, -0.5}, {0.5, -0.5}, {0.5, 0.5}, {-0.5, 0.5}}
	// Perspective: shrink one side (a tilt around a random axis).
	side := r.IntN(4)
	for i, c := range corners {
		x, y := c[0]*size, c[1]*size
		if persp > 0 && (i == side || i == (side+1)%4) {
			x *= 1 - persp
			y *= 1 - persp
		}
		q[i][0] = cx + x*math.Cos(a) - y*math.Sin(a)
		q[i][1] = cy + x*math.Sin(a) + y*math.Cos(a)
	}
	return q
}

// place draws a code for text with the given module size (pixels), angle
// and perspective at a random spot; it returns the centre and side.
func (f *frame) place(r *rand.Rand, text string, module, a, persp float64, c *colours) (cx, cy, size float64) {
	bm := bitmap(text)
	size = module * float64(len(bm))
	diag := size * 0.75
	cx = diag + r.Float64()*math.Max(1, float64(f.w)-2*diag)
	cy = diag + r.Float64()*math.Max(1, float64(f.h)-2*diag)
	if diag*2 > float64(f.h) {
		cy = float64(f.h) / 2
	}
	f.draw(bm, quadFor(r, cx, cy, size, a, persp), c)
	return cx, cy, size
}

// placeMany draws one code per text, side by side, stacked or in a grid,
// each of its own size (module 2.5..6.5 pixels), close together without
// overlap.
func (f *frame) placeMany(r *rand.Rand, texts []string) {
	n := len(texts)
	cols := n
	switch {
	case n == 2 && r.IntN(3) == 0:
		cols = 1 // stacked
	case n == 3 && r.IntN(2) == 0:
		cols = 2
	case n == 4:
		cols = 2 + r.IntN(2)*2 // 2×2 or a row of four
	}
	rows := (n + cols - 1) / cols
	cw, ch := float64(f.w)/float64(cols), float64(f.h)/float64(rows)
	for i, t := range texts {
		bm := bitmap(t)
		maxSide := math.Min(cw, ch) * 0.66
		module := math.Min(mod(r, 2.5, 6.5), maxSide/float64(len(bm)))
		size := module * float64(len(bm))
		col, row := i%cols, i/cols
		slackX, slackY := cw-size*1.45, ch-size*1.45
		cx := float64(col)*cw + size*0.72 + r.Float64()*math.Max(0, slackX)
		cy := float64(row)*ch + size*0.72 + r.Float64()*math.Max(0, slackY)
		f.draw(bm, quadFor(r, cx, cy, size, angle(r, 0, 15), 0), nil)
	}
}

func bitmap(text string) [][]bool {
	q, err := qrcode.New(text, qrcode.Medium)
	if err != nil {
		panic(err)
	}
	return q.Bitmap() // includes the 4-module quiet zone
}

// draw renders bm (true = dark) onto quad with 3×3 supersampling.
func (f *frame) draw(bm [][]bool, quad [4][2]float64, c *colours) {
	dark, light := 20.0, 235.0
	if c != nil {
		dark, light = c.dark, c.light
	}
	n := float64(len(bm))
	inv := squareToQuad(quad).inverse()
	minX, minY, maxX, maxY := quad[0][0], quad[0][1], quad[0][0], quad[0][1]
	for _, p := range quad {
		minX, maxX = math.Min(minX, p[0]), math.Max(maxX, p[0])
		minY, maxY = math.Min(minY, p[1]), math.Max(maxY, p[1])
	}
	for y := max(0, int(minY)); y <= min(f.h-1, int(maxY)+1); y++ {
		for x := max(0, int(minX)); x <= min(f.w-1, int(maxX)+1); x++ {
			var sum float64
			hits := 0
			for sy := 0; sy < 3; sy++ {
				for sx := 0; sx < 3; sx++ {
					u, v := inv.apply(float64(x)+(float64(sx)+0.5)/3, float64(y)+(float64(sy)+0.5)/3)
					if u < 0 || v < 0 || u >= 1 || v >= 1 {
						continue
					}
					hits++
					if bm[int(v*n)][int(u*n)] {
						sum += dark
					} else {
						sum += light
					}
				}
			}
			if hits == 0 {
				continue
			}
			old := float64(f.p[y*f.w+x])
			f.p[y*f.w+x] = float32((sum + old*float64(9-hits)) / 9)
		}
	}
}

// blur applies a separable Gaussian blur of the given sigma.
func (f *frame) blur(sigma float64) {
	rad := int(math.Ceil(sigma * 3))
	k := make([]float32, 2*rad+1)
	var s float32
	for i := range k {
		d := float64(i - rad)
		k[i] = float32(math.Exp(-d * d / (2 * sigma * sigma)))
		s += k[i]
	}
	for i := range k {
		k[i] /= s
	}
	tmp := make([]float32, len(f.p))
	for y := 0; y < f.h; y++ {
		row := f.p[y*f.w : (y+1)*f.w]
		for x := 0; x < f.w; x++ {
			var acc float32
			for i, kv := range k {
				xx := min(max(x+i-rad, 0), f.w-1)
				acc += kv * row[xx]
			}
			tmp[y*f.w+x] = acc
		}
	}
	for y := 0; y < f.h; y++ {
		for x := 0; x < f.w; x++ {
			var acc float32
			for i, kv := range k {
				yy := min(max(y+i-rad, 0), f.h-1)
				acc += kv * tmp[yy*f.w+x]
			}
			f.p[y*f.w+x] = acc
		}
	}
}

// noise adds Gaussian noise of the given standard deviation.
func (f *frame) noise(r *rand.Rand, sd float64) {
	for i := range f.p {
		f.p[i] += float32(r.NormFloat64() * sd)
	}
}

// flatten squeezes the whole frame into [lo, hi].
func (f *frame) flatten(lo, hi float64) {
	for i, v := range f.p {
		f.p[i] = float32(lo + (hi-lo)*math.Min(math.Max(float64(v), 0), 255)/255)
	}
}

// glare adds a bright, saturating elliptical highlight over part of a code.
func (f *frame) glare(r *rand.Rand, cx, cy, size float64) {
	gx := cx + (r.Float64()-0.5)*size*0.6
	gy := cy + (r.Float64()-0.5)*size*0.6
	rx := size * (0.15 + 0.15*r.Float64())
	ry := rx * (0.5 + 0.8*r.Float64())
	peak := 140 + 80*r.Float64()
	for y := max(0, int(gy-3*ry)); y < min(f.h, int(gy+3*ry)); y++ {
		for x := max(0, int(gx-3*rx)); x < min(f.w, int(gx+3*rx)); x++ {
			dx, dy := (float64(x)-gx)/rx, (float64(y)-gy)/ry
			g := peak * math.Exp(-(dx*dx+dy*dy)/2)
			i := y*f.w + x
			// Glare lifts dark areas more than light ones (light saturates).
			v := float64(f.p[i])
			f.p[i] = float32(math.Min(255, v+g*(1-v/400)))
		}
	}
}

// screen simulates a phone screen photographed by the kiosk camera: a
// bright display with a pixel grid, lit unevenly, slightly out of focus and
// tilted, on a dark surround, with sensor noise and moiré.
func (f *frame) screen(r *rand.Rand, text string) {
	bm := bitmap(text)
	module := mod(r, 4, 6.5)
	size := module * float64(len(bm))
	cx := float64(f.w)/2 + (r.Float64()-0.5)*300
	cy := float64(f.h)/2 + (r.Float64()-0.5)*100
	a := angle(r, 0, 15)
	// The phone body and its lit screen.
	body := quadFor(r, cx, cy, size*1.5, a, 0)
	f.drawFlat(body, 15)
	f.draw(bm, quadFor(r, cx, cy, size, a, 0.08*r.Float64()), &colours{dark: 35, light: 225})
	// Pixel grid and moiré: periodic darkening along a slightly rotated axis.
	period := 2.5 + 1.5*r.Float64()
	ma := (r.Float64() - 0.5) * 0.3
	depth := 0.12 + 0.12*r.Float64()
	lx, ly := (r.Float64()-0.5)*0.6, (r.Float64()-0.5)*0.4
	for y := 0; y < f.h; y++ {
		for x := 0; x < f.w; x++ {
			i := y*f.w + x
			t := (float64(x)*math.Cos(ma) + float64(y)*math.Sin(ma)) / period
			m := 1 - depth*(0.5+0.5*math.Cos(2*math.Pi*t))
			light := 1 + lx*(float64(x)-cx)/float64(f.w) + ly*(float64(y)-cy)/float64(f.h)
			f.p[i] = float32(float64(f.p[i]) * m * light)
		}
	}
	f.blur(0.8 + 0.6*r.Float64())
	f.noise(r, 6)
}

func (f *frame) drawFlat(quad [4][2]float64, v float64) {
	inv := squareToQuad(quad).inverse()
	for y := 0; y < f.h; y++ {
		for x := 0; x < f.w; x++ {
			u, w := inv.apply(float64(x)+0.5, float64(y)+0.5)
			if u >= 0 && w >= 0 && u < 1 && w < 1 {
				f.p[y*f.w+x] = float32(v)
			}
		}
	}
}
