package synctest_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"hallkiosk/kiosk/store"
	qsync "hallkiosk/queue/sync"
	"hallkiosk/queue/sync/faultproxy"
)

// TestExactlyOnceThroughFaultyLink pushes 10,000 events (1,500 tickets
// issued and printed, 7,000 evaluations and audit entries) from a kiosk
// through a proxy that drops, delays, duplicates, reorders, resets and
// truncates, syncing as it goes, and checks that the hall holds each event
// exactly once and every printed ticket.
func TestExactlyOnceThroughFaultyLink(t *testing.T) {
	const rounds, ticketsPerRound, appendsPerRound = 25, 60, 280 // 25 × (120 + 280) = 10,000 events
	nRounds := rounds
	if testing.Short() {
		nRounds = 5
	}
	ctx := context.Background()
	th := newTestHall(t, &qsync.HallOptions{Lease: 100})
	faults := faultproxy.Faults{Drop: 0.03, Delay: 0.05, Duplicate: 0.03, Reorder: 0.03, Reset: 0.03, Truncate: 0.03,
		MaxDelay: 20 * time.Millisecond, Seed: uint64(time.Now().UnixNano())}
	t.Logf("fault seed %d", faults.Seed)
	px, err := faultproxy.New("127.0.0.1:0", th.addr(), faults)
	if err != nil {
		t.Fatal(err)
	}
	defer px.Close()
	st, c := newKiosk(t, th, "https://"+px.Addr(), &qsync.ClientOptions{Timeout: 500 * time.Millisecond, Batch: 250})
	if err := st.SetServices(ctx, "A", "B"); err != nil {
		t.Fatal(err)
	}
	failures := 0
	sync := func() error {
		err := c.SyncOnce(ctx)
		if err != nil {
			failures++
		}
		return err
	}
	issue := func(svc string) *store.Ticket {
		for i := 0; ; i++ {
			tk, err := st.Issue(ctx, svc)
			if err == nil {
				return tk
			}
			if !errors.Is(err, store.ErrNoNumbers) || i > 200 {
				t.Fatalf("issue: %v", err)
			}
			sync() // out of numbers: get a lease
		}
	}
	printed := map[string]bool{}
	for r := 0; r < nRounds; r++ {
		for i := 0; i < ticketsPerRound; i++ {
			tk := issue([]string{"A", "B"}[i%2])
			if err := st.MarkPrinted(ctx, tk); err != nil {
				t.Fatal(err)
			}
			key := fmt.Sprintf("%s/%s", tk.Day, tk.Label())
			if printed[key] {
				t.Fatalf("number %s issued twice", key)
			}
			printed[key] = true
		}
		payloads := make([]any, appendsPerRound)
		for i := range payloads {
			payloads[i] = map[string]any{"round": r, "i": i, "score": i % 5}
		}
		if _, err := st.AppendMany(ctx, qsync.KindEvaluation, payloads); err != nil {
			t.Fatal(err)
		}
		sync()
	}
	for i := 0; ; i++ {
		if err := sync(); err == nil {
			if n, _ := st.PendingCount(ctx); n == 0 {
				break
			}
		}
		if i > 300 {
			t.Fatalf("not caught up after %d attempts: %v", i, c.Status(ctx).LastError)
		}
	}
	stats := px.Stats()
	t.Logf("proxy: %s; failed sync attempts: %d", stats, failures)

	id, _ := st.Identity(ctx)
	want := nRounds * (2*ticketsPerRound + appendsPerRound)
	n, max, err := th.hall.EventCounts(ctx, id.Device)
	if err != nil || n != want || max != uint64(want) {
		t.Fatalf("hall holds %d events up to %d, want exactly %d (%v)", n, max, want, err)
	}
	day := qsync.Day(time.Now(), nil)
	hts, err := th.hall.Tickets(ctx, day)
	if err != nil {
		t.Fatal(err)
	}
	if len(hts) != len(printed) {
		t.Fatalf("hall holds %d tickets, kiosk printed %d", len(hts), len(printed))
	}
	for _, h := range hts {
		key := fmt.Sprintf("%s/%s%03d", h.Day, h.Service, h.Number)
		if !printed[key] || h.State != "live" {
			t.Fatalf("hall ticket %s state %s not printed by the kiosk", key, h.State)
		}
	}
	if !testing.Short() && (stats.Drops == 0 || stats.Duplicates == 0 || stats.Reorders == 0 || stats.Resets == 0 || stats.Truncates == 0 || stats.Delays == 0) {
		t.Fatalf("not every fault happened: %s", stats)
	}
}
