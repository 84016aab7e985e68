package qrdecode_test

import (
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"runtime"
	"sort"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	qrcode "github.com/skip2/go-qrcode"

	"hallkiosk/drivers/qrdecode"
	"hallkiosk/drivers/qrdecode/qrcorpus"
)

func texts(cs []qrdecode.Code) []string {
	var t []string
	for _, c := range cs {
		t = append(t, c.Text)
	}
	sort.Strings(t)
	return t
}

// TestCorpus decodes a few generated frames of every category and checks
// that every code is read with the right text.
func TestCorpus(t *testing.T) {
	n := 2
	if testing.Short() {
		n = 1
	}
	d := qrdecode.New(&qrdecode.Opts{MaxPixels: 1 << 24})
	for ci, cat := range qrcorpus.Categories {
		for i := 0; i < n; i++ {
			s := qrcorpus.GenerateOne(7, cat, i, ci)
			t.Run(s.Name, func(t *testing.T) {
				codes, err := d.Decode(s.Img)
				if err != nil {
					t.Fatal(err)
				}
				want := append([]string(nil), s.Texts...)
				sort.Strings(want)
				if fmt.Sprint(texts(codes)) != fmt.Sprint(want) {
					t.Errorf("got %q, want %q", texts(codes), want)
				}
				for _, c := range codes {
					if len(c.Points) < 3 {
						t.Errorf("%q: %d points", c.Text, len(c.Points))
					}
				}
			})
		}
	}
}

func TestInvertedNeedsInvertPass(t *testing.T) {
	q, _ := qrcode.New("INVERTED-123", qrcode.Medium)
	q.ForegroundColor, q.BackgroundColor = color.White, color.Black
	img := qrdecode.Gray(q.Image(300))
	codes, err := qrdecode.New(nil).Decode(img)
	if err != nil || len(codes) != 1 || codes[0].Text != "INVERTED-123" || codes[0].Pass != "inverted" {
		t.Fatalf("codes %+v err %v", codes, err)
	}
}

func TestNothingAndLimits(t *testing.T) {
	d := qrdecode.New(nil)
	blank := image.NewGray(image.Rect(0, 0, 640, 480))
	draw.Draw(blank, blank.Rect, image.NewUniform(color.Gray{200}), image.Point{}, draw.Src)
	if codes, err := d.Decode(blank); err != nil || len(codes) != 0 {
		t.Fatalf("blank: %v %v", codes, err)
	}
	if codes, err := d.Decode(image.NewGray(image.Rect(0, 0, 5, 5))); err != nil || codes != nil {
		t.Fatalf("tiny: %v %v", codes, err)
	}
	small := qrdecode.New(&qrdecode.Opts{MaxPixels: 100})
	if _, err := small.Decode(blank); err != qrdecode.ErrTooLarge {
		t.Fatalf("large: %v", err)
	}
}

func TestGraySubImage(t *testing.T) {
	q, _ := qrcode.New("SUB", qrcode.Medium)
	full := image.NewRGBA(image.Rect(0, 0, 600, 400))
	draw.Draw(full, full.Rect, image.White, image.Point{}, draw.Src)
	draw.Draw(full, image.Rect(300, 100, 556, 356), q.Image(256), image.Point{}, draw.Src)
	sub := full.SubImage(image.Rect(250, 50, 600, 400))
	codes, err := qrdecode.New(nil).Decode(qrdecode.Gray(sub))
	if err != nil || len(codes) != 1 || codes[0].Text != "SUB" {
		t.Fatalf("codes %+v err %v", codes, err)
	}
	// Points are in the sub-image's frame: the code sits at 50..306.
	for _, p := range codes[0].Points {
		if p.X < 40 || p.X > 320 || p.Y < 40 || p.Y > 320 {
			t.Errorf("point %v outside the code", p)
		}
	}
}

func TestDedup(t *testing.T) {
	now := time.Unix(1000, 0)
	d := qrdecode.NewDedup(3 * time.Second)
	d.Now = func() time.Time { return now }
	step := func(dt time.Duration, text string, want bool) {
		t.Helper()
		now = now.Add(dt)
		if got := d.Fresh(text); got != want {
			t.Errorf("at +%v %q: fresh %v, want %v", now.Sub(time.Unix(1000, 0)), text, got, want)
		}
	}
	step(0, "A", true)
	step(time.Second, "A", false)
	step(0, "B", true)
	step(2*time.Second, "A", false) // still in view: window extended
	step(4*time.Second, "A", true)  // gone for longer than the window
	out := d.Filter([]qrdecode.Code{{Text: "A"}, {Text: "C"}})
	if len(out) != 1 || out[0].Text != "C" {
		t.Errorf("filter: %+v", out)
	}
}

// BenchmarkDecode1280x720 decodes generated 1280×720 frames of every
// category (the corpus of scripts/bench-qr.sh, 5 frames each; an op is all
// 55) and reports the median and p90 time per frame. Run with -cpu 1 (and
// GOMAXPROCS=1) for the one-core figure.
func BenchmarkDecode1280x720(b *testing.B) {
	var frames []*image.Gray
	for ci, cat := range qrcorpus.Categories {
		for i := 0; i < 5; i++ {
			frames = append(frames, qrcorpus.GenerateOne(20261125, cat, i, ci).Img)
		}
	}
	benchFrames(b, frames)
}

// BenchmarkDecodeNominal1280x720 is the common case: one printed code
// among print (8 frames an op).
func BenchmarkDecodeNominal1280x720(b *testing.B) {
	var frames []*image.Gray
	for i := 0; i < 8; i++ {
		frames = append(frames, qrcorpus.GenerateOne(20261125, "nominal", i, 0).Img)
	}
	benchFrames(b, frames)
}

// BenchmarkDecodeEmpty1280x720 is a frame without a code (print on the
// counter; 4 frames an op): every pass runs, up to the budget. The camera
// loop sees such frames most of the time.
func BenchmarkDecodeEmpty1280x720(b *testing.B) {
	var frames []*image.Gray
	for i := 0; i < 4; i++ {
		frames = append(frames, qrcorpus.GenerateOne(20261125, qrcorpus.Empty, i, 99).Img)
	}
	benchFrames(b, frames)
}

// benchFrames decodes every frame once per iteration (an op is the whole
// set, so that any benchtime covers every frame alike) and reports the
// median and p90 per frame, wall and CPU time of the decoding thread.
func benchFrames(b *testing.B, frames []*image.Gray) {
	d := qrdecode.New(nil)
	var times, cpu []time.Duration
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		for _, f := range frames {
			c0 := threadCPU()
			t0 := time.Now()
			if _, err := d.Decode(f); err != nil {
				b.Fatal(err)
			}
			times = append(times, time.Since(t0))
			cpu = append(cpu, threadCPU()-c0)
		}
	}
	q := func(v []time.Duration, p int) float64 {
		v = append([]time.Duration(nil), v...)
		sort.Slice(v, func(i, j int) bool { return v[i] < v[j] })
		return float64(v[min(len(v)-1, len(v)*p/100)].Microseconds()) / 1000
	}
	b.ReportMetric(q(times, 50), "median-ms")
	b.ReportMetric(q(times, 90), "p90-ms")
	b.ReportMetric(q(cpu, 50), "median-cpu-ms")
	b.ReportMetric(q(cpu, 90), "p90-cpu-ms")
}

// threadCPU is the CPU time of the calling (locked) thread.
func threadCPU() time.Duration {
	var ru unix.Rusage
	unix.Getrusage(unix.RUSAGE_THREAD, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func ExampleDecoder_Decode() {
	q, _ := qrcode.New("91620981MA7XYZ1234", qrcode.Medium)
	frame := qrdecode.Gray(q.Image(256))
	codes, _ := qrdecode.New(nil).Decode(frame)
	for _, c := range codes {
		fmt.Println(c.Text)
	}
	// Output: 91620981MA7XYZ1234
}

// FuzzDecode feeds arbitrary grey frames (and codes drawn into them) to the
// decoder: it must not panic, and any text it reports must be non-empty.
func FuzzDecode(f *testing.F) {
	q, _ := qrcode.New("HK1.seed", qrcode.Low)
	img := qrdecode.Gray(q.Image(64))
	f.Add(img.Pix, 64)
	f.Add([]byte{0, 255, 0, 255}, 2)
	f.Fuzz(func(t *testing.T, pix []byte, w int) {
		if w <= 0 || w > 512 || len(pix) < w || len(pix) > 256*1024 {
			return
		}
		h := len(pix) / w
		g := &image.Gray{Pix: pix[:w*h], Stride: w, Rect: image.Rect(0, 0, w, h)}
		codes, err := qrdecode.New(&qrdecode.Opts{Budget: time.Second, MaxPixels: 1 << 20}).Decode(g)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range codes {
			if c.Text == "" {
				t.Fatal("empty text reported")
			}
		}
	})
}

// canvas returns a grey 1280×720 frame with codes drawn at the given
// places (top-left corner, side in pixels).
func canvas(t *testing.T, codes []placed) *image.Gray {
	t.Helper()
	g := image.NewGray(image.Rect(0, 0, 1280, 720))
	draw.Draw(g, g.Rect, image.NewUniform(color.Gray{190}), image.Point{}, draw.Src)
	for _, c := range codes {
		q, err := qrcode.New(c.text, qrcode.Medium)
		if err != nil {
			t.Fatal(err)
		}
		img := q.Image(c.side)
		draw.Draw(g, image.Rect(c.x, c.y, c.x+c.side, c.y+c.side), img, image.Point{}, draw.Src)
	}
	return g
}

type placed struct {
	text       string
	x, y, side int
}

// TestSeveralCodesReadingOrder: two to four codes of different sizes, side
// by side, stacked or in a grid, each reported once, in reading order.
func TestSeveralCodesReadingOrder(t *testing.T) {
	for _, c := range []struct {
		name  string
		codes []placed
		want  []string
	}{
		{"side by side", []placed{{"RIGHT-2", 700, 180, 300}, {"LEFT-1", 80, 200, 420}}, []string{"LEFT-1", "RIGHT-2"}},
		{"stacked", []placed{{"BOTTOM-2", 500, 380, 300}, {"TOP-1", 520, 30, 330}}, []string{"TOP-1", "BOTTOM-2"}},
		{"three in a row", []placed{{"C-3", 900, 250, 260}, {"A-1", 40, 200, 380}, {"B-2", 480, 260, 300}}, []string{"A-1", "B-2", "C-3"}},
		{"grid of four", []placed{
			{"https://hall.example.cn/q?c=4", 700, 380, 320}, {"91620981MA72XXKL4F", 80, 20, 330},
			{"A101", 150, 420, 260}, {"甘(2023)玉门市不动产权第0001234号", 700, 10, 350}},
			[]string{"91620981MA72XXKL4F", "甘(2023)玉门市不动产权第0001234号", "A101", "https://hall.example.cn/q?c=4"}},
		{"same code twice", []placed{{"TWICE", 100, 200, 300}, {"TWICE", 700, 200, 300}}, []string{"TWICE"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			codes, err := qrdecode.New(nil).Decode(canvas(t, c.codes))
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, code := range codes {
				got = append(got, code.Text)
			}
			if fmt.Sprint(got) != fmt.Sprint(c.want) {
				t.Errorf("got %q, want %q", got, c.want)
			}
		})
	}
}

// TestCleanCodeOnePass: a clean code among printed text is read by the
// first pass alone, with no region looked at again; the corpus's several
// frames need no whole-frame pass beyond the first either.
func TestCleanCodeOnePass(t *testing.T) {
	d := qrdecode.New(nil)
	for _, cat := range []string{"nominal", "several"} {
		ci := 0
		for i, c := range qrcorpus.Categories {
			if c == cat {
				ci = i
			}
		}
		for i := 0; i < 4; i++ {
			s := qrcorpus.GenerateOne(20261125, cat, i, ci)
			var st qrdecode.Stats
			d.SetStats(&st)
			codes, err := d.Decode(s.Img)
			if err != nil {
				t.Fatal(err)
			}
			if len(codes) != len(s.Texts) {
				t.Errorf("%s: %d codes, want %d", s.Name, len(codes), len(s.Texts))
			}
			if st.Frames != 1 || len(st.Passes) != 1 || st.Passes["hybrid"] != 1 {
				t.Errorf("%s: passes %v", s.Name, st.Passes)
			}
			if cat == "nominal" && len(st.Regions) != 0 {
				t.Errorf("%s: regions %v", s.Name, st.Regions)
			}
		}
	}
	d.SetStats(nil)
}

// TestEmptyFrameBudget: a frame without a code runs the whole-frame
// passes, and a budget stops them early.
func TestEmptyFrameBudget(t *testing.T) {
	s := qrcorpus.GenerateOne(20261125, qrcorpus.Empty, 0, 99)
	d := qrdecode.New(nil)
	var st qrdecode.Stats
	d.SetStats(&st)
	if codes, err := d.Decode(s.Img); err != nil || len(codes) != 0 {
		t.Fatalf("%v %v", codes, err)
	}
	all := 0
	for _, n := range st.Passes {
		all += n
	}
	tight := qrdecode.New(&qrdecode.Opts{Budget: time.Nanosecond, MaxPixels: 1 << 24})
	var st2 qrdecode.Stats
	tight.SetStats(&st2)
	tight.Decode(s.Img)
	few := 0
	for _, n := range st2.Passes {
		few += n
	}
	if all < 5 || few != 1 {
		t.Errorf("passes: %d with the default budget (%v), %d with 1 ns (%v)", all, st.Passes, few, st2.Passes)
	}
}
