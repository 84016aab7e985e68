package store

import (
	"context"
	"testing"
	"time"

	"hallkiosk/city/wire"
)

func TestStatsAndRatings(t *testing.T) {
	s := open(t)
	ctx := context.Background()
	enrolled(t, s, "hall-a", "hall")
	if err := s.SetItem(ctx, "hall-a", "tax", "000123456", "11620981000123456", "税务登记"); err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 12, 2, 1, 0, 0, 0, time.UTC)
	ms := func(min int) int64 { return at.Add(time.Duration(min) * time.Minute).UnixMilli() }
	day := "2026-12-02"
	evs := []wire.Event{
		{Kind: "issue", Ticket: "t1", Service: "tax", State: "waiting", At: ms(0)},
		{Kind: "issue", Ticket: "t2", Service: "tax", State: "waiting", At: ms(1)},
		{Kind: "issue", Ticket: "t3", Service: "tax", State: "waiting", At: ms(2)},
		{Kind: "call", Ticket: "t1", Service: "tax", State: "called", Window: 3, Actor: "wang", At: ms(10)},
		{Kind: "finish", Ticket: "t1", Service: "tax", State: "done", Window: 3, Actor: "wang", At: ms(20)},
		{Kind: "rate", Ticket: "t1", Service: "tax", State: "done", Window: 3, Actor: "pad", Detail: "5", At: ms(21)},
		{Kind: "call", Ticket: "t2", Service: "tax", State: "called", Window: 3, Actor: "wang", At: ms(31)},
		{Kind: "finish", Ticket: "t2", Service: "tax", State: "done", Window: 3, Actor: "wang", At: ms(41)},
		{Kind: "rate", Ticket: "t2", Service: "tax", State: "done", Window: 3, Actor: "k-0123456789abcdef", Detail: "2", At: ms(42)},
		{Kind: "rate", Ticket: "t2", Service: "tax", State: "done", Window: 3, Actor: "k-0123456789abcdef", Detail: "3", At: ms(43)},
		{Kind: "cancel", Ticket: "t3", Service: "tax", State: "cancelled", At: ms(44)},
	}
	for i := range evs {
		evs[i].Seq, evs[i].Day = int64(i+1), day
	}
	if _, err := s.Ingest(ctx, &wire.Push{Site: "hall-a", SentAt: ms(50), Events: evs}, at.Add(50*time.Minute)); err != nil {
		t.Fatal(err)
	}
	// The same events in batches of one at a second site: the ticket facts
	// merged across batches give the same statistics.
	enrolled(t, s, "hall-b", "hall")
	for _, e := range evs {
		if _, err := s.Ingest(ctx, &wire.Push{Site: "hall-b", SentAt: ms(50), Events: []wire.Event{e}}, at.Add(50*time.Minute)); err != nil {
			t.Fatal(err)
		}
	}
	ra, _ := s.Stats(ctx, day, day, "hall-a")
	rb, _ := s.Stats(ctx, day, day, "hall-b")
	if len(ra) != len(rb) || len(ra) == 0 {
		t.Fatalf("one batch %d rows, one event per batch %d rows", len(ra), len(rb))
	}
	for i := range ra {
		a, b := ra[i], rb[i]
		a.Site, b.Site, a.ItemCode, b.ItemCode = "", "", "", ""
		if a != b {
			t.Fatalf("row %d differs: %+v vs %+v", i, ra[i], rb[i])
		}
	}
	rows, err := s.Stats(ctx, day, day, "hall-a")
	if err != nil {
		t.Fatal(err)
	}
	by := map[string]StatRow{}
	for _, r := range rows {
		by[r.Dimension+"/"+r.Key] = r
	}
	h := by["hall/"]
	if h.Site != "hall-a" || h.Issued != 3 || h.Served != 2 || h.Cancelled != 1 || h.Rated != 2 {
		t.Fatalf("hall row %+v", h)
	}
	// waits 10 and 30 minutes: p50 20, p90 28; service 10 min each; ratings 5 and 3 (the re-rating counts).
	if h.WaitP50 != 20 || h.WaitP90 != 28 || h.ServeAvg != 10 || h.RatingAvg != 4 || h.Satisfied != 0.5 {
		t.Fatalf("hall figures %+v", h)
	}
	if r := by["service/tax"]; r.ItemCode != "11620981000123456" || r.Issued != 3 {
		t.Fatalf("service row %+v", r)
	}
	if r := by["window/3"]; r.Served != 2 {
		t.Fatalf("window row %+v (rows %v)", r, rows)
	}
	if r := by["staff/wang"]; r.Served != 2 {
		t.Fatalf("staff row %+v", r)
	}
	if rs, _ := s.Stats(ctx, day, day, "other"); len(rs) != 0 {
		t.Fatalf("another site's stats: %v", rs)
	}
	rat, err := s.Ratings(ctx, day, day)
	if err != nil || len(rat) != 6 { // hall-a and hall-b
		t.Fatalf("ratings %v %v", rat, err)
	}
	if r := rat[0]; r.Ticket != "t1" || r.Score != 5 || r.Count != 1 || r.Staff != "wang" || r.RegionCode != "620981" || r.ItemCode != "11620981000123456" {
		t.Fatalf("first rating %+v", r)
	}
	if r := rat[2]; r.Ticket != "t2" || r.Score != 3 || r.Count != 2 {
		t.Fatalf("re-rating %+v", r)
	}
	after, err := s.RatingsAfter(ctx, "hall-a", rat[0].Seq, 10)
	if err != nil || len(after) != 2 || after[0].Seq != rat[1].Seq {
		t.Fatalf("ratings after: %v %v", after, err)
	}
	if err := s.SetCheckpoint(ctx, "file", "hall-a", 9); err != nil {
		t.Fatal(err)
	}
	if err := s.SetCheckpoint(ctx, "file", "hall-a", 6); err != nil {
		t.Fatal(err)
	}
	if c, _ := s.Checkpoint(ctx, "file", "hall-a"); c != 9 {
		t.Fatalf("checkpoint went back to %d", c)
	}
}

// TestStatDaysFollowEachRollup: statistics asked after every single event
// (one rollup and one stat_days refresh each) end equal to those of the
// same events folded at once, and a day's rows change as its tickets do.
func TestStatDaysFollowEachRollup(t *testing.T) {
	s := open(t)
	ctx := context.Background()
	at := time.Date(2026, 12, 2, 1, 0, 0, 0, time.UTC)
	ms := func(min int) int64 { return at.Add(time.Duration(min) * time.Minute).UnixMilli() }
	day := "2026-12-02"
	evs := []wire.Event{
		{Kind: "issue", Ticket: "t1", Service: "tax", State: "waiting", At: ms(0)},
		{Kind: "issue", Ticket: "t2", Service: "fee", State: "waiting", At: ms(1)},
		{Kind: "call", Ticket: "t1", Service: "tax", State: "called", Window: 3, Actor: "wang", At: ms(10)},
		{Kind: "finish", Ticket: "t1", Service: "tax", State: "done", Window: 3, Actor: "wang", At: ms(20)},
		{Kind: "rate", Ticket: "t1", Service: "tax", State: "done", Window: 3, Actor: "pad", Detail: "4", At: ms(21)},
		{Kind: "call", Ticket: "t2", Service: "fee", State: "called", Window: 2, Actor: "li", At: ms(30)},
		{Kind: "no_show", Ticket: "t2", Service: "fee", State: "no_show", Window: 2, Actor: "li", At: ms(35)},
	}
	for i := range evs {
		evs[i].Seq, evs[i].Day = int64(i+1), day
	}
	enrolled(t, s, "all", "hall")
	if _, err := s.Ingest(ctx, &wire.Push{Site: "all", SentAt: ms(50), Events: evs}, at.Add(50*time.Minute)); err != nil {
		t.Fatal(err)
	}
	enrolled(t, s, "each", "hall")
	hall := func(rows []StatRow) StatRow {
		for _, r := range rows {
			if r.Dimension == "hall" {
				return r
			}
		}
		return StatRow{}
	}
	for i, e := range evs {
		if _, err := s.Ingest(ctx, &wire.Push{Site: "each", SentAt: ms(50), Events: []wire.Event{e}}, at.Add(50*time.Minute)); err != nil {
			t.Fatal(err)
		}
		rows, err := s.Stats(ctx, day, day, "each")
		if err != nil {
			t.Fatal(err)
		}
		h := hall(rows)
		if want := min(i+1, 2); h.Issued != want {
			t.Fatalf("after event %d: issued %d, want %d", i+1, h.Issued, want)
		}
		if want := map[bool]int{true: 1, false: 0}[i >= 3]; h.Served != want {
			t.Fatalf("after event %d: served %d, want %d", i+1, h.Served, want)
		}
	}
	ra, _ := s.Stats(ctx, day, day, "all")
	rb, _ := s.Stats(ctx, day, day, "each")
	if len(ra) != len(rb) || len(ra) == 0 {
		t.Fatalf("at once %d rows, one by one %d rows", len(ra), len(rb))
	}
	for i := range ra {
		a, b := ra[i], rb[i]
		a.Site, b.Site = "", ""
		if a != b {
			t.Fatalf("row %d differs: %+v vs %+v", i, ra[i], rb[i])
		}
	}
	if h := hall(rb); h.NoShow != 1 || h.Rated != 1 || h.RatingAvg != 4 {
		t.Fatalf("hall row: %+v", h)
	}
}
