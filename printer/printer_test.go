package printer

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"hallkiosk/drivers/serialtest"
	"hallkiosk/printer/escpos"
	"hallkiosk/printer/printersim"
	"hallkiosk/printer/ticket"
)

var now = time.Date(2026, 11, 25, 9, 41, 0, 0, time.FixedZone("CST", 8*3600))

type rig struct {
	sim  *printersim.Sim
	pty  *serialtest.PTY
	stop func()
}

// startSim runs the printer simulator on a pty's master, as devsim does.
func startSim(t testing.TB, opts *printersim.Opts) *rig {
	t.Helper()
	p, err := serialtest.OpenPTY()
	if err != nil {
		t.Fatal(err)
	}
	sim := printersim.New(opts)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := sim.Run(ctx, p.Master); err != nil && ctx.Err() == nil {
			t.Logf("sim: %v", err)
		}
	}()
	var once sync.Once
	r := &rig{sim: sim, pty: p}
	r.stop = func() {
		once.Do(func() {
			cancel()
			<-done
			p.Close()
		})
	}
	t.Cleanup(r.stop)
	return r
}

func open(t testing.TB, r *rig, opts *Opts) *Printer {
	t.Helper()
	conn, err := OpenSerial(r.pty.SlavePath, 115200)
	if err != nil {
		t.Fatal(err)
	}
	if opts == nil {
		opts = &Opts{}
	}
	if opts.StatusTimeout == 0 {
		opts.StatusTimeout = time.Second // the test machine may be busy
	}
	p := New(conn, opts)
	t.Cleanup(func() { p.Close() })
	return p
}

func sampleTicket(t testing.TB) ticket.Ticket {
	tk, err := ticket.Sample(now)
	if err != nil {
		t.Fatal(err)
	}
	return tk
}

// waitJobs waits until the simulator has stored n jobs.
func waitJobs(t *testing.T, sim *printersim.Sim, n int) []printersim.Job {
	t.Helper()
	deadline := time.Now().Add(2 * time.Second)
	for {
		jobs := sim.Jobs()
		if len(jobs) >= n || time.Now().After(deadline) {
			return jobs
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestPrintTicketOverPTY(t *testing.T) {
	r := startSim(t, nil)
	var mu sync.Mutex
	var health []Health
	p := open(t, r, &Opts{OnHealth: func(h Health) { mu.Lock(); health = append(health, h); mu.Unlock() }})
	tk := sampleTicket(t)
	ctx := context.Background()
	if err := p.PrintTicket(ctx, "k03-1842", tk); err != nil {
		t.Fatal(err)
	}
	want, _ := tk.Encode(p.Profile())
	jobs := waitJobs(t, r.sim, 1)
	if len(jobs) != 1 || !bytes.Equal(jobs[0].Data, want) || jobs[0].Lost != 0 {
		t.Fatalf("sim jobs %+v", jobs)
	}
	// A double tap with the same key prints nothing more, also when both
	// taps arrive together.
	if err := p.PrintTicket(ctx, "k03-1842", tk); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make([]error, 3)
	for i := range errs {
		wg.Go(func() { errs[i] = p.PrintTicket(ctx, "k03-1843", tk) })
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	time.Sleep(50 * time.Millisecond)
	if jobs := r.sim.Jobs(); len(jobs) != 2 {
		t.Errorf("%d jobs printed, want 2 (one per key)", len(jobs))
	}
	mu.Lock()
	defer mu.Unlock()
	if len(health) != 1 || !health[0].Reachable || health[0].String() != "ok" {
		t.Errorf("health reports %v, want one ok", health)
	}
}

func TestPaperOutBeforeJob(t *testing.T) {
	r := startSim(t, nil)
	p := open(t, r, nil)
	r.sim.Set(func(s *printersim.State) { s.PaperOut = true })
	err := p.PrintTicket(context.Background(), "k1", sampleTicket(t))
	var je *JobError
	if !errors.As(err, &je) || !errors.Is(err, ErrPaperOut) || je.Stage != StageCheck || je.Printed() {
		t.Fatalf("err = %v", err)
	}
	if !strings.Contains(err.Error(), "paper out before printing") || !strings.Contains(err.Error(), "nothing printed") {
		t.Errorf("message %q", err)
	}
	if len(r.sim.Jobs()) != 0 {
		t.Error("sim printed a job")
	}
	// Paper loaded: the same key prints (the failed job was not recorded).
	r.sim.Set(func(s *printersim.State) { s.PaperOut = false })
	if err := p.PrintTicket(context.Background(), "k1", sampleTicket(t)); err != nil {
		t.Fatal(err)
	}
	if jobs := waitJobs(t, r.sim, 1); len(jobs) != 1 {
		t.Errorf("%d jobs", len(jobs))
	}
}

func TestCoverOpenAndCutter(t *testing.T) {
	r := startSim(t, nil)
	p := open(t, r, nil)
	for _, c := range []struct {
		set  func(*printersim.State)
		want error
	}{
		{func(s *printersim.State) { *s = printersim.State{CoverOpen: true} }, ErrCoverOpen},
		{func(s *printersim.State) { *s = printersim.State{CutterError: true} }, ErrCutter},
		{func(s *printersim.State) { *s = printersim.State{Offline: true} }, ErrOffline},
	} {
		r.sim.Set(c.set)
		if err := p.PrintTicket(context.Background(), "k", sampleTicket(t)); !errors.Is(err, c.want) {
			t.Errorf("err = %v, want %v", err, c.want)
		}
	}
}

// midJob sends a ticket slowly (the simulator consumes at 9600 baud, ~0.6
// s for a ticket) and changes the printer's state 150 ms in.
func midJob(t *testing.T, change func(r *rig)) (*rig, error) {
	t.Helper()
	r := startSim(t, &printersim.Opts{Baud: 9600})
	// A pty's drain does not wait for the far end, so the confirming poll
	// queues behind the rest of the ticket: allow for its wire time.
	p := open(t, r, &Opts{StatusTimeout: time.Second})
	go func() {
		time.Sleep(150 * time.Millisecond)
		change(r)
	}()
	return r, p.PrintTicket(context.Background(), "k-mid", sampleTicket(t))
}

func TestPaperOutMidJob(t *testing.T) {
	r, err := midJob(t, func(r *rig) { r.sim.Set(func(s *printersim.State) { s.PaperOut = true }) })
	var je *JobError
	if !errors.As(err, &je) || !errors.Is(err, ErrPaperOut) || je.Stage != StageConfirm || !je.Printed() {
		t.Fatalf("err = %v", err)
	}
	t.Logf("error seen by the kiosk: %v", err)
	if jobs := waitJobs(t, r.sim, 1); len(jobs) != 1 || jobs[0].Lost == 0 {
		t.Errorf("sim jobs %+v: want one partial job", jobs)
	}
}

func TestPrinterUnpluggedMidJob(t *testing.T) {
	_, err := midJob(t, func(r *rig) { r.sim.Set(func(s *printersim.State) { s.Unplugged = true }) })
	var je *JobError
	if !errors.As(err, &je) || !errors.Is(err, ErrNoReply) || je.Stage != StageConfirm {
		t.Fatalf("err = %v", err)
	}
	t.Logf("error seen by the kiosk: %v", err)
}

func TestPrinterVanishesMidJob(t *testing.T) {
	// The device side disappears entirely (its end of the link closes).
	_, err := midJob(t, func(r *rig) { r.stop() })
	var je *JobError
	if !errors.As(err, &je) || je.Stage == StageCheck {
		t.Fatalf("err = %v", err)
	}
	if !errors.Is(err, ErrNoReply) && !strings.Contains(err.Error(), "write") {
		t.Errorf("unclear error %q", err)
	}
	t.Logf("error seen by the kiosk: %v", err)
}

// TestPrintedReply uses a profile whose printer confirms printing (GS r 1
// answered in order): success waits for it, and paper running out while
// the ticket prints ends the wait early with the cause.
func TestPrintedReply(t *testing.T) {
	prof := escpos.Profiles["kiosk-80"]
	r := startSim(t, &printersim.Opts{Baud: 9600})
	p := open(t, r, &Opts{Profile: prof, StatusTimeout: time.Second})
	tk := sampleTicket(t)
	data, _ := tk.Encode(prof)
	if err := p.PrintTicket(context.Background(), "r1", tk); err != nil {
		t.Fatal(err)
	}
	// GS r 1 is a query, not part of the printed job.
	if jobs := waitJobs(t, r.sim, 1); len(jobs) != 1 || !bytes.Equal(jobs[0].Data, data) {
		t.Fatalf("jobs %+v", jobs)
	}
	go func() {
		time.Sleep(150 * time.Millisecond)
		r.sim.Set(func(s *printersim.State) { s.PaperOut = true })
	}()
	err := p.PrintTicket(context.Background(), "r2", tk)
	var je *JobError
	if !errors.As(err, &je) || !errors.Is(err, ErrPaperOut) || je.Stage != StageConfirm {
		t.Fatalf("err = %v", err)
	}
	if !strings.Contains(err.Error(), "while printing") {
		t.Errorf("message %q", err)
	}
	t.Logf("error seen by the kiosk: %v", err)
}

// TestPaperOutWhilePrinting: the printer has received the whole ticket
// and answers status at once, but runs out of paper while the mechanism is
// still printing. Only the printed-reply confirmation notices.
func TestPaperOutWhilePrinting(t *testing.T) {
	for _, name := range []string{"kiosk-80", "80mm"} {
		t.Run(name, func(t *testing.T) {
			r := startSim(t, &printersim.Opts{PrintTime: 700 * time.Millisecond})
			p := open(t, r, &Opts{Profile: escpos.Profiles[name]})
			go func() {
				time.Sleep(300 * time.Millisecond)
				r.sim.Set(func(s *printersim.State) { s.PaperOut = true })
			}()
			start := time.Now()
			err := p.PrintTicket(context.Background(), "w1", sampleTicket(t))
			if name == "80mm" {
				// A status poll alone cannot see it: documented limitation
				// of printers without PrintedReply.
				t.Logf("status-poll confirmation after %v: %v", time.Since(start), err)
				return
			}
			var je *JobError
			if !errors.As(err, &je) || !errors.Is(err, ErrPaperOut) || je.Stage != StageConfirm {
				t.Fatalf("err = %v", err)
			}
			t.Logf("error seen by the kiosk after %v: %v", time.Since(start), err)
		})
	}
}

func TestHealthReports(t *testing.T) {
	r := startSim(t, nil)
	got := make(chan Health, 10)
	p := open(t, r, &Opts{OnHealth: func(h Health) { got <- h }})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- p.Run(ctx, 20*time.Millisecond) }()
	next := func() Health {
		select {
		case h := <-got:
			return h
		case <-time.After(2 * time.Second):
			t.Fatal("no health report")
		}
		return Health{}
	}
	if h := next(); h.String() != "ok" {
		t.Errorf("first report %v", h)
	}
	r.sim.Set(func(s *printersim.State) { s.PaperNearEnd = true })
	if h := next(); !h.Status.PaperNearEnd || !h.Status.Ready() {
		t.Errorf("near end report %v", h)
	}
	// Paper near end still prints.
	if err := p.PrintTicket(context.Background(), "k", sampleTicket(t)); err != nil {
		t.Fatal(err)
	}
	r.sim.Set(func(s *printersim.State) { s.Unplugged = true })
	if h := next(); h.Reachable {
		t.Errorf("unplugged report %v", h)
	}
	cancel()
	if err := <-done; err != nil {
		t.Error(err)
	}
}

func TestStatus(t *testing.T) {
	r := startSim(t, nil)
	p := open(t, r, nil)
	r.sim.Set(func(s *printersim.State) { s.CutterError = true })
	st, err := p.Status(context.Background())
	if err != nil || !st.CutterError || st.Ready() {
		t.Fatalf("status %v err %v", st, err)
	}
}

func TestEmptyKey(t *testing.T) {
	r := startSim(t, nil)
	p := open(t, r, nil)
	if err := p.Print(context.Background(), "", []byte("x")); err == nil {
		t.Fatal("no error")
	}
}

func TestLayoutErrorNamesJob(t *testing.T) {
	r := startSim(t, nil)
	p := open(t, r, nil)
	err := p.PrintLayout(context.Background(), "k9", ticket.EvaluationReceipt{})
	if err == nil || !strings.Contains(err.Error(), "job k9") {
		t.Fatalf("err = %v", err)
	}
}

// BenchmarkTicketWire115200 prints the sample ticket over a pty to the
// simulator, which consumes bytes no faster than a 115200 baud line. It
// reports the ticket's computed wire time (10 bits per byte) and the job's
// time beyond it (status polls, drain, confirmation): overhead-ms. The
// 80mm profile confirms with a status poll; kiosk-80 also waits for the
// printer's GS r 1 answer.
func BenchmarkTicketWire115200(b *testing.B) {
	for _, name := range []string{"80mm", "kiosk-80"} {
		b.Run(name, func(b *testing.B) {
			r := startSim(b, &printersim.Opts{Baud: 115200})
			p := open(b, r, &Opts{Profile: escpos.Profiles[name]})
			tk := sampleTicket(b)
			data, _ := tk.Encode(p.Profile())
			wire := time.Duration(len(data)) * 10 * time.Second / 115200
			i := 0
			start := time.Now()
			for b.Loop() {
				i++
				if err := p.Print(context.Background(), fmt.Sprint("bench-", i), data); err != nil {
					b.Fatal(err)
				}
			}
			per := time.Since(start) / time.Duration(i)
			b.ReportMetric(float64(len(data)), "bytes/ticket")
			b.ReportMetric(float64(wire.Microseconds())/1000, "wire-ms")
			b.ReportMetric(float64((per-wire).Microseconds())/1000, "overhead-ms")
		})
	}
}
