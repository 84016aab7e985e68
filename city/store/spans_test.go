package store

import (
	"context"
	"fmt"
	"math"
	"math/rand"
	"strings"
	"testing"
	"time"

	"hallkiosk/city/wire"
)

// cityDays pushes days of tickets for site through the ingest: random
// waits (whole seconds, or with milliseconds when frac), no-shows,
// cancellations, unserved tickets and ratings, over several services,
// windows and staff.
func cityDays(t *testing.T, s *Store, site string, first time.Time, days int, frac bool, rnd *rand.Rand) {
	t.Helper()
	ctx := context.Background()
	var evs []wire.Event
	push := func() {
		for len(evs) > 0 {
			n := min(len(evs), 1000)
			if _, err := s.Ingest(ctx, &wire.Push{Site: site, SentAt: time.Now().UnixMilli(), Events: evs[:n]}, time.Now()); err != nil {
				t.Fatal(err)
			}
			evs = evs[n:]
		}
	}
	seq, _ := s.lastSeq(ctx, site)
	add := func(e wire.Event) {
		seq++
		e.Seq = seq
		evs = append(evs, e)
	}
	for d := 0; d < days; d++ {
		day := first.AddDate(0, 0, d)
		for k := 0; k < 12+rnd.Intn(10); k++ {
			tk := fmt.Sprintf("%s-%d-%d", day.Format("0102"), k, seq)
			svc := fmt.Sprintf("svc%d", rnd.Intn(4))
			at := day.Add(time.Hour + time.Duration(rnd.Intn(8*3600))*time.Second)
			ms := func(x time.Time) int64 { return x.UnixMilli() }
			ds := day.Format(time.DateOnly)
			add(wire.Event{Kind: "issue", Day: ds, Ticket: tk, Service: svc, State: "waiting", At: ms(at)})
			if rnd.Intn(10) == 0 {
				add(wire.Event{Kind: "cancel", Day: ds, Ticket: tk, Service: svc, State: "cancelled", At: ms(at.Add(time.Minute))})
				continue
			}
			if rnd.Intn(12) == 0 {
				continue // never called
			}
			wait := time.Duration(rnd.Intn(40*60)) * time.Second
			if frac {
				wait += time.Duration(rnd.Intn(1000)) * time.Millisecond
			}
			win, staff := 1+rnd.Intn(5), fmt.Sprintf("staff%d", rnd.Intn(6))
			call := at.Add(wait)
			add(wire.Event{Kind: "call", Day: ds, Ticket: tk, Service: svc, State: "called", Window: win, Actor: staff, At: ms(call)})
			if rnd.Intn(8) == 0 {
				add(wire.Event{Kind: "no_show", Day: ds, Ticket: tk, Service: svc, State: "no_show", Window: win, Actor: staff, At: ms(call.Add(3 * time.Minute))})
				continue
			}
			end := call.Add(time.Duration(60+rnd.Intn(1800))*time.Second + time.Duration(rnd.Intn(1000))*time.Millisecond)
			add(wire.Event{Kind: "finish", Day: ds, Ticket: tk, Service: svc, State: "done", Window: win, Actor: staff, At: ms(end)})
			if rnd.Intn(3) > 0 {
				add(wire.Event{Kind: "rate", Day: ds, Ticket: tk, Service: svc, State: "done", Window: win, Actor: "pad", Detail: fmt.Sprint(1 + rnd.Intn(5)), At: ms(end.Add(time.Second))})
			}
		}
	}
	push()
}

func (s *Store) lastSeq(ctx context.Context, site string) (int64, error) {
	var n int64
	err := s.pool.QueryRow(ctx, `SELECT last_seq FROM sites WHERE site_id=$1`, site).Scan(&n)
	return n, err
}

// rawRange is the statistics of from..to computed from the tickets as one
// range (statsRangeRawSQL), keyed by site, dimension and key.
func rawRange(t *testing.T, s *Store, from, to, site string) map[string]StatRow {
	t.Helper()
	rows, err := s.pool.Query(context.Background(), statsRangeRawSQL, from, to)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	m := map[string]StatRow{}
	for rows.Next() {
		var r StatRow
		var issued, served, noShow, cancelled, void, rated int64
		if err := rows.Scan(&r.Site, &r.Dimension, &r.Key, &issued, &served, &noShow, &cancelled, &void,
			&r.WaitP50, &r.WaitP90, &r.ServeAvg, &rated, &r.RatingAvg, &r.Satisfied); err != nil {
			t.Fatal(err)
		}
		if (r.Dimension != "hall" && r.Key == "") || (site != "" && r.Site != site) {
			continue
		}
		r.Issued, r.Served, r.NoShow, r.Cancelled, r.Void, r.Rated = int(issued), int(served), int(noShow), int(cancelled), int(void), int(rated)
		m[r.Site+"/"+r.Dimension+"/"+r.Key] = r
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return m
}

// compareRange checks StatsRange against the raw computation: counts
// equal, averages equal up to rounding, percentiles within tol minutes.
func compareRange(t *testing.T, s *Store, from, to, site string, tol func(site string) float64) {
	t.Helper()
	got, err := s.StatsRange(context.Background(), from, to, site)
	if err != nil {
		t.Fatal(err)
	}
	want := rawRange(t, s, from, to, site)
	if len(got) != len(want) || len(got) == 0 {
		t.Fatalf("%s..%s site %q: %d rows from the spans, %d from the tickets", from, to, site, len(got), len(want))
	}
	near := func(a, b, e float64) bool { return math.Abs(a-b) <= e+1e-9*math.Max(1, math.Abs(b)) }
	for _, g := range got {
		w, ok := want[g.Site+"/"+g.Dimension+"/"+g.Key]
		if !ok {
			t.Fatalf("%s..%s: row %+v not in the raw computation", from, to, g)
		}
		if g.Day != from+"/"+to {
			t.Fatalf("day %q", g.Day)
		}
		e := tol(g.Site)
		if g.Issued != w.Issued || g.Served != w.Served || g.NoShow != w.NoShow || g.Cancelled != w.Cancelled || g.Void != w.Void || g.Rated != w.Rated ||
			!near(g.ServeAvg, w.ServeAvg, 0) || !near(g.RatingAvg, w.RatingAvg, 0) || !near(g.Satisfied, w.Satisfied, 0) ||
			!near(g.WaitP50, w.WaitP50, e) || !near(g.WaitP90, w.WaitP90, e) {
			t.Fatalf("%s..%s %s/%s/%s:\n spans %+v\n raw   %+v", from, to, g.Site, g.Dimension, g.Key, g, w)
		}
	}
}

// TestStatsRangeEqualsRaw: range statistics merged from stat_spans equal
// those computed from the tickets over the same range, for ranges that
// cut blocks at every level, for every site and one, after rollups that
// folded the days in pieces; with waits in whole seconds exactly, with
// milliseconds within half a second.
func TestStatsRangeEqualsRaw(t *testing.T) {
	s := open(t)
	rnd := rand.New(rand.NewSource(15))
	first := time.Date(2026, 8, 20, 0, 0, 0, 0, time.FixedZone("CST", 8*3600))
	for _, site := range []string{"a", "b", "frac"} {
		enrolled(t, s, site, "township")
	}
	cityDays(t, s, "a", first, 50, false, rnd)
	cityDays(t, s, "frac", first, 50, true, rnd)
	// A rollup in between, then more days (and late events of earlier days).
	if _, err := s.StatsRange(context.Background(), "2026-08-20", "2026-10-30", ""); err != nil {
		t.Fatal(err)
	}
	cityDays(t, s, "a", first.AddDate(0, 0, 50), 45, false, rnd)
	cityDays(t, s, "b", first.AddDate(0, 0, 3), 90, false, rnd)
	cityDays(t, s, "frac", first.AddDate(0, 0, 50), 40, true, rnd)
	cityDays(t, s, "a", first.AddDate(0, 0, 10), 2, false, rnd)
	tol := func(site string) float64 {
		if site == "frac" {
			return 1.0 / 120
		}
		return 0
	}
	for _, r := range [][2]string{
		{"2026-08-20", "2026-11-17"}, // 90 days
		{"2026-09-02", "2026-11-30"},
		{"2026-08-25", "2026-08-25"},
		{"2026-09-13", "2026-10-29"},
		{"2026-08-01", "2027-01-31"},
	} {
		compareRange(t, s, r[0], r[1], "", tol)
		compareRange(t, s, r[0], r[1], "b", tol)
	}
	// Rebuilt at once (what migration 00010 and a bulk load do): the same.
	if err := s.RebuildStatSpans(context.Background()); err != nil {
		t.Fatal(err)
	}
	compareRange(t, s, "2026-09-02", "2026-11-30", "", tol)
}

func TestSpanCover(t *testing.T) {
	d := func(s string) time.Time { x, _ := time.Parse(time.DateOnly, s); return x }
	for _, c := range [][2]string{{"2026-09-02", "2026-11-30"}, {"2026-01-01", "2026-12-31"}, {"2026-03-05", "2026-03-05"}} {
		lv, st := spanCover(d(c[0]), d(c[1]))
		next := d(c[0])
		for i := range lv {
			if !st[i].Equal(next) || !blockStart(st[i], int(lv[i])).Equal(st[i]) {
				t.Fatalf("%v: block %d (%d, %v) not aligned or not contiguous", c, i, lv[i], st[i])
			}
			next = st[i].AddDate(0, 0, 1<<lv[i])
		}
		if !next.Equal(d(c[1]).AddDate(0, 0, 1)) || len(lv) > 2*(MaxSpanLevel+1)+3 {
			t.Fatalf("%v: %d blocks end at %v", c, len(lv), next)
		}
		t.Logf("%s..%s: %d blocks", c[0], c[1], len(lv))
	}
}

// TestSpansMigrationBackfill: migration 00010 fills stat_spans with the
// statements RebuildStatSpans runs (so the two cannot drift apart).
func TestSpansMigrationBackfill(t *testing.T) {
	m, err := migrations.ReadFile("migrations/00010_stat_spans.sql")
	if err != nil {
		t.Fatal(err)
	}
	for _, st := range strings.Split(rebuildSpansSQL(), ";\n") {
		if st = strings.TrimSpace(st); st == "" || strings.HasPrefix(st, "TRUNCATE") || strings.HasPrefix(st, "ANALYZE") {
			continue
		}
		if !strings.Contains(string(m), st+";") {
			t.Fatalf("migration 00010 lacks:\n%s", st)
		}
	}
}
