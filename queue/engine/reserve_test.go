package engine

import (
	"testing"
	"time"
)

// TestReserveConfirmLapse: a reserved ticket is never called until
// confirmed; an unconfirmed one lapses after the timeout with its number
// accounted for (never reissued, not counted against the cap or the
// person's limit); a late confirmation still makes it wait; a repeat with
// the same key answers the same reservation; reservations survive a
// restart.
func TestReserveConfirmLapse(t *testing.T) {
	f := newFixture(t, nil)
	w := f.e.cat.WindowsFor("tax-filing")[0]
	if err := f.e.SignIn(ctx, w, "staff1"); err != nil {
		t.Fatal(err)
	}
	r1 := f.issue(t, IssueRequest{Service: "tax-filing", Key: "k:1", Reserve: true})
	again := f.issue(t, IssueRequest{Service: "tax-filing", Key: "k:1", Reserve: true}) // the kiosk's retry
	if r1.State != StateReserved || !again.Duplicate || again.ID != r1.ID {
		t.Fatalf("reserve %+v, retry %+v", r1, again)
	}
	if _, err := f.e.CallNext(ctx, w, "staff1"); CodeOf(err) != CodeNoTicket {
		t.Fatalf("a reserved ticket was callable: %v", err)
	}
	if n := f.e.Reserved(); n != 1 {
		t.Fatalf("Reserved() = %d", n)
	}
	f.reopen(t) // the hall restarts: the reservation stays reserved
	if err := f.e.SignIn(ctx, w, "staff1"); err != nil {
		t.Fatal(err)
	}
	if _, err := f.e.CallNext(ctx, w, "staff1"); CodeOf(err) != CodeNoTicket {
		t.Fatalf("a reserved ticket was callable after a restart: %v", err)
	}
	c, err := f.e.ConfirmPrinted(ctx, "k:1", true, Actor{Name: "kiosk1"})
	if err != nil || c.State != StateWaiting {
		t.Fatalf("confirm: %+v %v", c, err)
	}
	if c, err = f.e.ConfirmPrinted(ctx, r1.ID, true, Actor{Name: "kiosk1"}); err != nil || c.State != StateWaiting {
		t.Fatalf("repeated confirm: %+v %v", c, err)
	}
	called, err := f.e.CallNext(ctx, w, "staff1")
	if err != nil || called.ID != r1.ID {
		t.Fatalf("CallNext = %+v, %v", called, err)
	}

	// Unconfirmed past the timeout: lapsed, the number used.
	r2 := f.issue(t, IssueRequest{Service: "tax-filing", Key: "k:2", Reserve: true})
	f.clk.Advance(DefaultReserveTimeout / 2)
	if n, err := f.e.ExpireReservations(ctx, 0); err != nil || n != 0 {
		t.Fatalf("expired %d early: %v", n, err)
	}
	f.clk.Advance(DefaultReserveTimeout)
	if n, err := f.e.ExpireReservations(ctx, 0); err != nil || n != 1 {
		t.Fatalf("expired %d: %v", n, err)
	}
	got, _ := f.e.Ticket(ctx, r2.ID)
	if got.State != StateLapsed || got.EndedAt.IsZero() {
		t.Fatalf("lapsed ticket %+v", got)
	}
	r3 := f.issue(t, IssueRequest{Service: "tax-filing", Reserve: true})
	if r3.Number != r2.Number+1 {
		t.Fatalf("number after a lapse: %d, want %d", r3.Number, r2.Number+1)
	}
	// The confirmation came late (the kiosk printed it): it waits.
	if c, err := f.e.ConfirmPrinted(ctx, "k:2", true, Actor{Name: "kiosk1"}); err != nil || c.State != StateWaiting {
		t.Fatalf("late confirm: %+v %v", c, err)
	}
	// Not printed: the reservation lapses at once.
	if c, err := f.e.ConfirmPrinted(ctx, r3.ID, false, Actor{Name: "kiosk1"}); err != nil || c.State != StateLapsed {
		t.Fatalf("not printed: %+v %v", c, err)
	}
	// Ordered by issue time: r2 (confirmed late) is next.
	if _, err := f.e.Start(ctx, w, "staff1"); err != nil {
		t.Fatal(err)
	}
	if c, err := f.e.CallNext(ctx, w, "staff1"); err != nil || c.ID != r2.ID {
		t.Fatalf("CallNext = %+v, %v", c, err)
	}
	if _, err := f.e.ConfirmPrinted(ctx, "nobody", true, Actor{}); CodeOf(err) != CodeNotFound {
		t.Fatalf("confirm of nothing: %v", err)
	}
}

// TestImportReplacesReservation: the kiosk's reply was lost, it fell back
// to its lease, and its offline ticket names the reservation: importing it
// lapses the reservation, so one citizen holds one live ticket. An
// offline ticket imported reserved waits only once printed.
func TestImportReplacesReservation(t *testing.T) {
	f := newFixture(t, nil)
	day := f.e.dayOf(f.clk.Now())
	l, err := f.e.Lease(ctx, "kiosk1", "tax-filing", day, 10)
	if err != nil {
		t.Fatal(err)
	}
	ghost := f.issue(t, IssueRequest{Service: "tax-filing", Key: "kiosk1:x-1", Reserve: true, DeviceID: "kiosk1"})
	off, err := f.e.Import(ctx, ImportRequest{DeviceID: "kiosk1", DeviceSeq: 1, Service: "tax-filing", Number: l.First,
		IssuedAt: f.clk.Now().Add(-time.Second), State: StateReserved, Replaces: "kiosk1:x-1"})
	if err != nil || off.State != StateReserved {
		t.Fatalf("import %+v %v", off, err)
	}
	if got, _ := f.e.Ticket(ctx, ghost.ID); got.State != StateLapsed {
		t.Fatalf("replaced reservation is %s", got.State)
	}
	w := f.e.cat.WindowsFor("tax-filing")[0]
	if err := f.e.SignIn(ctx, w, "staff1"); err != nil {
		t.Fatal(err)
	}
	if _, err := f.e.CallNext(ctx, w, "staff1"); CodeOf(err) != CodeNoTicket {
		t.Fatalf("an unprinted offline ticket was callable: %v", err)
	}
	if _, err := f.e.ConfirmPrinted(ctx, off.ID, true, Actor{Name: "kiosk1"}); err != nil {
		t.Fatal(err)
	}
	if c, err := f.e.CallNext(ctx, w, "staff1"); err != nil || c.ID != off.ID {
		t.Fatalf("CallNext = %+v, %v", c, err)
	}
}
