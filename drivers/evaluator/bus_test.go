package evaluator_test

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"hallkiosk/drivers/evaluator"
	"hallkiosk/drivers/evaluator/evaluatorsim"
	"hallkiosk/drivers/serialport"
	"hallkiosk/drivers/serialtest"
)

type logBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *logBuf) Write(p []byte) (int, error) { l.mu.Lock(); defer l.mu.Unlock(); return l.b.Write(p) }
func (l *logBuf) String() string              { l.mu.Lock(); defer l.mu.Unlock(); return l.b.String() }

// startBus runs a Bus on port until the test ends.
func startBus(t *testing.T, port serialport.Port, opts *evaluator.BusOpts) *evaluator.Bus {
	t.Helper()
	b, err := evaluator.NewBus(port, opts)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- b.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("run: %v", err)
		}
	})
	return b
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); !cond(); time.Sleep(2 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
	}
}

func padState(sim *evaluatorsim.Sim, addr byte) evaluatorsim.Pad {
	for _, p := range sim.Pads() {
		if p.Addr == addr {
			return p
		}
	}
	return evaluatorsim.Pad{}
}

func prompting(sim *evaluatorsim.Sim, addr byte) func() bool {
	return func() bool { p := padState(sim, addr); return p.Prompting && p.Pressed == 0 }
}

func nextResult(t *testing.T, b *evaluator.Bus) evaluator.Result {
	t.Helper()
	select {
	case r := <-b.Results():
		return r
	case <-time.After(5 * time.Second):
		t.Fatal("no result")
	}
	return evaluator.Result{}
}

func noResult(t *testing.T, b *evaluator.Bus, d time.Duration) {
	t.Helper()
	select {
	case r := <-b.Results():
		t.Fatalf("unexpected result %+v", r)
	case <-time.After(d):
	}
}

// TestBusPads: three pads and one dead address on one pty bus. Each press
// comes back with its pad's ticket; the dead pad is logged once and does
// not stop the others; the pads say thanks and go dark.
func TestBusPads(t *testing.T) {
	sim, port := busRig(t, 1, 2, 3)
	var logs logBuf
	b := startBus(t, port, &evaluator.BusOpts{Poll: 10 * time.Millisecond, Timeout: 50 * time.Millisecond,
		RetryMin: 100 * time.Millisecond, RetryMax: 200 * time.Millisecond,
		Log: slog.New(slog.NewTextHandler(&logs, nil))})
	if err := b.Rate(0, "X", 0); err == nil {
		t.Fatal("address 0 accepted")
	}
	for _, j := range []struct {
		addr   byte
		ticket string
	}{{9, "D001"}, {1, "A001"}, {2, "B001"}, {3, "C001"}} {
		if err := b.Rate(j.addr, j.ticket, 0); err != nil {
			t.Fatal(err)
		}
	}
	for _, a := range []byte{1, 2, 3} {
		waitFor(t, "prompt", prompting(sim, a))
	}
	if p := padState(sim, 2); p.Text != evaluator.DefaultPrompt {
		t.Fatalf("pad 2 shows %q", p.Text)
	}
	got := map[string]evaluator.Rating{}
	for _, k := range []struct {
		addr byte
		key  int
	}{{3, 5}, {1, 1}, {2, 3}} {
		if err := sim.Press(k.addr, k.key); err != nil {
			t.Fatal(err)
		}
		r := nextResult(t, b)
		got[r.TicketID] = r.Rating
		if r.Addr != k.addr || int(r.Rating) != k.key || r.Label != r.Rating.String() {
			t.Fatalf("press %d on pad %d: %+v", k.key, k.addr, r)
		}
	}
	want := map[string]evaluator.Rating{"A001": evaluator.VerySatisfied, "B001": evaluator.FairlySatisfied, "C001": evaluator.VeryDissatisfied}
	for k, v := range want {
		if got[k] != v {
			t.Fatalf("ratings %v, want %v", got, want)
		}
	}
	for _, a := range []byte{1, 2, 3} {
		waitFor(t, "thanks", func() bool { p := padState(sim, a); return !p.Prompting && p.Text == "谢谢" })
	}
	// The dead pad is retried (its prompt stands) but logged only once.
	time.Sleep(500 * time.Millisecond)
	if n := strings.Count(logs.String(), "pad not answering"); n != 1 {
		t.Fatalf("dead pad logged %d times:\n%s", n, logs.String())
	}
	st := b.Pads()
	if len(st) != 4 || st[3].Addr != 9 || st[3].Answering || st[3].TicketID != "D001" || st[0].TicketID != "" || !st[0].Answering {
		t.Fatalf("pads: %+v", st)
	}
}

// TestBusReplace: a new prompt on a pad replaces the old one; a key
// pressed before the new prompt counts for the old ticket, one pressed
// after it for the new ticket.
func TestBusReplace(t *testing.T) {
	sim, port := busRig(t, 1)
	// A long poll interval: the press below sits on the pad until the
	// replacing Rate arrives.
	b := startBus(t, port, &evaluator.BusOpts{Poll: 300 * time.Millisecond})
	b.Rate(1, "A001", 0)
	waitFor(t, "first prompt", prompting(sim, 1))
	if err := sim.Press(1, 4); err != nil {
		t.Fatal(err)
	}
	b.Rate(1, "A002", 0)
	if r := nextResult(t, b); r.TicketID != "A001" || r.Rating != evaluator.Dissatisfied {
		t.Fatalf("pressed before the new prompt: %+v", r)
	}
	waitFor(t, "second prompt", prompting(sim, 1))
	if st := b.Pads(); st[0].TicketID != "A002" {
		t.Fatalf("%+v", st)
	}
	sim.Press(1, 2)
	if r := nextResult(t, b); r.TicketID != "A002" || r.Rating != evaluator.Satisfied {
		t.Fatalf("pressed after the new prompt: %+v", r)
	}

	// Replaced before anyone pressed: only the new ticket is rated.
	b.Rate(1, "A003", 0)
	waitFor(t, "third prompt", prompting(sim, 1))
	b.Rate(1, "A004", 0)
	waitFor(t, "fourth prompt", func() bool { return b.Pads()[0].Shown && b.Pads()[0].TicketID == "A004" })
	sim.Press(1, 1)
	if r := nextResult(t, b); r.TicketID != "A004" {
		t.Fatalf("%+v", r)
	}
}

// TestBusTimeoutAndCancel: an unanswered prompt ends after its timeout
// (the pad thanks and goes dark, nothing is reported); Cancel ends one at
// once and a later press is not taken.
func TestBusTimeoutAndCancel(t *testing.T) {
	sim, port := busRig(t, 1, 2)
	b := startBus(t, port, &evaluator.BusOpts{Poll: 10 * time.Millisecond})
	b.Rate(1, "A001", 150*time.Millisecond)
	waitFor(t, "prompt", prompting(sim, 1))
	waitFor(t, "timeout", func() bool { p := padState(sim, 1); return !p.Prompting && p.Text == "谢谢" })
	if err := sim.Press(1, 1); err == nil {
		t.Fatal("pad still lit after its timeout")
	}
	b.Rate(2, "B001", 0)
	waitFor(t, "prompt 2", prompting(sim, 2))
	b.Cancel(2)
	waitFor(t, "cancel", func() bool { p := padState(sim, 2); return !p.Prompting && p.Text == "" })
	noResult(t, b, 100*time.Millisecond)
	if st := b.Pads(); st[0].TicketID != "" || st[1].TicketID != "" {
		t.Fatalf("%+v", st)
	}
}

// TestBusNoisy: lost requests are retried on later rounds.
func TestBusNoisy(t *testing.T) {
	sim, port := busRig(t, 4)
	b := startBus(t, port, &evaluator.BusOpts{Poll: 10 * time.Millisecond, Timeout: 50 * time.Millisecond, Misses: 5})
	sim.DropNext(3)
	b.Rate(4, "E001", 0)
	waitFor(t, "prompt", prompting(sim, 4))
	sim.Press(4, 2)
	sim.DropNext(2)
	if r := nextResult(t, b); r.TicketID != "E001" || r.Rating != evaluator.Satisfied {
		t.Fatalf("%+v", r)
	}
}

// TestBusReplug: the USB adapter is unplugged while a pad prompts and
// plugged back (a new pty at the same path): the reconnecting port comes
// back and the prompt goes on.
func TestBusReplug(t *testing.T) {
	if testing.Short() {
		t.Skip("replug takes about a second")
	}
	link := filepath.Join(t.TempDir(), "evaluator")
	sim := evaluatorsim.New(1, 2)
	plug := func() func() {
		p, err := serialtest.OpenPTY()
		if err != nil {
			t.Fatal(err)
		}
		os.Remove(link)
		if err := os.Symlink(p.SlavePath, link); err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() { defer close(done); sim.Run(ctx, p.Master) }()
		return func() { cancel(); p.Close(); os.Remove(link); <-done }
	}
	unplug := plug()
	c := serialport.Dial(serialport.Spec{Path: link, Baud: 9600}, &serialport.ConnOpts{Check: 50 * time.Millisecond})
	defer c.Close()
	var logs logBuf
	b := startBus(t, c, &evaluator.BusOpts{Poll: 10 * time.Millisecond, BusRetry: 50 * time.Millisecond,
		Log: slog.New(slog.NewTextHandler(&logs, nil))})
	b.Rate(1, "A001", 0)
	waitFor(t, "prompt", prompting(sim, 1))
	unplug()
	time.Sleep(300 * time.Millisecond) // away for a while
	waitFor(t, "bus down", func() bool { return strings.Contains(logs.String(), "bus unavailable") })
	b.Rate(2, "B001", 0)
	defer plug()()
	waitFor(t, "prompt after replug", prompting(sim, 2))
	sim.Press(1, 3)
	if r := nextResult(t, b); r.TicketID != "A001" || r.Rating != evaluator.FairlySatisfied {
		t.Fatalf("%+v", r)
	}
	if !strings.Contains(logs.String(), "bus back") ||
		strings.Contains(logs.String(), "pad not answering") {
		t.Fatalf("logs:\n%s", logs.String())
	}
}

// hookRW calls onWrite before each write (the simulator's answers).
type hookRW struct {
	io.ReadWriter
	onWrite func([]byte)
}

func (h hookRW) Write(b []byte) (int, error) {
	h.onWrite(b)
	return h.ReadWriter.Write(b)
}

// TestBusReplaceWhilePrompting: the pad shows the prompt for A001 and the
// citizen presses before its answer is back at the host, while Rate has
// already replaced A001 by A002: the press is still A001's.
func TestBusReplaceWhilePrompting(t *testing.T) {
	p, err := serialtest.OpenPTY()
	if err != nil {
		t.Fatal(err)
	}
	sim := evaluatorsim.New(1)
	var b *evaluator.Bus
	var once sync.Once
	ready := make(chan struct{})
	hooked := hookRW{ReadWriter: p.Master, onWrite: func(ans []byte) {
		<-ready
		if ans[3] == evaluator.CmdPrompt|evaluator.Answer {
			once.Do(func() {
				sim.Press(1, 5)
				b.Rate(1, "A002", 0)
			})
		}
	}}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); sim.Run(ctx, hooked) }()
	port, err := serialport.Open(p.SlavePath, 9600)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cancel(); port.Close(); p.Close(); <-done })
	b = startBus(t, port, &evaluator.BusOpts{Poll: 10 * time.Millisecond})
	close(ready)
	b.Rate(1, "A001", 0)
	if r := nextResult(t, b); r.TicketID != "A001" || r.Rating != evaluator.VeryDissatisfied {
		t.Fatalf("%+v", r)
	}
	waitFor(t, "prompt for A002", prompting(sim, 1))
	sim.Press(1, 2)
	if r := nextResult(t, b); r.TicketID != "A002" || r.Rating != evaluator.Satisfied {
		t.Fatalf("%+v", r)
	}
}

// BenchmarkBusRating: one rating from prompt to Result with three other
// pads prompting and a dead address on the same pty bus (default opts:
// 100 ms between rounds, 200 ms answer timeout).
func BenchmarkBusRating(b *testing.B) {
	p, err := serialtest.OpenPTY()
	if err != nil {
		b.Fatal(err)
	}
	sim := evaluatorsim.New(1, 2, 3, 4)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go sim.Run(ctx, p.Master)
	port, err := serialport.Open(p.SlavePath, 9600)
	if err != nil {
		b.Fatal(err)
	}
	defer port.Close()
	bus, _ := evaluator.NewBus(port, nil)
	go bus.Run(ctx)
	for _, a := range []byte{2, 3, 4, 9} {
		bus.Rate(a, "other", time.Hour)
	}
	b.ResetTimer()
	for i := range b.N {
		bus.Rate(1, "A001", 0)
		for sim.Press(1, 1+i%5) != nil {
			time.Sleep(time.Millisecond)
		}
		if r := <-bus.Results(); r.TicketID != "A001" {
			b.Fatalf("%+v", r)
		}
	}
}
