package synctest_test

import (
	"context"
	"testing"

	"hallkiosk/kiosk/store"
	"hallkiosk/queue/engine"
	qsync "hallkiosk/queue/sync"
)

// TestOfflineNumbersContinueTheHallsSequence: a kiosk's block floats just
// ahead of the hall's own numbers. When the hall's numbers come near it,
// the kiosk hands it back and gets a new one ahead; the hall issues the
// handed-back numbers without a gap; a kiosk that then goes offline prints
// numbers a few past the hall's last, not from the start of the day.
func TestOfflineNumbersContinueTheHallsSequence(t *testing.T) {
	ctx := context.Background()
	eng, st, c := newEngineSite(t, &store.Options{LowWater: 1})
	const svc = "project-approval"
	if err := st.SetServices(ctx, svc+"=A"); err != nil {
		t.Fatal(err)
	}
	if err := c.SyncOnce(ctx); err != nil {
		t.Fatal(err)
	}
	hallIssue := func() int {
		t.Helper()
		tk, err := eng.Issue(ctx, engine.IssueRequest{Service: svc})
		if err != nil {
			t.Fatal(err)
		}
		return tk.Number
	}
	// A busy morning online: the hall issues 60 of its own, the kiosk
	// syncing now and then as it does.
	var hall []int
	for i := range 60 {
		hall = append(hall, hallIssue())
		if i%4 == 3 {
			if err := c.SyncOnce(ctx); err != nil {
				t.Fatal(err)
			}
		}
	}
	for i, n := range hall {
		if n != i+1 {
			t.Fatalf("hall numbers %v: a gap at %d, want 1..60 in sequence", hall, i)
		}
	}
	// The link goes down: the kiosk issues from its block.
	tk, err := st.Issue(ctx, svc)
	if err != nil {
		t.Fatal(err)
	}
	// The 60 came in a burst (well within 30 s), so the block floats as
	// far ahead as that pace asks: LeaseAhead plus twice the burst, plus
	// one block of 10.
	if lim := 60 + qsync.LeaseAhead + 2*60 + 10; tk.Overflow || tk.Number <= 60 || tk.Number > lim {
		t.Fatalf("offline number %d after the hall's 60, want 61..%d", tk.Number, lim)
	}
	if err := st.MarkPrinted(ctx, tk); err != nil {
		t.Fatal(err)
	}
	// Back online: the ticket reaches the hall, which steps over it.
	if err := c.SyncOnce(ctx); err != nil {
		t.Fatal(err)
	}
	day := eng.Today()
	found := false
	hts, err := eng.Tickets(ctx, day)
	if err != nil {
		t.Fatal(err)
	}
	for _, ht := range hts {
		if ht.Number == tk.Number && ht.Key != "" {
			found = true
		}
	}
	if !found {
		n, _ := st.PendingCount(ctx)
		t.Fatalf("offline ticket %d not at the hall (%d events pending at the kiosk)", tk.Number, n)
	}
	seen := map[int]bool{tk.Number: true}
	for range 40 {
		n := hallIssue()
		if seen[n] {
			t.Fatalf("number %d issued twice", n)
		}
		seen[n] = true
	}
}

// TestConfirmThroughSyncUnderTheKioskID: a kiosk issues online under its
// kiosk id on the hall API (kiosk.device_id), which differs from its sync
// id; when the confirmation cannot go online it goes through sync and is
// applied, since it carries the ticket's idempotency key. A confirmation
// with another key is ignored (a real-kiosk hall day left such tickets
// reserved: never called).
func TestConfirmThroughSyncUnderTheKioskID(t *testing.T) {
	ctx := context.Background()
	eng, st, c := newEngineSite(t, nil)
	const svc = "project-approval"
	mine, err := eng.Issue(ctx, engine.IssueRequest{Service: svc, DeviceID: "kiosk-01", Key: "kiosk-01:sess-1", Reserve: true})
	if err != nil {
		t.Fatal(err)
	}
	other, err := eng.Issue(ctx, engine.IssueRequest{Service: svc, DeviceID: "kiosk-09", Key: "kiosk-09:sess-7", Reserve: true})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []qsync.ConfirmPayload{{TicketID: mine.ID, Key: mine.Key}, {TicketID: other.ID, Key: "kiosk-01:sess-2"}} {
		if _, err := st.Append(ctx, qsync.KindTicketConfirmed, p); err != nil {
			t.Fatal(err)
		}
	}
	if err := c.SyncOnce(ctx); err != nil {
		t.Fatal(err)
	}
	if tk, _ := eng.Ticket(ctx, mine.ID); tk.State != engine.StateWaiting {
		t.Errorf("own ticket confirmed through sync is %s, want waiting", tk.State)
	}
	if tk, _ := eng.Ticket(ctx, other.ID); tk.State != engine.StateReserved {
		t.Errorf("another kiosk's ticket confirmed with a wrong key: %s", tk.State)
	}
}
