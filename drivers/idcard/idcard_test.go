package idcard_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"hallkiosk/drivers/idcard"
	"hallkiosk/drivers/idcard/idcardsim"
	"hallkiosk/drivers/serialport"
	"hallkiosk/drivers/serialtest"
)

func TestCheckID(t *testing.T) {
	for _, tc := range []struct {
		id   string
		want error
	}{
		{"620982199003070021", nil},
		{"62098219601120003X", nil},
		{"62098219601120003x", nil},
		{"962724199203040025", nil},
		{"810000198508150016", nil},
		{"620982199003070025", idcard.ErrIDCheckDigit},
		{"62098219900307002", idcard.ErrIDLength},
		{"6209821990030700A1", idcard.ErrIDChar},
		{"990982199003070021", idcard.ErrIDCheckDigit}, // 9 prefix allowed, digit wrong
		{"000982199003070027", idcard.ErrIDDivision},
		{"620982199002300021", idcard.ErrIDBirth},
	} {
		err := idcard.CheckID(tc.id)
		if tc.want == nil && err != nil || tc.want != nil && !errors.Is(err, tc.want) {
			t.Errorf("CheckID(%s) = %v, want %v", tc.id, err, tc.want)
		}
	}
	// Division and birth date are checked with a correct check digit.
	for _, first := range []string{"00098219900307002", "62098219900230002"} {
		d, _ := idcard.CheckDigit(first)
		if err := idcard.CheckID(first + string(d)); err == nil || errors.Is(err, idcard.ErrIDCheckDigit) {
			t.Errorf("CheckID(%s%c) = %v, want division or birth error", first, d, err)
		}
	}
}

func TestNations(t *testing.T) {
	n := 0
	for i := 1; i <= 98; i++ {
		if _, ok := idcard.NationName(fmt.Sprintf("%02d", i)); ok {
			n++
		}
	}
	if n != 58 {
		t.Errorf("%d nation codes, want 56 + 97 + 98", n)
	}
	for code, want := range map[string]string{"01": "汉", "03": "回", "48": "裕固", "56": "基诺", "97": "其他", "98": "外国血统"} {
		if got, _ := idcard.NationName(code); got != want {
			t.Errorf("nation %s = %q, want %q", code, got, want)
		}
	}
	if _, ok := idcard.NationName("57"); ok {
		t.Error("nation 57 known")
	}
}

func TestTextRoundTrip(t *testing.T) {
	for _, name := range idcardsim.CardNames() {
		want := idcardsim.Cards[name]
		b, err := idcard.EncodeText(want)
		if err != nil {
			t.Fatal(name, err)
		}
		got, err := idcard.DecodeText(b)
		if err != nil {
			t.Fatal(name, err)
		}
		w := *want
		w.IDNumberValid = name != "badid1"
		gj, _ := json.Marshal(got.Summary(true))
		wj, _ := json.Marshal(w.Summary(true))
		if string(gj) != string(wj) || got.Authority != w.Authority ||
			got.CardVersion != w.CardVersion || got.NationCode != w.NationCode {
			t.Errorf("%s:\n got %+v\nwant %+v", name, got.Summary(true), w.Summary(true))
		}
	}
}

func TestSummaryFields(t *testing.T) {
	text, _ := idcard.EncodeText(idcardsim.Cards["resident2"])
	c, _ := idcard.DecodeText(text)
	b, _ := json.Marshal(c.Summary(true))
	want := `{"card_type":"resident","name":"马建国","sex":"male","nation":"回","birth":"1960-11-20","address":"甘肃省玉门市玉门镇建设路88号3单元201室","id_number":"62098219601120003X","id_number_valid":true,"authority":"玉门市公安局","valid_from":"2010-01-01","valid_to":"long-term"}`
	if string(b) != want {
		t.Errorf("got  %s\nwant %s", b, want)
	}
	text, _ = idcard.EncodeText(idcardsim.Cards["hkmotw1"])
	c, _ = idcard.DecodeText(text)
	b, _ = json.Marshal(c)
	want = `{"card_type":"hkmotw_permit","name":"陈**","sex":"male","birth":"1985-08-15","id_number":"8100**********0016","id_number_valid":true,"authority":"酒泉市公安局","valid_from":"2022-09-01","valid_to":"2027-09-01","pass_number":"H12345678","issue_count":1}`
	if string(b) != want {
		t.Errorf("got  %s\nwant %s", b, want)
	}
}

func TestCardNeverLeaks(t *testing.T) {
	c := *idcardsim.Cards["resident1"]
	c.Photo = idcardsim.PhotoBytes("resident1")
	var logbuf bytes.Buffer
	log := slog.New(slog.NewJSONHandler(&logbuf, nil))
	log.Info("card", "card", &c, "photo", c.Photo)
	js, _ := json.Marshal(&c)
	for _, out := range []string{c.String(), fmt.Sprintf("%v|%+v|%#v|%s", &c, &c, &c, &c), logbuf.String(), string(js), fmt.Sprintf("%x %v", c.Photo, c.Photo)} {
		for _, secret := range []string{"李玉梅", "620982199003070021", "人民路", fmt.Sprintf("%x", c.Photo[:8]), "WLf"} {
			if strings.Contains(out, secret) {
				t.Errorf("%q leaks %q", out, secret)
			}
		}
	}
	if !strings.Contains(logbuf.String(), "6209**********0021") {
		t.Errorf("log lacks masked id: %s", logbuf.String())
	}
}

func TestSplit(t *testing.T) {
	find := idcard.CmdFind.Request()
	if !bytes.Equal(find, []byte{0xAA, 0xAA, 0xAA, 0x96, 0x69, 0x00, 0x03, 0x20, 0x01, 0x22}) {
		t.Fatalf("find request % X", find)
	}
	if r := idcard.CmdSAMStatus.Request(); r[len(r)-1] != 0xED {
		t.Fatalf("status request % X", r)
	}
	findOK := []byte{0xAA, 0xAA, 0xAA, 0x96, 0x69, 0x00, 0x08, 0x00, 0x00, 0x9F, 0x00, 0x00, 0x00, 0x00, 0x97}
	in := append([]byte{0x01, 0xAA, 0xAA, 0x55}, findOK...)
	p, n, err := idcard.Split(in)
	if err != nil || n != len(in) || !bytes.Equal(p, findOK[7:14]) {
		t.Fatalf("split: % X %d %v", p, n, err)
	}
	bad := bytes.Clone(findOK)
	bad[14] ^= 1
	if _, n, err := idcard.Split(bad); !errors.Is(err, idcard.ErrChecksum) || n != 1 {
		t.Fatalf("bad checksum: %d %v", n, err)
	}
	huge := append(bytes.Clone(idcard.Preamble), 0xFF, 0xFF)
	if _, n, err := idcard.Split(huge); !errors.Is(err, idcard.ErrFrameLength) || n != 1 {
		t.Fatalf("huge: %d %v", n, err)
	}
	if _, n, err := idcard.Split(findOK[:10]); err == nil || n != 0 {
		t.Fatalf("partial: %d %v", n, err)
	}
}

func TestStatusErrors(t *testing.T) {
	var err error = &idcard.StatusError{Cmd: idcard.CmdFind, Status: idcard.StatusNoCard}
	err = fmt.Errorf("wrapped: %w", err)
	if !errors.Is(err, idcard.StatusNoCard) || errors.Is(err, idcard.StatusSelectFailed) {
		t.Fatal(err)
	}
	if got := err.Error(); got != "wrapped: idcard: find card: no card (sw3 80)" {
		t.Fatal(got)
	}
	var se *idcard.StatusError
	if !errors.As(err, &se) || se.Status != 0x80 {
		t.Fatal(se)
	}
}

// rig runs a simulated reader on a pty and opens the real serial port on it.
type rig struct {
	sim  *idcardsim.Sim
	port serialport.Port
	dev  *idcard.Dev
}

func newRig(tb testing.TB, baud int, opts *idcard.Opts) *rig {
	tb.Helper()
	p, err := serialtest.OpenPTY()
	if err != nil {
		tb.Fatal(err)
	}
	sim := idcardsim.New(baud)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); sim.Run(ctx, p.Master) }()
	port, err := serialport.Open(p.SlavePath, 115200)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		cancel()
		port.Close()
		p.Close()
		<-done
	})
	dev, err := idcard.New(port, opts)
	if err != nil {
		tb.Fatal(err)
	}
	return &rig{sim: sim, port: port, dev: dev}
}

func TestReadAllCardsOverPTY(t *testing.T) {
	r := newRig(t, 0, nil)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	id, err := r.dev.SAMID(ctx)
	if err != nil || id != "05.01-20240401-0000000620-0000012345" {
		t.Fatalf("sam id %q %v", id, err)
	}
	if err := r.dev.Find(ctx); !errors.Is(err, idcard.StatusNoCard) {
		t.Fatalf("find without card: %v", err)
	}
	for _, name := range idcardsim.CardNames() {
		r.sim.Place(name)
		c, err := r.dev.WaitCard(ctx)
		if err != nil {
			t.Fatal(name, err)
		}
		want := idcardsim.Cards[name]
		if c.IDNumber != want.IDNumber || c.Name != want.Name || c.Type != want.Type || c.IDNumberValid != (name != "badid1") {
			t.Errorf("%s: got %v valid %v", name, c, c.IDNumberValid)
		}
		if !bytes.Equal(c.Photo, idcardsim.PhotoBytes(name)) {
			t.Errorf("%s: photo differs", name)
		}
		// The card was read: the reader halts it until it is laid again.
		if err := r.dev.Find(ctx); !errors.Is(err, idcard.StatusNoCard) {
			t.Errorf("%s: find after read: %v", name, err)
		}
	}
}

func TestFaults(t *testing.T) {
	r := newRig(t, 0, &idcard.Opts{Timeout: 300 * time.Millisecond, Poll: 20 * time.Millisecond})
	ctx := context.Background()

	// Noise before and inside answers: the reader resynchronises.
	r.sim.SetMode(idcardsim.Noise)
	for range 5 {
		r.sim.Place("resident2")
		c, err := r.dev.ReadCard(ctx)
		if err != nil || c.IDNumber != "62098219601120003X" {
			t.Fatalf("noise: %v %v", c, err)
		}
	}
	if r.dev.Resyncs == 0 {
		t.Error("noise: no resync counted")
	}

	// One corrupted answer is retried.
	r.sim.SetMode(idcardsim.BadOnce)
	r.sim.Place("foreign2023")
	if c, err := r.dev.ReadCard(ctx); err != nil || c.NameEN != "GARCIA LOPEZ, MARIA FERNANDA DE LOS ANGELES" {
		t.Fatalf("bad once: %v %v", c, err)
	}

	// Always corrupted: a checksum error after the retries.
	r.sim.SetMode(idcardsim.BadChecksum)
	r.sim.Place("resident1")
	if _, err := r.dev.ReadCard(ctx); !errors.Is(err, idcard.ErrChecksum) {
		t.Fatalf("bad checksum: %v", err)
	}

	// A hung reader: timeout, then back in service.
	r.sim.SetMode(idcardsim.Silent)
	if err := r.dev.Find(ctx); !errors.Is(err, idcard.ErrTimeout) {
		t.Fatalf("silent: %v", err)
	}
	r.sim.SetMode(idcardsim.Slow)
	r.sim.SetSlowDelay(200 * time.Millisecond)
	r.sim.Place("hkmotw1")
	if c, err := r.dev.ReadCard(ctx); err != nil || c.PassNumber != "H12345678" {
		t.Fatalf("slow: %v %v", c, err)
	}

	// No card: WaitCard polls until the context ends.
	r.sim.SetMode(idcardsim.Normal)
	r.sim.Remove()
	wctx, cancel := context.WithTimeout(ctx, 150*time.Millisecond)
	defer cancel()
	if _, err := r.dev.WaitCard(wctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("no card: %v", err)
	}
	// A card laid while waiting is read.
	go func() { time.Sleep(50 * time.Millisecond); r.sim.Place("foreign2017") }()
	wctx, cancel = context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if c, err := r.dev.WaitCard(wctx); err != nil || c.IDNumber != "GBR628506150012" || !c.IDNumberValid {
		t.Fatalf("laid while waiting: %v %v", c, err)
	}
}

// BenchmarkCardRead measures the read command (30 01, a 1295-byte answer)
// over a pty with the simulator pacing bytes at 115200 baud, against the
// wire time of the exchange (10-byte request + 1295-byte answer).
func BenchmarkCardRead(b *testing.B) {
	r := newRig(b, 115200, nil)
	ctx := context.Background()
	wire := idcard.WireTime(10+1295, 115200)
	var total time.Duration
	for b.Loop() {
		b.StopTimer()
		r.sim.Place("resident1")
		if err := r.dev.Find(ctx); err != nil {
			b.Fatal(err)
		}
		if err := r.dev.Select(ctx); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		t0 := time.Now()
		if _, err := r.dev.Read(ctx); err != nil {
			b.Fatal(err)
		}
		total += time.Since(t0)
	}
	avg := total / time.Duration(b.N)
	b.ReportMetric(float64(avg.Microseconds())/1000, "read-ms")
	b.ReportMetric(float64(wire.Microseconds())/1000, "wire-ms")
	b.ReportMetric(float64(avg)/float64(wire), "x-wire")
}

// BenchmarkWaitCard measures a whole find/select/read with a card on the
// reader, paced at 115200 baud.
func BenchmarkWaitCard(b *testing.B) {
	r := newRig(b, 115200, nil)
	ctx := context.Background()
	wire := idcard.WireTime(10+15+10+19+10+1295, 115200)
	var total time.Duration
	for b.Loop() {
		b.StopTimer()
		r.sim.Place("resident1")
		b.StartTimer()
		t0 := time.Now()
		if _, err := r.dev.WaitCard(ctx); err != nil {
			b.Fatal(err)
		}
		total += time.Since(t0)
	}
	avg := total / time.Duration(b.N)
	b.ReportMetric(float64(avg.Microseconds())/1000, "card-ms")
	b.ReportMetric(float64(wire.Microseconds())/1000, "wire-ms")
	b.ReportMetric(float64(avg)/float64(wire), "x-wire")
}

func TestReadWithFingerprint(t *testing.T) {
	r := newRig(t, 0, nil)
	ctx := context.Background()
	for name, fpLen := range map[string]int{"resident1": 1024, "foreign2017": 0} {
		r.sim.Place(name)
		if err := r.dev.Find(ctx); err != nil {
			t.Fatal(err)
		}
		if err := r.dev.Select(ctx); err != nil {
			t.Fatal(err)
		}
		c, err := r.dev.ReadWithFingerprint(ctx)
		if err != nil || len(c.Fingerprint) != fpLen || len(c.Photo) != 1024 || c.IDNumber != idcardsim.Cards[name].IDNumber {
			t.Fatalf("%s: %v %v fp %d", name, c, err, len(c.Fingerprint))
		}
		if s := fmt.Sprintf("%v %#v", c.Fingerprint, c.Fingerprint); strings.Contains(s, "FP") || !strings.Contains(s, "bytes") {
			t.Errorf("fingerprint prints %q", s)
		}
	}
}

func TestExpired(t *testing.T) {
	day := func(s string) time.Time { d, _ := time.Parse("2006-01-02", s); return d }
	for _, tc := range []struct {
		card string
		now  string
		want bool
	}{
		{"expired1", "2025-12-31", false},
		{"expired1", "2026-01-01", false}, // the last valid day
		{"expired1", "2026-01-02", true},
		{"resident2", "2099-01-01", false}, // 长期
		{"resident1", "2026-11-25", false},
	} {
		if got := idcardsim.Cards[tc.card].Expired(day(tc.now)); got != tc.want {
			t.Errorf("%s on %s: expired %v", tc.card, tc.now, got)
		}
	}
}

// TestStatusWhileReading: a status probe from one goroutine (the kiosk's
// reader watch) and card reads from another take turns on the link: every
// command gets its own answer (without the turns the two share the receive
// buffer and take each other's answers).
func TestStatusWhileReading(t *testing.T) {
	r := newRig(t, 0, nil)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	errc := make(chan error, 1)
	go func() {
		for i := 0; i < 100; i++ {
			if err := r.dev.Status(ctx); err != nil {
				errc <- fmt.Errorf("status %d: %w", i, err)
				return
			}
		}
		errc <- nil
	}()
	for i := 0; i < 20; i++ {
		if err := r.sim.Place("resident1"); err != nil { // laid again: a read halts the card
			t.Fatal(err)
		}
		c, err := r.dev.ReadCard(ctx)
		if err != nil || c.IDNumber != idcardsim.Cards["resident1"].IDNumber {
			t.Fatalf("read %d: %v", i, err)
		}
	}
	if err := <-errc; err != nil {
		t.Fatal(err)
	}
}
