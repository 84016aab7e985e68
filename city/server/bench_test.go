package server

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"testing"
	"time"

	"hallkiosk/internal/latency"
)

// loadCity generates what a city holds after 90 days: sites × days ×
// perDay events (tickets of 4 events each: issue, call, finish, rate) in
// the monthly partitions, and every site's live status. It returns the
// number of event rows.
func loadCity(b *testing.B, f *fixture, sites, days, perDay int) int64 {
	ctx := context.Background()
	pool := f.st.Pool()
	last := time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC)
	first := last.AddDate(0, 0, -(days - 1))
	var ds []string
	for d := first; !d.After(last); d = d.AddDate(0, 0, 1) {
		ds = append(ds, d.Format(time.DateOnly))
	}
	if err := f.st.EnsurePartitions(ctx, ds...); err != nil {
		b.Fatal(err)
	}
	_, err := pool.Exec(ctx, `INSERT INTO sites (site_id, name, kind, region_code, public_key, last_seq, last_heard, status)
SELECT 's' || lpad(i::text, 3, '0'), '站点 ' || i, CASE WHEN i = 1 THEN 'hall' ELSE 'township' END, '620981', '\x00'::bytea, $1::bigint * $2, now(),
	jsonb_build_object('waiting', i % 17, 'open_windows', i % 5, 'kiosks_online', 2, 'kiosks_faulty', i % 3, 'catalog_version', 'v7')
FROM generate_series(1, $3::int) i`, days, perDay, sites)
	if err != nil {
		b.Fatal(err)
	}
	// One statement per month keeps each transaction moderate.
	for _, d0 := range ds {
		if d0[8:] != "01" && d0 != ds[0] {
			continue
		}
		_, err := pool.Exec(ctx, `INSERT INTO events (site_id, day, seq, at, received_at, kind, ticket, label, service, win, actor, state, detail)
SELECT 's' || lpad(s::text, 3, '0'), d::date, (d::date - $1::date) * $3 + k,
	d + interval '8 hours' + k * interval '4 minutes' + (k % 4) * interval '3 minutes', now(),
	(ARRAY['issue', 'call', 'finish', 'rate'])[1 + (k - 1) % 4], to_char(d, 'YYYYMMDD') || '-t' || ((k - 1) / 4), 'A' || ((k - 1) / 4), 'svc' || (k % 6),
	1 + k % 8, 'staff' || (k % 8), 'done', (1 + k % 5)::text
FROM generate_series(1, $2::int) s,
	generate_series(greatest($4::date, date_trunc('month', $4::date)), least(date_trunc('month', $4::date) + interval '1 month' - interval '1 day', $5::date), interval '1 day') d,
	generate_series(1, $3::int) k`, first, sites, perDay, d0, last)
		if err != nil {
			b.Fatal(err)
		}
	}
	// The ticket facts the ingest would have kept (the migration's backfill).
	if _, err := pool.Exec(ctx, `INSERT INTO ticket_facts
SELECT site_id, ticket,
	min(day) FILTER (WHERE kind IN ('issue', 'import')),
	min(at) FILTER (WHERE kind IN ('issue', 'import')),
	min(at) FILTER (WHERE kind = 'call'),
	max(at) FILTER (WHERE kind = 'finish'),
	COALESCE(substr(max((lpad(seq::text, 19, '0') || state) COLLATE "C") FILTER (WHERE state <> ''), 20), ''),
	COALESCE(substr(max((lpad(seq::text, 19, '0') || service) COLLATE "C") FILTER (WHERE service <> ''), 20), ''),
	substr(max((lpad(seq::text, 19, '0') || win::text) COLLATE "C") FILTER (WHERE kind IN ('call', 'finish') AND win > 0), 20)::int,
	substr(max((lpad(seq::text, 19, '0') || actor) COLLATE "C") FILTER (WHERE kind IN ('call', 'start', 'finish') AND actor <> ''), 20),
	substr(max((lpad(seq::text, 19, '0') || detail) COLLATE "C") FILTER (WHERE kind = 'rate' AND detail ~ '^[1-5]$'), 20)::int
FROM events WHERE ticket <> '' GROUP BY site_id, ticket`); err != nil {
		b.Fatal(err)
	}
	if _, err := pool.Exec(ctx, `INSERT INTO rollup_checkpoints SELECT site_id, last_seq FROM sites ON CONFLICT (site_id) DO UPDATE SET seq = excluded.seq`); err != nil {
		b.Fatal(err)
	}
	if _, err := pool.Exec(ctx, `ANALYZE events; ANALYZE ticket_facts`); err != nil {
		b.Fatal(err)
	}
	// The statistics rows the rollup would have kept.
	if err := f.st.RebuildStatDays(ctx); err != nil {
		b.Fatal(err)
	}
	var n int64
	pool.QueryRow(ctx, `SELECT count(*) FROM events`).Scan(&n)
	return n
}

func envInt(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil && v > 0 {
		return v
	}
	return def
}

// BenchmarkDashboardStats: p99 of the dashboard's data (GET /api/v1/sites),
// of a day's statistics across every site and of one site's 30 days, of
// 90 days across every site per day and as range totals (per=range), on a
// city of CITY_SITES (220) sites × 90 days × CITY_EVENTS_PER_DAY (80)
// events per site and day.
func BenchmarkDashboardStats(b *testing.B) {
	for i := 0; i < b.N; i++ {
		f := setup(b)
		b.StopTimer()
		sites, perDay := envInt("CITY_SITES", 220), envInt("CITY_EVENTS_PER_DAY", 80)
		t0 := time.Now()
		rows := loadCity(b, f, sites, 90, perDay)
		b.Logf("loaded %d event rows (%d sites × 90 days × %d) in %v", rows, sites, perDay, time.Since(t0).Round(time.Second))
		b.ReportMetric(float64(rows), "event-rows")
		boss := f.loginB(b, "boss")
		b.StartTimer()
		measure := func(name, path string, n int) {
			var ds []time.Duration
			for k := 0; k < n; k++ {
				req, _ := http.NewRequest("GET", f.ts.URL+path, nil)
				req.Header.Set("Authorization", "Bearer "+boss)
				t := time.Now()
				r, err := http.DefaultClient.Do(req)
				if err != nil {
					b.Fatal(err)
				}
				io.Copy(io.Discard, r.Body)
				r.Body.Close()
				if r.StatusCode != 200 {
					b.Fatalf("%s: %d", path, r.StatusCode)
				}
				ds = append(ds, time.Since(t))
			}
			latency.Report(b, name, ds)
		}
		if os.Getenv("CITY_EXPLAIN") != "" {
			explainStats(b, f)
		}
		measure("sites", "/api/v1/sites", 200)
		measure("stats-day-all-sites", "/api/v1/stats?from=2026-11-30&to=2026-11-30", 50)
		measure("stats-30days-one-site", fmt.Sprintf("/api/v1/stats?from=2026-11-01&to=2026-11-30&site=s%03d", 7), 50)
		measure("stats-csv-day", "/api/v1/stats?from=2026-11-30&to=2026-11-30&format=csv", 50)
		measure("stats-90days-all-sites", "/api/v1/stats?from=2026-09-02&to=2026-11-30", 20)
		measure("stats-90days-all-sites-range", "/api/v1/stats?from=2026-09-02&to=2026-11-30&per=range", 50)
		measure("stats-90days-all-sites-range-csv", "/api/v1/stats?from=2026-09-02&to=2026-11-30&per=range&format=csv", 50)
	}
}

// explainStats logs the plans of a day's and 90 days' statistics across
// every site (CITY_EXPLAIN=1).
func explainStats(b *testing.B, f *fixture) {
	for _, r := range [][2]string{{"2026-11-30", "2026-11-30"}, {"2026-09-02", "2026-11-30"}} {
		plan, err := f.st.ExplainStats(context.Background(), r[0], r[1], "")
		if err != nil {
			b.Fatal(err)
		}
		b.Logf("EXPLAIN ANALYZE stats %s..%s:\n%s", r[0], r[1], plan)
	}
	plan, err := f.st.ExplainStatsRange(context.Background(), "2026-09-02", "2026-11-30", "")
	if err != nil {
		b.Fatal(err)
	}
	b.Logf("EXPLAIN ANALYZE stats per=range 2026-09-02..2026-11-30:\n%s", plan)
}
