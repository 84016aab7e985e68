package idcard_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"hallkiosk/drivers/idcard"
	"hallkiosk/drivers/idcard/idcardsim"
	"hallkiosk/drivers/serialport"
	"hallkiosk/drivers/serialtest"
)

// reader is a simulated reader plugged in at a path.
type reader struct {
	pty    *serialtest.PTY
	sim    *idcardsim.Sim
	cancel context.CancelFunc
	done   chan struct{}
}

func plugReader(tb testing.TB, link string, baud int) *reader {
	tb.Helper()
	p, err := serialtest.OpenPTY()
	if err != nil {
		tb.Fatal(err)
	}
	r := &reader{pty: p, sim: idcardsim.New(baud), done: make(chan struct{})}
	var ctx context.Context
	ctx, r.cancel = context.WithCancel(context.Background())
	go func() { defer close(r.done); r.sim.Run(ctx, p.Master) }()
	tmp := link + ".new"
	os.Remove(tmp)
	if err := os.Symlink(p.SlavePath, tmp); err != nil {
		tb.Fatal(err)
	}
	if err := os.Rename(tmp, link); err != nil {
		tb.Fatal(err)
	}
	return r
}

func (r *reader) unplug(link string) {
	os.Remove(link)
	r.cancel()
	r.pty.Close()
	<-r.done
}

// TestWaitCardAcrossReplug: a kiosk waiting for a card through a
// serialport.Conn keeps waiting while the reader is unplugged and reads the
// card once the reader is plugged back at the same path.
func TestWaitCardAcrossReplug(t *testing.T) {
	link := filepath.Join(t.TempDir(), "idcard")
	r1 := plugReader(t, link, 0)
	conn := serialport.Dial(serialport.Spec{Path: link, Baud: 115200}, nil)
	defer conn.Close()
	dev, err := idcard.New(conn, &idcard.Opts{Poll: 20 * time.Millisecond, Timeout: 200 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	r1.sim.Place("resident1")
	if c, err := dev.WaitCard(ctx); err != nil || c.IDNumber != "620982199003070021" {
		t.Fatal(c, err)
	}
	r1.unplug(link)

	got := make(chan *idcard.Card, 1)
	go func() {
		c, err := dev.WaitCard(ctx)
		if err != nil {
			t.Error(err)
		}
		got <- c
	}()
	time.Sleep(700 * time.Millisecond) // away long enough for the backoff to grow
	if h := conn.Health(); h.Connected {
		t.Fatalf("connected while unplugged: %+v", h)
	}
	r2 := plugReader(t, link, 0)
	defer r2.unplug(link)
	t0 := time.Now()
	r2.sim.Place("hkmotw1")
	select {
	case c := <-got:
		if c == nil || c.PassNumber != "H12345678" {
			t.Fatalf("after replug: %v", c)
		}
		t.Logf("card read %v after replug", time.Since(t0))
	case <-time.After(10 * time.Second):
		t.Fatalf("no card after replug: %+v", conn.Health())
	}
	if h := conn.Health(); !h.Connected || h.Reconnects != 1 {
		t.Fatalf("health %+v", h)
	}
}

// BenchmarkReplugToCard measures the time from a reader reappearing at its
// path (after 1 s away) to a card read through serialport.Conn and
// WaitCard, at 115200 baud pacing; the bound is 3 s.
func BenchmarkReplugToCard(b *testing.B) {
	link := filepath.Join(b.TempDir(), "idcard")
	r := plugReader(b, link, 115200)
	conn := serialport.Dial(serialport.Spec{Path: link, Baud: 115200}, nil)
	defer conn.Close()
	dev, _ := idcard.New(conn, nil)
	ctx := context.Background()
	var total, worst time.Duration
	for b.Loop() {
		b.StopTimer()
		r.unplug(link)
		time.Sleep(time.Second)
		b.StartTimer()
		t0 := time.Now()
		r = plugReader(b, link, 115200)
		r.sim.Place("resident1")
		wctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		if _, err := dev.WaitCard(wctx); err != nil {
			b.Fatal(err)
		}
		cancel()
		d := time.Since(t0)
		total += d
		worst = max(worst, d)
	}
	r.unplug(link)
	b.ReportMetric(float64(total.Milliseconds())/float64(b.N), "replug-to-card-ms")
	b.ReportMetric(float64(worst.Milliseconds()), "worst-ms")
}
