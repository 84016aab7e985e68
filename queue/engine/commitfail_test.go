package engine

import (
	"context"
	"database/sql"
	"sync"
	"testing"
	"time"
)

// TestCommitFailureReloads makes the store refuse writes (a trigger added
// from another connection, as a full disk or a broken file would) and
// checks that every operation of the failed batch reports unavailable,
// that nothing of it stays in memory, and that once the store writes again
// the engine carries on from the durable state.
func TestCommitFailureReloads(t *testing.T) {
	f := newFixture(t, smallCatalog())
	ctx := context.Background()
	first := f.issue(t, IssueRequest{Service: "s1"})
	second := f.issue(t, IssueRequest{Service: "s1"})

	side, err := sql.Open("sqlite3", DSN(f.path))
	if err != nil {
		t.Fatal(err)
	}
	defer side.Close()
	if _, err := side.Exec(`CREATE TRIGGER refuse BEFORE INSERT ON events BEGIN SELECT RAISE(ABORT, 'store refuses writes'); END`); err != nil {
		t.Fatal(err)
	}

	// Several operations in flight at once: they may share the failed batch.
	var wg sync.WaitGroup
	errs := make([]error, 4)
	wg.Go(func() { _, errs[0] = f.e.CallNext(ctx, 1, "staff1") })
	wg.Go(func() { _, errs[1] = f.e.Issue(ctx, IssueRequest{Service: "s1"}) })
	wg.Go(func() { _, errs[2] = f.e.Issue(ctx, IssueRequest{Service: "s2"}) })
	wg.Go(func() { _, errs[3] = f.e.Cancel(ctx, second.ID, Actor{Name: "tech"}) })
	wg.Wait()
	for i, err := range errs {
		if CodeOf(err) != CodeUnavailable {
			t.Fatalf("operation %d during the failure: %v, want %s", i, err, CodeUnavailable)
		}
	}

	if _, err := side.Exec(`DROP TRIGGER refuse`); err != nil {
		t.Fatal(err)
	}
	// The engine reloads in the background; until then it answers unavailable.
	var called *Ticket
	deadline := time.Now().Add(10 * time.Second)
	for {
		called, err = f.e.CallNext(ctx, 1, "staff1")
		if CodeOf(err) != CodeUnavailable || time.Now().After(deadline) {
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	if err != nil {
		t.Fatalf("call after recovery: %v", err)
	}
	if called.ID != first.ID {
		t.Fatalf("called %s after recovery, want the first ticket %s again", called.Label, first.Label)
	}
	// The cancel failed, so the second ticket still waits; the failed
	// issues took no number: the next one follows the second.
	tk, err := f.e.Ticket(ctx, second.ID)
	if err != nil || tk.State != StateWaiting {
		t.Fatalf("second ticket after recovery: %+v, %v", tk, err)
	}
	third := f.issue(t, IssueRequest{Service: "s1"})
	if third.Number != second.Number+1 {
		t.Fatalf("number after recovery %d, want %d", third.Number, second.Number+1)
	}
	b := f.issue(t, IssueRequest{Service: "s2"})
	if b.Number != 1 {
		t.Fatalf("first s2 number after recovery %d, want 1", b.Number)
	}
	// And it all survives a restart exactly so.
	f.reopen(t)
	tk, err = f.e.Ticket(ctx, first.ID)
	if err != nil || tk.State != StateCalled || tk.Window != 1 {
		t.Fatalf("first ticket after restart: %+v, %v", tk, err)
	}
}
