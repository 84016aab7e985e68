package store

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// StatRow is one line of city statistics: the hall's columns
// (queue/engine.StatRow) plus the site and the 事项 code of the service.
type StatRow struct {
	Site      string  `json:"site"`
	Day       string  `json:"day"`
	Dimension string  `json:"dimension"` // "hall", "service", "window" or "staff"
	Key       string  `json:"key"`
	ItemCode  string  `json:"item_code"`
	Issued    int     `json:"issued"`
	Served    int     `json:"served"`
	NoShow    int     `json:"no_show"`
	Cancelled int     `json:"cancelled"`
	Void      int     `json:"void"`
	WaitP50   float64 `json:"wait_p50_min"`
	WaitP90   float64 `json:"wait_p90_min"`
	ServeAvg  float64 `json:"serve_avg_min"`
	Rated     int     `json:"rated"`
	RatingAvg float64 `json:"rating_avg"`
	Satisfied float64 `json:"satisfied"`
}

// statDaysSQL counts the tickets (ticket_facts, kept by the rollup) per
// site, day and dimension in one pass (GROUPING SETS), for stat_days.
// TICKETS_FILTER restricts the tickets. Times are the site's.
const statDaysSQL = `
WITH t AS (
	SELECT site_id, ticket, day, issued_at AS issued, called_at AS called, ended_at AS ended,
		NULLIF(state, '') AS state, NULLIF(service, '') AS service, win, staff, rating
	FROM ticket_facts
	WHERE day IS NOT NULL TICKETS_FILTER
)
SELECT t.site_id, t.day,
	CASE WHEN GROUPING(t.service) = 0 THEN 'service' WHEN GROUPING(t.win) = 0 THEN 'window' WHEN GROUPING(t.staff) = 0 THEN 'staff' ELSE 'hall' END,
	COALESCE(t.service, t.win::text, t.staff, ''),
	count(*) FILTER (WHERE t.issued IS NOT NULL),
	count(*) FILTER (WHERE t.state = 'done'),
	count(*) FILTER (WHERE t.state = 'no_show'),
	count(*) FILTER (WHERE t.state = 'cancelled'),
	count(*) FILTER (WHERE t.state = 'void'),
	COALESCE(percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM t.called - t.issued) / 60), 0),
	COALESCE(percentile_cont(0.9) WITHIN GROUP (ORDER BY extract(epoch FROM t.called - t.issued) / 60), 0),
	COALESCE(avg(extract(epoch FROM t.ended - t.called) / 60) FILTER (WHERE t.state = 'done'), 0),
	count(t.rating),
	COALESCE(avg(t.rating), 0),
	COALESCE(avg((t.rating >= 4)::int) FILTER (WHERE t.rating IS NOT NULL), 0)
FROM t
GROUP BY t.site_id, t.day, GROUPING SETS ((), (t.service), (t.win), (t.staff))`

// statsSQL reads the statistics of days $1..$2 from stat_days, the rows
// the rollup keeps per site, day and dimension.
const statsSQL = `
SELECT site_id, to_char(day, 'YYYY-MM-DD'), dimension, key, issued, served, no_show, cancelled, void,
	wait_p50, wait_p90, serve_avg, rated, rating_avg, satisfied
FROM stat_days
WHERE day BETWEEN $1::date AND $2::date SITE_FILTER
ORDER BY site_id, day, dimension, key`

// RebuildStatDays recomputes stat_days and stat_spans from every ticket
// fact (after a bulk load that wrote ticket_facts directly).
func (s *Store) RebuildStatDays(ctx context.Context) error {
	_, err := s.pool.Exec(ctx, `TRUNCATE stat_days; INSERT INTO stat_days `+strings.Replace(statDaysSQL, "TICKETS_FILTER", "", 1)+`; ANALYZE stat_days`)
	if err != nil {
		return fmt.Errorf("store: stat days: %w", err)
	}
	return s.RebuildStatSpans(ctx)
}

// statsQuery is the statistics query and its arguments. Two plans: one
// site by its (site_id, day) index, all sites by day.
func statsQuery(from, to, site string) (string, []any) {
	if site != "" {
		return strings.Replace(statsSQL, "SITE_FILTER", "AND site_id = $3", 1), []any{from, to, site}
	}
	return strings.Replace(statsSQL, "SITE_FILTER", "", 1), []any{from, to}
}

// Stats computes statistics for days from..to (inclusive, YYYY-MM-DD) of
// one site or, with site "", of every site.
func (s *Store) Stats(ctx context.Context, from, to, site string) ([]StatRow, error) {
	_, _, items, err := s.statsStart(ctx, from, to)
	if err != nil {
		return nil, err
	}
	q, args := statsQuery(from, to, site)
	rows, err := s.pool.Query(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("store: stats: %w", err)
	}
	defer rows.Close()
	out := []StatRow{}
	for rows.Next() {
		var r StatRow
		var issued, served, noShow, cancelled, void, rated int64
		if err := rows.Scan(&r.Site, &r.Day, &r.Dimension, &r.Key, &issued, &served, &noShow, &cancelled, &void,
			&r.WaitP50, &r.WaitP90, &r.ServeAvg, &rated, &r.RatingAvg, &r.Satisfied); err != nil {
			return nil, fmt.Errorf("store: stats: %w", err)
		}
		if r.Dimension != "hall" && r.Key == "" {
			continue // tickets never called have no window or staff
		}
		r.Issued, r.Served, r.NoShow, r.Cancelled, r.Void, r.Rated = int(issued), int(served), int(noShow), int(cancelled), int(void), int(rated)
		if r.Dimension == "service" {
			r.ItemCode = items[r.Site+"\x00"+r.Key]
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// statsStart checks a statistics range (from <= to, YYYY-MM-DD, at most a
// year), brings the rollup up to date and reads the 事项 codes: what
// Stats and StatsRange both do first.
func (s *Store) statsStart(ctx context.Context, from, to string) (f, t time.Time, items map[string]string, err error) {
	f, err1 := time.Parse(time.DateOnly, from)
	t, err2 := time.Parse(time.DateOnly, to)
	if err1 != nil || err2 != nil || t.Before(f) || t.Sub(f) > 366*24*time.Hour {
		return f, t, nil, fmt.Errorf("store: want from <= to, YYYY-MM-DD, at most a year")
	}
	if err := s.Rollup(ctx); err != nil {
		return f, t, nil, err
	}
	items, err = s.itemCodes(ctx)
	return f, t, items, err
}

// itemCodes maps site+"\x00"+service to the 事项's implementation code
// (its basic code when it has none).
func (s *Store) itemCodes(ctx context.Context) (map[string]string, error) {
	rows, err := s.pool.Query(ctx, `SELECT site_id, service, CASE WHEN impl_code <> '' THEN impl_code ELSE basic_code END FROM items`)
	if err != nil {
		return nil, fmt.Errorf("store: items: %w", err)
	}
	defer rows.Close()
	m := map[string]string{}
	for rows.Next() {
		var site, svc, code string
		if err := rows.Scan(&site, &svc, &code); err != nil {
			return nil, err
		}
		m[site+"\x00"+svc] = code
	}
	return m, rows.Err()
}

// SetItem records the 事项 codes of a site's service.
func (s *Store) SetItem(ctx context.Context, site, service, basic, impl, name string) error {
	if len(basic) == 0 || len(basic) > 10 || len(impl) > 24 {
		return fmt.Errorf("store: 基本编码 1..10 characters, 实施编码 at most 24")
	}
	_, err := s.pool.Exec(ctx, `INSERT INTO items (site_id, service, basic_code, impl_code, name) VALUES ($1,$2,$3,$4,$5)
ON CONFLICT (site_id, service) DO UPDATE SET basic_code=excluded.basic_code, impl_code=excluded.impl_code, name=excluded.name`, site, service, basic, impl, name)
	if err != nil {
		return fmt.Errorf("store: item: %w", err)
	}
	return nil
}

// Rating is one 好差评 rating with what the province needs to know of it.
type Rating struct {
	Site       string
	Seq        int64 // the rate event's sequence: the reporters' order
	Ticket     string
	At         time.Time // site clock
	Actor      string    // who took the rating: a kiosk id or a window pad
	Score      int       // 1..5
	Service    string
	ItemCode   string
	RegionCode string
	Staff      string
	Count      int      // 1 for the ticket's first rating, 2 for a re-rating
	Reasons    []string // the reasons the citizen chose (never nil)
	Text       string   // the citizen's words
	Rater      string   // the hall's keyed hash of the person, "" when unknown
}

const ratingsSQL = `
SELECT r.site_id, r.seq, r.ticket, r.at, r.actor, r.detail, r.service, s.region_code, r.reasons, r.rating_text, r.rater_hash,
	COALESCE(NULLIF(i.impl_code, ''), i.basic_code, ''),
	COALESCE((SELECT f.actor FROM events f WHERE f.site_id = r.site_id AND f.day BETWEEN r.day - 1 AND r.day AND f.ticket = r.ticket AND f.kind = 'finish' ORDER BY f.seq DESC LIMIT 1), ''),
	(SELECT count(*) FROM events p WHERE p.site_id = r.site_id AND p.day BETWEEN r.day - 7 AND r.day AND p.ticket = r.ticket AND p.kind = 'rate' AND p.seq <= r.seq)
FROM events r
JOIN sites s ON s.site_id = r.site_id
LEFT JOIN items i ON i.site_id = r.site_id AND i.service = r.service
WHERE r.kind = 'rate' AND (r.detail ~ '^[1-5]$' OR r.detail ~ '(^| )level [1-5]( |$)') AND `

func (s *Store) ratings(ctx context.Context, where string, args ...any) ([]Rating, error) {
	rows, err := s.pool.Query(ctx, ratingsSQL+where, args...)
	if err != nil {
		return nil, fmt.Errorf("store: ratings: %w", err)
	}
	defer rows.Close()
	var out []Rating
	for rows.Next() {
		var r Rating
		var detail string
		var n int64
		if err := rows.Scan(&r.Site, &r.Seq, &r.Ticket, &r.At, &r.Actor, &detail, &r.Service, &r.RegionCode, &r.Reasons, &r.Text, &r.Rater, &r.ItemCode, &r.Staff, &n); err != nil {
			return nil, fmt.Errorf("store: ratings: %w", err)
		}
		if r.Reasons == nil {
			r.Reasons = []string{}
		}
		lv, count, _ := RateDetail(detail)
		r.Score = lv
		if count == 0 {
			count = int(n) // an older hall: count the ticket's ratings so far
		}
		r.Count = min(count, 2)
		out = append(out, r)
	}
	return out, rows.Err()
}

// Ratings returns the ratings given on days from..to, by site and sequence.
func (s *Store) Ratings(ctx context.Context, from, to string) ([]Rating, error) {
	return s.ratings(ctx, `r.day BETWEEN $1::date AND $2::date ORDER BY r.site_id, r.seq`, from, to)
}

// RatingsAfter returns a site's ratings after sequence seq, oldest first.
func (s *Store) RatingsAfter(ctx context.Context, site string, seq int64, limit int) ([]Rating, error) {
	return s.ratings(ctx, `r.site_id = $1 AND r.seq > $2 ORDER BY r.seq LIMIT $3`, site, seq, limit)
}

// Checkpoint returns a reporter's last acknowledged rating sequence of site.
func (s *Store) Checkpoint(ctx context.Context, reporter, site string) (int64, error) {
	var seq int64
	err := s.pool.QueryRow(ctx, `SELECT COALESCE((SELECT seq FROM reporter_checkpoints WHERE site_id=$1 AND reporter=$2), 0)`, site, reporter).Scan(&seq)
	if err != nil {
		return 0, fmt.Errorf("store: checkpoint: %w", err)
	}
	return seq, nil
}

// Pending returns a reporter's fixed batch end of site (0 when none).
func (s *Store) Pending(ctx context.Context, reporter, site string) (int64, error) {
	var seq int64
	err := s.pool.QueryRow(ctx, `SELECT COALESCE((SELECT pending FROM reporter_checkpoints WHERE site_id=$1 AND reporter=$2), 0)`, site, reporter).Scan(&seq)
	if err != nil {
		return 0, fmt.Errorf("store: pending: %w", err)
	}
	return seq, nil
}

// SetPending fixes the end of the batch a reporter is about to send.
func (s *Store) SetPending(ctx context.Context, reporter, site string, last int64) error {
	_, err := s.pool.Exec(ctx, `INSERT INTO reporter_checkpoints (site_id, reporter, seq, pending) VALUES ($1,$2,0,$3)
ON CONFLICT (site_id, reporter) DO UPDATE SET pending=excluded.pending`, site, reporter, last)
	if err != nil {
		return fmt.Errorf("store: pending: %w", err)
	}
	return nil
}

// RatingsBetween returns a site's ratings with after < seq <= last.
func (s *Store) RatingsBetween(ctx context.Context, site string, after, last int64) ([]Rating, error) {
	return s.ratings(ctx, `r.site_id = $1 AND r.seq > $2 AND r.seq <= $3 ORDER BY r.seq`, site, after, last)
}

// SetCheckpoint advances a reporter's checkpoint of site (never backwards).
func (s *Store) SetCheckpoint(ctx context.Context, reporter, site string, seq int64) error {
	_, err := s.pool.Exec(ctx, `INSERT INTO reporter_checkpoints (site_id, reporter, seq) VALUES ($1,$2,$3)
ON CONFLICT (site_id, reporter) DO UPDATE SET seq=GREATEST(reporter_checkpoints.seq, excluded.seq)`, site, reporter, seq)
	if err != nil {
		return fmt.Errorf("store: checkpoint: %w", err)
	}
	return nil
}

// FleetKiosk is one kiosk of one site on the fleet page.
type FleetKiosk struct {
	Site      string    `json:"site"`
	Data      []byte    `json:"-"`
	UpdatedAt time.Time `json:"updated_at"`
}

// Fleet returns every kiosk of every site (the JSON the site reported).
func (s *Store) Fleet(ctx context.Context) ([]FleetKiosk, error) {
	rows, err := s.pool.Query(ctx, `SELECT site_id, data::text, updated_at FROM kiosks ORDER BY site_id, device`)
	if err != nil {
		return nil, fmt.Errorf("store: fleet: %w", err)
	}
	defer rows.Close()
	var out []FleetKiosk
	for rows.Next() {
		var k FleetKiosk
		var d string
		if err := rows.Scan(&k.Site, &d, &k.UpdatedAt); err != nil {
			return nil, err
		}
		k.Data = []byte(d)
		out = append(out, k)
	}
	return out, rows.Err()
}

// ExplainStats returns EXPLAIN (ANALYZE, BUFFERS) of the statistics query
// for from..to of site (every site with ""), for the benchmarks.
func (s *Store) ExplainStats(ctx context.Context, from, to, site string) (string, error) {
	q, args := statsQuery(from, to, site)
	rows, err := s.pool.Query(ctx, "EXPLAIN (ANALYZE, BUFFERS) "+q, args...)
	if err != nil {
		return "", err
	}
	defer rows.Close()
	var b strings.Builder
	for rows.Next() {
		var line string
		if err := rows.Scan(&line); err != nil {
			return "", err
		}
		b.WriteString(line + "\n")
	}
	return b.String(), rows.Err()
}
