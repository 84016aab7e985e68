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
	"hallkiosk/drivers/voice"
)

// downBus is a bus whose writes fail while it is down (a strip unplugged),
// counting the failed attempts, and records the texts written while up.
type downBus struct {
	mu     sync.Mutex
	down   bool
	failed int
	texts  map[byte][]string
}

func (d *downBus) Write(b []byte) (int, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.down {
		d.failed++
		return 0, fmt.Errorf("write /dev/ttyUSB1: input/output error")
	}
	if cmd, _, err := display.NewLine(display.GB18030).Decode(b); err == nil && cmd.Op == display.OpText {
		d.texts[cmd.Addr] = append(d.texts[cmd.Addr], cmd.Text)
	}
	return len(b), nil
}

func (d *downBus) set(down bool) {
	d.mu.Lock()
	d.down = down
	d.mu.Unlock()
}

func (d *downBus) get(addr byte) ([]string, int) {
	d.mu.Lock()
	defer d.mu.Unlock()
	return slices.Clone(d.texts[addr]), d.failed
}

// TestStripRetryInOrder: while a window strip's writes fail, every number
// called to it is kept, in order, and reported as its backlog; the hub
// backs off between retries; once the strip is back every number reaches
// it in call order without another call to carry them, and the tracked
// events are done only then.
func TestStripRetryInOrder(t *testing.T) {
	strips, board := &downBus{texts: map[byte][]string{}}, &downBus{texts: map[byte][]string{}}
	sd, _ := display.New(strips, &display.Opts{Codec: display.NewLine(display.GB18030), Gap: -1})
	bd, _ := display.New(board, &display.Opts{Codec: display.NewLine(display.GB18030), Gap: -1})
	m := display.NewManager(display.ManagerOpts{Windows: map[int]display.Target{1: {Dev: sd, Addr: 1}, 2: {Dev: sd, Addr: 2}},
		Board: []display.Target{{Dev: bd, Addr: 100}}})
	sink := &playSink{}
	ann, err := voice.NewAnnouncer(&voice.Opts{Sink: sink})
	if err != nil {
		t.Fatal(err)
	}
	hub := callout.New(&callout.Opts{Display: m, Voice: ann, RetryEvery: 10 * time.Millisecond, RetryMax: 80 * time.Millisecond,
		Settle: -1, Log: slog.New(slog.DiscardHandler)})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); hub.Run(ctx) }()
	defer func() { cancel(); <-done }()

	strips.set(true)
	calls := []string{"A1", "A2", "A3", "A4"}
	seq := int64(10)
	for i, n := range calls {
		// One update at a time: each finds the strip's earlier writes kept.
		seq++
		hub.Publish(callout.Event{Kind: callout.Call, Number: n, Window: 1, Seq: seq})
		seq++
		hub.Publish(callout.Event{Kind: callout.Finish, Number: n, Window: 1, Seq: seq})
		waitUntil(t, "the write kept", func() bool { return hub.Status().StripRetry >= i+1 })
	}
	seq++
	hub.Publish(callout.Event{Kind: callout.Call, Number: "B1", Window: 2, Seq: seq})
	waitUntil(t, "the writes kept", func() bool {
		st := hub.Status()
		return st.StripRetry >= len(calls) && st.StripFailing == 2 && hub.DisplayFailing()
	})
	// Board and voice go on; the strips' events stay pending.
	waitUntil(t, "board and voice done", func() bool {
		texts, _ := board.get(100)
		return len(texts) >= 5 && sink.count() == 5
	})
	if n, oldest := hub.Pending(); n == 0 || oldest != 11 {
		t.Fatalf("pending %d from %d while the strips are down", n, oldest)
	}
	_, before := strips.get(1)
	time.Sleep(400 * time.Millisecond)
	st := hub.Status()
	_, after := strips.get(1)
	// Without a backoff: a retry every 10 ms, two strips each, about 80
	// failed writes in 400 ms; with one capped at 80 ms, at most ~12.
	if n := after - before; n > 24 {
		t.Errorf("%d failed writes in 400 ms: no backoff", n)
	}
	if st.StripOldestMS < 300 || st.StripBacklog < st.StripRetry {
		t.Errorf("status while down %+v", st)
	}

	strips.set(false)
	want := []string{"A1", "A2", "A3", "A4"} // then a blank (A4 finished)
	waitUntil(t, "every number on the strip", func() bool { texts, _ := strips.get(1); return len(texts) >= 4 })
	waitUntil(t, "nothing pending", func() bool { n, _ := hub.Pending(); return n == 0 })
	if texts, _ := strips.get(1); !slices.Equal(texts, want) {
		t.Fatalf("strip 1 shows %q, want %q then a blank", texts, want)
	}
	if texts, _ := strips.get(2); !slices.Equal(texts, []string{"B1"}) {
		t.Fatalf("strip 2 shows %q", texts)
	}
	if st := hub.Status(); st.StripRetry != 0 || st.StripFailing != 0 || st.StripBacklog != 0 || st.StripOldestMS != 0 || hub.DisplayFailing() {
		t.Fatalf("status after recovery %+v", st)
	}
}
