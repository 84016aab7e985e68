package engine

import (
	"context"
	"testing"
	"time"
)

// TestRatingRules: one rating per served step and one re-rating within
// ReRateWindow, both kept; a re-rating after the window is refused; each
// step of a multi-service ticket is rated on its own, credited to its own
// window and staff; the pad rates only steps served at its window; the
// ratings and cases survive a restart.
func TestRatingRules(t *testing.T) {
	f := newFixture(t, nil)
	f.e.opts.ReRateWindow = 30 * time.Minute
	tk := f.issue(t, IssueRequest{Services: []string{"tax-filing", "tax-invoice"}})
	if _, err := f.e.RateStep(ctx, RateRequest{Ticket: tk.ID, Level: 5, Channel: ChannelKiosk}); CodeOf(err) != CodeBadState {
		t.Fatalf("rating before service: %v", err)
	}
	serve := func(n int, staff string) {
		t.Helper()
		if _, err := f.e.CallNext(ctx, n, staff); err != nil {
			t.Fatal(err)
		}
		f.clk.Advance(time.Minute)
		f.e.Start(ctx, n, staff)
		f.clk.Advance(3 * time.Minute)
		if _, err := f.e.Finish(ctx, n, staff); err != nil {
			t.Fatal(err)
		}
	}
	serve(20, "li")
	if _, err := f.e.RateStep(ctx, RateRequest{Ticket: tk.ID, Level: 3, Channel: ChannelPad, Window: 19}); CodeOf(err) != CodeBadState {
		t.Fatalf("pad of window 19 rates a step served at 20: %v", err)
	}
	r1, err := f.e.RateStep(ctx, RateRequest{Ticket: tk.ID, Level: 1, Channel: ChannelPad, Window: 20})
	if err != nil || r1.Count != 1 || r1.Staff != "li" || r1.Window != 20 || r1.Case == "" {
		t.Fatalf("first rating %+v %v", r1, err)
	}
	f.clk.Advance(20 * time.Minute)
	r2, err := f.e.RateStep(ctx, RateRequest{Ticket: tk.ID, Level: 2, Channel: ChannelProgress})
	if err != nil || r2.Count != 2 || r2.Case == "" {
		t.Fatalf("re-rating %+v %v", r2, err)
	}
	serve(19, "wang")
	r3, err := f.e.RateStep(ctx, RateRequest{Ticket: tk.ID, Level: 4, Channel: ChannelKiosk})
	if err != nil || r3.Step != 1 || r3.Staff != "wang" || r3.Window != 19 || r3.Case != "" {
		t.Fatalf("second step %+v %v", r3, err)
	}
	f.clk.Advance(31 * time.Minute)
	if _, err := f.e.RateStep(ctx, RateRequest{Ticket: tk.ID, Level: 5, Channel: ChannelKiosk}); CodeOf(err) != CodeBadState {
		t.Fatalf("re-rating after the window: %v", err)
	}
	if f.e.Rateable(tk.ID) {
		t.Error("rateable after the window")
	}
	f.reopen(t)
	rs, _ := f.e.Ratings(ctx, f.e.Today(), f.e.Today())
	cs, _ := f.e.Cases(ctx, true, "", "")
	if len(rs) != 3 || len(cs) != 2 {
		t.Fatalf("after restart: %d ratings, %d cases", len(rs), len(cs))
	}
	if _, err := f.e.RateStep(ctx, RateRequest{Ticket: tk.ID, Step: &r1.Step, Level: 5, Channel: ChannelKiosk}); CodeOf(err) != CodeBadState {
		t.Fatalf("third rating of step 0 after restart: %v", err)
	}
	rows, _ := f.e.Stats(ctx, f.e.Today(), f.e.Today())
	for _, r := range rows {
		switch {
		case r.Dimension == "window" && r.Key == "20":
			// The re-rating counts, once.
			if r.Served != 1 || r.Rated != 1 || r.Levels != [5]int{0, 1, 0, 0, 0} || r.Cases != 2 || r.WalkP50 != 1 || r.ServiceP50 != 3 {
				t.Errorf("window 20 %+v", r)
			}
		case r.Dimension == "staff" && r.Key == "wang":
			if r.Served != 1 || r.Rated != 1 || r.RatingAvg != 4 {
				t.Errorf("wang %+v", r)
			}
		case r.Dimension == "hall":
			if r.Served != 1 || r.Rated != 2 || r.Name != "全大厅" {
				t.Errorf("hall %+v", r)
			}
		}
	}
	// Deadlines: 15 working days from a Wednesday is three weeks on.
	if d := addWorkingDays(time.Date(2026, 11, 25, 10, 0, 0, 0, f.e.loc), 15, f.e.loc); d.Format(time.DateOnly) != "2026-12-16" {
		t.Errorf("deadline %s", d)
	}
	if d := addWorkingDays(time.Date(2026, 11, 28, 10, 0, 0, 0, f.e.loc), 1, f.e.loc); d.Format(time.DateOnly) != "2026-11-30" {
		t.Errorf("one working day after a Saturday: %s", d)
	}
}

// TestIdleTimeAndSignIn: idle time per staff between steps; one account
// staffs one window.
func TestIdleTimeAndSignIn(t *testing.T) {
	f := newFixture(t, nil)
	for range 3 {
		f.issue(t, IssueRequest{Service: "tax-filing"})
	}
	for i := range 3 {
		f.e.CallNext(ctx, 20, "li")
		f.clk.Advance(2 * time.Minute)
		f.e.Finish(ctx, 20, "li")
		f.clk.Advance(time.Duration(i+1) * time.Minute) // idle 1, 2 (3 trails)
	}
	rows, _ := f.e.Stats(ctx, f.e.Today(), f.e.Today())
	for _, r := range rows {
		if r.Dimension == "staff" && r.Key == "li" && (r.IdleP50 != 1 || r.IdleP90 != 2 || r.Served != 3) {
			t.Errorf("li %+v", r)
		}
	}
	if _, _, err := f.e.SignInAt(context.Background(), 19, "li"); err != nil {
		t.Fatal(err)
	}
	left, prev, err := f.e.SignInAt(ctx, 20, "li")
	if err != nil || len(left) != 1 || left[0] != 19 || prev != "" {
		t.Fatalf("move: %v %q %v", left, prev, err)
	}
	if w, _ := f.e.Window(19); w.Staff != "" {
		t.Errorf("19 still staffed by %q", w.Staff)
	}
}

func TestCheckIDNumber(t *testing.T) {
	now := time.Date(2026, 11, 25, 0, 0, 0, 0, time.UTC)
	for id, ok := range map[string]bool{
		"620102199001011233": true, "62098219601120003X": true, "62098219601120003x": true,
		"62010219900101123X": false, "x1": false, "fake1": false, "620102199013011233": false,
		"000102199001011233": false, "620102203001011236": false, "": false,
	} {
		if err := CheckIDNumber(id, now); (err == nil) != ok {
			t.Errorf("CheckIDNumber(%q) = %v", id, err)
		}
	}
}

func TestPersonBookingsPerDay(t *testing.T) {
	f := newFixture(t, nil)
	day := f.e.Today()
	id := "620102199001011233"
	n := 0
	for _, svc := range []string{"estate-transfer", "estate-mortgage", "company-startup"} {
		slots, err := f.e.Slots(ctx, svc, day)
		if err != nil {
			t.Fatal(err)
		}
		for _, sl := range slots {
			if sl.Open && sl.Start.After(f.clk.Now()) {
				_, err := f.e.Book(ctx, BookRequest{Service: svc, SlotStart: sl.Start, IDNumber: id, Name: "李四", Phone: "13800001234"})
				if n < 2 && err != nil || n >= 2 && CodeOf(err) != CodePersonLimit {
					t.Fatalf("booking %d (%s): %v", n, svc, err)
				}
				n++
				break
			}
		}
	}
	if n != 3 {
		t.Fatalf("%d services with open slots", n)
	}
}
