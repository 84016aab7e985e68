package store

import (
	"context"
	"errors"
	"path/filepath"
	"testing"
	"time"

	qsync "hallkiosk/queue/sync"
)

func open(t *testing.T, now func() time.Time) *Store {
	t.Helper()
	s, err := Open(filepath.Join(t.TempDir(), "k.db"), &Options{Now: now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestClockPlausibility(t *testing.T) {
	ctx := context.Background()
	clock := time.Date(1970, 1, 1, 0, 5, 0, 0, time.UTC)
	s := open(t, func() time.Time { return clock })
	if err := s.SaveEnrolment(ctx, "https://hall", "00", 3); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Issue(ctx, "A"); !errors.Is(err, ErrClockImplausible) {
		t.Fatalf("1970 clock: %v", err)
	}
	// Synced from the hall: issuing works on hall time, advanced locally.
	hall := time.Date(2026, 11, 26, 9, 0, 0, 0, qsync.HallZone)
	s.SetHallTime(hall, clock)
	clock = clock.Add(90 * time.Second)
	tk, err := s.Issue(ctx, "A")
	if err != nil {
		t.Fatal(err)
	}
	if tk.Day != "2026-11-26" || !tk.HLC.Time().Equal(hall.Add(90*time.Second)) || !tk.Overflow {
		t.Fatalf("ticket %+v at %s", tk, tk.HLC.Time())
	}
}

func TestClockSkewAfterRestart(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	clock := time.Date(2026, 11, 26, 6, 0, 0, 0, time.UTC)
	s, err := Open(filepath.Join(dir, "k.db"), &Options{Now: func() time.Time { return clock }})
	if err != nil {
		t.Fatal(err)
	}
	s.SaveEnrolment(ctx, "https://hall", "00", 1)
	// Hall is three hours ahead of this kiosk.
	s.SetHallTime(clock.Add(3*time.Hour), clock)
	s.Close()
	// Restart: no hall contact yet, the kiosk knows its clock was off.
	s, err = Open(filepath.Join(dir, "k.db"), &Options{Now: func() time.Time { return clock }})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	_, err = s.Issue(ctx, "A")
	if !errors.Is(err, ErrClockSkew) {
		t.Fatalf("skewed clock: %v", err)
	}
	t.Log(err)
}

func TestClockBackwards(t *testing.T) {
	ctx := context.Background()
	clock := time.Date(2026, 11, 26, 6, 0, 0, 0, time.UTC)
	s := open(t, func() time.Time { return clock })
	s.SaveEnrolment(ctx, "https://hall", "00", 1)
	if _, err := s.Issue(ctx, "A"); err != nil {
		t.Fatal(err)
	}
	clock = clock.Add(-time.Hour)
	if _, err := s.Issue(ctx, "A"); !errors.Is(err, ErrClockBackwards) {
		t.Fatalf("clock back an hour: %v", err)
	}
	// A small step back is absorbed by the hybrid logical clock.
	clock = clock.Add(time.Hour - 2*time.Second)
	tk, err := s.Issue(ctx, "A")
	if err != nil {
		t.Fatal(err)
	}
	if tk.HLC.Logical() == 0 {
		t.Fatalf("HLC %s did not advance logically", tk.HLC)
	}
}

func TestOverflowExhaustedAndDayBoundary(t *testing.T) {
	ctx := context.Background()
	// 23:59 in Shanghai.
	clock := time.Date(2026, 11, 26, 15, 59, 0, 0, time.UTC)
	s := open(t, func() time.Time { return clock })
	s.SaveEnrolment(ctx, "https://hall", "00", 2)
	lo, hi, _ := qsync.OverflowRange(2)
	err := s.ApplyPull(ctx, &qsync.PullResponse{Day: "2026-11-26", Leases: []qsync.Lease{{Service: "A", Day: "2026-11-26", Lo: 101, Hi: 102}}})
	if err != nil {
		t.Fatal(err)
	}
	seen := map[int]bool{}
	for i := 0; i < 2+qsync.OverflowSize; i++ {
		tk, err := s.Issue(ctx, "A")
		if err != nil {
			t.Fatalf("issue %d: %v", i, err)
		}
		if seen[tk.Number] || (tk.Number < lo || tk.Number > hi) && tk.Number != 101 && tk.Number != 102 {
			t.Fatalf("number %d twice or outside lease and overflow", tk.Number)
		}
		seen[tk.Number] = true
	}
	if _, err := s.Issue(ctx, "A"); !errors.Is(err, ErrNoNumbers) {
		t.Fatalf("after overflow: %v", err)
	}
	// Past midnight the day's leases no longer apply and a new overflow
	// range of the new day opens; yesterday's lease is not used.
	clock = clock.Add(2 * time.Minute)
	tk, err := s.Issue(ctx, "A")
	if err != nil {
		t.Fatal(err)
	}
	if tk.Day != "2026-11-27" || tk.Number != lo {
		t.Fatalf("after midnight: %+v", tk)
	}
	w, err := s.LeaseWants(ctx, "2026-11-27")
	if err != nil || len(w) != 1 || w[0].Service != "A" || w[0].HaveMaxLo != 0 {
		t.Fatalf("wants %+v %v", w, err)
	}
}

func TestOutboxAckAndTransitions(t *testing.T) {
	ctx := context.Background()
	s := open(t, nil)
	s.SaveEnrolment(ctx, "https://hall", "00", 1)
	tk, err := s.Issue(ctx, "B")
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Void(ctx, tk); err != nil {
		t.Fatal(err)
	}
	if err := s.MarkPrinted(ctx, tk); err == nil {
		t.Fatal("printed after void")
	}
	if _, err := s.Append(ctx, qsync.KindEvaluation, map[string]int{"score": 5}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Append(ctx, qsync.KindTicketIssued, map[string]int{}); err == nil {
		t.Fatal("appended a raw ticket.issued event")
	}
	evs, err := s.Pending(ctx, 10)
	if err != nil || len(evs) != 3 || evs[0].Kind != qsync.KindTicketIssued || evs[1].Kind != qsync.KindTicketVoided || evs[2].Seq != 3 {
		t.Fatalf("pending %+v %v", evs, err)
	}
	if err := s.Ack(ctx, 2); err != nil {
		t.Fatal(err)
	}
	if err := s.Ack(ctx, 1); err != nil { // late, smaller ack is harmless
		t.Fatal(err)
	}
	if n, _ := s.PendingCount(ctx); n != 1 {
		t.Fatalf("pending after ack = %d", n)
	}
	id1, _ := s.Identity(ctx)
	id2, _ := s.Identity(ctx)
	if id1.Device != id2.Device || !id1.Enrolled() {
		t.Fatalf("identity not stable: %s %s", id1.Device, id2.Device)
	}
}
