package synctest_test

import (
	"context"
	"testing"
	"time"

	qsync "hallkiosk/queue/sync"
	"hallkiosk/queue/sync/faultproxy"
)

// TestRunRecoversAfterOutage: Run keeps trying while the link is dead
// (every connection blackholed), never blocks issuing, and catches up by
// itself once the link is back; it returns when its context ends.
func TestRunRecoversAfterOutage(t *testing.T) {
	ctx := context.Background()
	th := newTestHall(t, nil)
	px, err := faultproxy.New("127.0.0.1:0", th.addr(), faultproxy.Faults{})
	if err != nil {
		t.Fatal(err)
	}
	defer px.Close()
	st, c := newKiosk(t, th, "https://"+px.Addr(), &qsync.ClientOptions{Timeout: 200 * time.Millisecond, Interval: 100 * time.Millisecond, MaxBackoff: 200 * time.Millisecond})
	px.SetFaults(faultproxy.Faults{Drop: 1}) // the link dies
	rctx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- c.Run(rctx) }()
	for i := 0; i < 20; i++ {
		start := time.Now()
		if _, err := st.Append(ctx, qsync.KindHealth, map[string]any{"printer": "ok", "i": i}); err != nil {
			t.Fatal(err)
		}
		if d := time.Since(start); d > time.Second {
			t.Fatalf("append took %s while sync was failing", d)
		}
		c.Trigger()
		time.Sleep(20 * time.Millisecond)
	}
	if s := c.Status(ctx); s.Online || s.Pending != 20 || s.LastError == "" {
		t.Fatalf("status during outage: %+v", s)
	}
	px.SetFaults(faultproxy.Faults{}) // the link is back
	deadline := time.Now().Add(10 * time.Second)
	for {
		if s := c.Status(ctx); s.Online && s.Pending == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no catch-up after the outage: %+v", c.Status(ctx))
		}
		time.Sleep(20 * time.Millisecond)
	}
	id, _ := st.Identity(ctx)
	if n, _, _ := th.hall.EventCounts(ctx, id.Device); n != 20 {
		t.Fatalf("hall holds %d events, want 20", n)
	}
	evs, err := th.sync.Events(ctx, id.Device, 0, 100)
	if err != nil || len(evs) != 20 || evs[19].Seq != 20 || evs[0].Kind != qsync.KindHealth {
		t.Fatalf("hall event log: %d events, %v", len(evs), err)
	}
	cancel()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("Run did not return after cancel")
	}
}

// TestRunHurries: with the interval and the backoff set to an hour, the
// only ways Run can sync are its hurries: an event committed to the
// outbox is pushed at once, and after an outage the cheap probe notices the
// link is back and the events waiting offline reach the hall.
func TestRunHurries(t *testing.T) {
	ctx := context.Background()
	th := newTestHall(t, nil)
	px, err := faultproxy.New("127.0.0.1:0", th.addr(), faultproxy.Faults{})
	if err != nil {
		t.Fatal(err)
	}
	defer px.Close()
	st, c := newKiosk(t, th, "https://"+px.Addr(), &qsync.ClientOptions{Timeout: 300 * time.Millisecond,
		Interval: time.Hour, MaxBackoff: time.Hour, Probe: 50 * time.Millisecond, ProbeTimeout: 300 * time.Millisecond})
	id, _ := st.Identity(ctx)
	rctx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- c.Run(rctx) }()
	defer func() { cancel(); <-done }()
	waitHall := func(what string, n int) {
		t.Helper()
		deadline := time.Now().Add(10 * time.Second)
		for {
			if got, _, _ := th.hall.EventCounts(ctx, id.Device); got == n {
				return
			}
			if time.Now().After(deadline) {
				got, _, _ := th.hall.EventCounts(ctx, id.Device)
				t.Fatalf("%s: hall holds %d events, want %d (%+v)", what, got, n, c.Status(ctx))
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	// The first sync at start, then an hour's wait: only the outbox wakes it.
	deadline := time.Now().Add(10 * time.Second)
	for !c.Status(ctx).Online {
		if time.Now().After(deadline) {
			t.Fatalf("never online: %+v", c.Status(ctx))
		}
		time.Sleep(10 * time.Millisecond)
	}
	if _, err := st.Append(ctx, qsync.KindHealth, map[string]any{"printer": "ok"}); err != nil {
		t.Fatal(err)
	}
	waitHall("pushed at once", 1)
	px.SetFaults(faultproxy.Faults{Drop: 1}) // the link dies
	for i := range 5 {
		if _, err := st.Append(ctx, qsync.KindHealth, map[string]any{"printer": "ok", "i": i}); err != nil {
			t.Fatal(err)
		}
	}
	deadline = time.Now().Add(10 * time.Second)
	for c.Status(ctx).Online {
		if time.Now().After(deadline) {
			t.Fatal("still online with the link dead")
		}
		time.Sleep(10 * time.Millisecond)
	}
	time.Sleep(200 * time.Millisecond) // a few probes fail
	px.SetFaults(faultproxy.Faults{})  // the link is back: the probe notices
	waitHall("after the outage", 6)
}
