package callout_test

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"testing"
	"time"

	"hallkiosk/drivers/callout"
	"hallkiosk/drivers/display"
	"hallkiosk/drivers/serialport"
	"hallkiosk/drivers/serialtest"
	"hallkiosk/drivers/voice"
)

// recBus is a display bus on a real pseudo-terminal with the simulator on
// the other side, keeping every text command per address in order.
type recBus struct {
	dev *display.Dev
	sim *display.Sim

	mu   sync.Mutex
	seen map[byte][]string
}

func newRecBus(t testing.TB, ctx context.Context, codec display.Codec, gap time.Duration) *recBus {
	t.Helper()
	p, err := serialtest.OpenPTY()
	if err != nil {
		t.Fatal(err)
	}
	port, err := serialport.Open(p.SlavePath, 9600)
	if err != nil {
		p.Close()
		t.Fatal(err)
	}
	b := &recBus{sim: display.NewSim(display.GB18030), seen: map[byte][]string{}}
	b.sim.OnCommand = func(c display.Command, _ display.Codec) {
		if c.Op == display.OpText {
			b.mu.Lock()
			b.seen[c.Addr] = append(b.seen[c.Addr], c.Text)
			b.mu.Unlock()
		}
	}
	rctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { defer close(done); b.sim.Run(rctx, p.Master) }()
	t.Cleanup(func() { cancel(); port.Close(); p.Close(); <-done })
	if b.dev, err = display.New(port, &display.Opts{Codec: codec, Gap: gap}); err != nil {
		t.Fatal(err)
	}
	return b
}

// texts returns the texts addr was sent, in order.
func (b *recBus) texts(addr byte) []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return slices.Clone(b.seen[addr])
}

// subsequence reports whether want appears in got in order (other entries
// may come between).
func subsequence(got, want []string) bool {
	i := 0
	for _, g := range got {
		if i < len(want) && g == want[i] {
			i++
		}
	}
	return i == len(want)
}

// waitUntil polls cond until it holds or the deadline (20 s) passes.
func waitUntil(t *testing.T, what string, cond func() bool) {
	d := 20 * time.Second
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not reached within %v", what, d)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// TestBurstEveryCallOnBoard is the minimal case of a morning opening with
// the shipped settings (300 ms gap, board and strips on separate buses,
// four board rows): six windows press "next" at the same moment. Every
// call reaches its strip and the board's top row (read back from the
// simulator's decoded bytes), in call order, and is announced; then each
// window finishes and calls again at once; then, after a restart (a new
// hub and manager), two calls 1 ms apart are both shown.
func TestBurstEveryCallOnBoard(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	strips := newRecBus(t, ctx, display.NewLine(display.GB18030), display.DefaultGap)
	board := newRecBus(t, ctx, display.NewFramed(display.GB18030), display.DefaultGap)
	rows := []byte{0xC8, 0xC9, 0xCA, 0xCB}
	start := func() (*callout.Hub, *display.Manager, *playSink, func()) {
		mo := display.ManagerOpts{Windows: map[int]display.Target{}}
		for w := 1; w <= 6; w++ {
			mo.Windows[w] = display.Target{Dev: strips.dev, Addr: byte(w)}
		}
		for _, a := range rows {
			mo.Board = append(mo.Board, display.Target{Dev: board.dev, Addr: a})
		}
		m := display.NewManager(mo)
		sink := &playSink{}
		ann, err := voice.NewAnnouncer(&voice.Opts{Sink: sink})
		if err != nil {
			t.Fatal(err)
		}
		hub := callout.New(&callout.Opts{Display: m, Voice: ann, Repeat: 2})
		hctx, hcancel := context.WithCancel(ctx)
		done := make(chan struct{})
		go func() { defer close(done); hub.Run(hctx) }()
		return hub, m, sink, func() { hcancel(); <-done }
	}
	hub, m, sink, stop := start()
	var want []string
	for w := 1; w <= 6; w++ {
		hub.Publish(callout.Event{Kind: callout.Call, Number: fmt.Sprintf("A%03d", w), Window: w})
		want = append(want, callout.BoardLine(fmt.Sprintf("A%03d", w), w))
	}
	waitUntil(t, "six calls on the board", func() bool { return subsequence(board.texts(rows[0]), want) })
	if st := hub.Status(); st.BoardShown < 6 {
		t.Fatalf("status %+v", st)
	}
	// "Call next" at every window at once: finish and call in one instant.
	for w := 1; w <= 6; w++ {
		hub.Publish(callout.Event{Kind: callout.Finish, Number: fmt.Sprintf("A%03d", w), Window: w})
		hub.Publish(callout.Event{Kind: callout.Call, Number: fmt.Sprintf("B%03d", w), Window: w})
		want = append(want, callout.BoardLine(fmt.Sprintf("B%03d", w), w))
	}
	waitUntil(t, "twelve calls on the board", func() bool { return subsequence(board.texts(rows[0]), want) })
	waitUntil(t, "every call on its strip", func() bool {
		for w := 1; w <= 6; w++ {
			if !subsequence(strips.texts(byte(w)), []string{fmt.Sprintf("A%03d", w), fmt.Sprintf("B%03d", w)}) {
				return false
			}
		}
		return true
	})
	// The board settles with the newest four calls, newest on top.
	waitUntil(t, "board settled", func() bool {
		st := board.sim.State()
		for i, a := range rows {
			if st[a].Text != callout.BoardLine(fmt.Sprintf("B%03d", 6-i), 6-i) {
				return false
			}
		}
		return true
	})
	if n, _, _ := m.BoardBacklog(); n != 0 {
		t.Fatalf("backlog %d after the board settled", n)
	}
	waitUntil(t, "twelve announcements", func() bool { return sink.count() == 12 })
	stop()

	// After a restart: two calls 1 ms apart, both shown.
	hub, _, _, stop = start()
	defer stop()
	before := len(board.texts(rows[0]))
	hub.Publish(callout.Event{Kind: callout.Call, Number: "C001", Window: 1})
	time.Sleep(time.Millisecond)
	hub.Publish(callout.Event{Kind: callout.Call, Number: "C002", Window: 2})
	two := []string{callout.BoardLine("C001", 1), callout.BoardLine("C002", 2)}
	waitUntil(t, "both calls after the restart", func() bool { return subsequence(board.texts(rows[0])[before:], two) })
}

// TestBacklogReported: while the board's bus is behind, Status counts the
// calls not yet shown and the age of the oldest; once shown, none.
func TestBacklogReported(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	board := newRecBus(t, ctx, display.NewLine(display.GB18030), 20*time.Millisecond)
	m := display.NewManager(display.ManagerOpts{Board: []display.Target{{Dev: board.dev, Addr: 1}, {Dev: board.dev, Addr: 2}}})
	for i := range 10 {
		m.QueueBoard(nil, []string{fmt.Sprintf("L%d", i)})
	}
	n, oldest, _ := m.BoardBacklog()
	if n != 10 || oldest.IsZero() {
		t.Fatalf("backlog %d since %v before writing", n, oldest)
	}
	if err := m.FlushBoard(4, nil); err != nil {
		t.Fatal(err)
	}
	if n, _, _ = m.BoardBacklog(); n != 6 || m.BoardShown() != 4 {
		t.Fatalf("after 4 writes: backlog %d, shown %d", n, m.BoardShown())
	}
	if err := m.FlushBoard(0, nil); err != nil {
		t.Fatal(err)
	}
	n, oldest, _ = m.BoardBacklog()
	if n != 0 || !oldest.IsZero() || m.BoardShown() != 10 {
		t.Fatalf("after flushing: backlog %d since %v, shown %d", n, oldest, m.BoardShown())
	}
	var want []string
	for i := range 10 {
		want = append(want, fmt.Sprintf("L%d", i))
	}
	waitUntil(t, "ten lines on the top row", func() bool { return slices.Equal(board.texts(1), want) })
	if rows := m.BoardRows(); !slices.Equal(rows, []string{"L9", "L8"}) {
		t.Fatalf("rows %v", rows)
	}
}

// flakyBus fails every write until up is set (a port still connecting
// after a restart), then records the frames' texts.
type flakyBus struct {
	mu    sync.Mutex
	up    bool
	texts map[byte][]string
}

func (f *flakyBus) Write(b []byte) (int, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if !f.up {
		return 0, fmt.Errorf("not connected")
	}
	cmd, _, err := display.NewLine(display.GB18030).Decode(b)
	if err == nil {
		f.texts[cmd.Addr] = append(f.texts[cmd.Addr], cmd.Text)
	}
	return len(b), nil
}

func (f *flakyBus) seen(addr byte, text string) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Contains(f.texts[addr], text)
}

// TestCallWhileBusConnecting: calls made while the display buses are not
// connected yet (just after a restart) reach the strip and the board once
// the buses are up, without another call to carry them.
func TestCallWhileBusConnecting(t *testing.T) {
	strips, board := &flakyBus{texts: map[byte][]string{}}, &flakyBus{texts: map[byte][]string{}}
	sd, _ := display.New(strips, &display.Opts{Codec: display.NewLine(display.GB18030), Gap: -1})
	bd, _ := display.New(board, &display.Opts{Codec: display.NewLine(display.GB18030), Gap: -1})
	m := display.NewManager(display.ManagerOpts{Windows: map[int]display.Target{1: {Dev: sd, Addr: 1}, 2: {Dev: sd, Addr: 2}},
		Board: []display.Target{{Dev: bd, Addr: 100}, {Dev: bd, Addr: 101}}})
	hub := callout.New(&callout.Opts{Display: m, RetryEvery: 10 * time.Millisecond, Log: slog.New(slog.DiscardHandler)})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); hub.Run(ctx) }()
	defer func() { cancel(); <-done }()
	hub.Publish(callout.Event{Kind: callout.Call, Number: "A1", Window: 1})
	hub.Publish(callout.Event{Kind: callout.Call, Number: "A2", Window: 2})
	waitUntil(t, "the writes failing", func() bool { return hub.DisplayFailing() })
	for _, b := range []*flakyBus{strips, board} {
		b.mu.Lock()
		b.up = true
		b.mu.Unlock()
	}
	waitUntil(t, "both calls on strips and board", func() bool {
		return strips.seen(1, "A1") && strips.seen(2, "A2") &&
			board.seen(100, callout.BoardLine("A1", 1)) && board.seen(100, callout.BoardLine("A2", 2))
	})
	if st := hub.Status(); st.BoardBacklog != 0 || st.BoardShown != 2 {
		t.Fatalf("status %+v", st)
	}
}
