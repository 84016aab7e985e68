package store

import (
	"context"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// Statistics over long ranges read stat_spans: for every site, dimension
// and key, the additive parts of the statistics (counts, sums) and a
// histogram of the waits in whole seconds, per aligned block of 2^lvl days
// (lvl 0..MaxSpanLevel, blocks aligned on 1970-01-01). A range of days is
// the union of a few blocks (at most two a level), so 90 days across
// every site read some tens of thousands of rows instead of 158,400 day
// rows, and merge them in PostgreSQL into one row per site, dimension and
// key.
//
// Counts, serve_avg_min, rating_avg and satisfied equal the computation
// over the tickets (up to floating-point rounding, < 1e-9). wait_p50_min
// and wait_p90_min are percentile_cont over the waits rounded to the
// second: each differs from the one over the exact waits by at most half
// a second (1/120 min), and equals it when the waits are whole seconds.

// MaxSpanLevel is the largest block: 2^7 = 128 days.
const MaxSpanLevel = 7

var epochDay = time.Date(1970, 1, 1, 0, 0, 0, 0, time.UTC)

// spanLevel0SQL computes the level-0 rows (one day) from ticket_facts.
// TICKETS_FILTER restricts the tickets.
const spanLevel0SQL = `
WITH t AS (
	SELECT site_id, day, issued_at AS issued, NULLIF(state, '') AS state, NULLIF(service, '') AS service, win, staff, rating,
		round(extract(epoch FROM called_at - issued_at))::int AS wait_s,
		(extract(epoch FROM ended_at - called_at) * 1000000)::bigint AS serve_us
	FROM ticket_facts
	WHERE day IS NOT NULL TICKETS_FILTER
), g AS (
	SELECT t.site_id, t.day,
		CASE WHEN GROUPING(t.service) = 0 THEN 'service' WHEN GROUPING(t.win) = 0 THEN 'window' WHEN GROUPING(t.staff) = 0 THEN 'staff' ELSE 'hall' END AS dimension,
		COALESCE(t.service, t.win::text, t.staff, '') AS key,
		t.wait_s,
		count(*) AS n,
		count(*) FILTER (WHERE t.issued IS NOT NULL) AS issued,
		count(*) FILTER (WHERE t.state = 'done') AS served,
		count(*) FILTER (WHERE t.state = 'no_show') AS no_show,
		count(*) FILTER (WHERE t.state = 'cancelled') AS cancelled,
		count(*) FILTER (WHERE t.state = 'void') AS void,
		COALESCE(sum(t.serve_us) FILTER (WHERE t.state = 'done'), 0) AS serve_us,
		count(t.serve_us) FILTER (WHERE t.state = 'done') AS serve_n,
		count(t.rating) AS rated,
		COALESCE(sum(t.rating), 0) AS rating_sum,
		count(*) FILTER (WHERE t.rating >= 4) AS satisfied_n
	FROM t
	GROUP BY t.site_id, t.day, GROUPING SETS ((t.wait_s), (t.service, t.wait_s), (t.win, t.wait_s), (t.staff, t.wait_s))
)
SELECT site_id, 0, day, dimension, key,
	sum(issued), sum(served), sum(no_show), sum(cancelled), sum(void), sum(serve_us), sum(serve_n),
	sum(rated), sum(rating_sum), sum(satisfied_n),
	COALESCE(array_agg(wait_s ORDER BY wait_s) FILTER (WHERE wait_s IS NOT NULL), '{}'),
	COALESCE(array_agg(n::int ORDER BY wait_s) FILTER (WHERE wait_s IS NOT NULL), '{}')
FROM g
GROUP BY site_id, day, dimension, key`

// spanMergeSQL merges the rows of CHILDREN (a query over stat_spans) into
// one row per site, BLOCK (an expression of c.start), dimension and key.
const spanMergeSQL = `
WITH c AS (CHILDREN), h AS (
	SELECT c.site_id, BLOCK AS b, c.dimension, c.key, u.s, sum(u.n)::int AS n
	FROM c, unnest(c.wait_s, c.wait_n) AS u(s, n)
	GROUP BY 1, 2, 3, 4, 5
), hh AS (
	SELECT site_id, b, dimension, key, array_agg(s ORDER BY s) AS ws, array_agg(n ORDER BY s) AS wn
	FROM h GROUP BY 1, 2, 3, 4
), m AS (
	SELECT c.site_id, BLOCK AS b, c.dimension, c.key,
		sum(c.issued)::bigint AS issued, sum(c.served)::bigint AS served, sum(c.no_show)::bigint AS no_show,
		sum(c.cancelled)::bigint AS cancelled, sum(c.void)::bigint AS void, sum(c.serve_us)::bigint AS serve_us,
		sum(c.serve_n)::bigint AS serve_n, sum(c.rated)::bigint AS rated, sum(c.rating_sum)::bigint AS rating_sum,
		sum(c.satisfied_n)::bigint AS satisfied_n
	FROM c GROUP BY 1, 2, 3, 4
)
SELECT m.site_id, LEVEL m.dimension, m.key, m.issued, m.served, m.no_show, m.cancelled, m.void,
	m.serve_us, m.serve_n, m.rated, m.rating_sum, m.satisfied_n, COALESCE(hh.ws, '{}'), COALESCE(hh.wn, '{}')
FROM m LEFT JOIN hh USING (site_id, b, dimension, key)`

// blockExpr is the start of c.start's block of 2^lvl days.
func blockExpr(lvl int) string {
	return fmt.Sprintf("(date '1970-01-01' + ((c.start - date '1970-01-01') / %d) * %d)", 1<<lvl, 1<<lvl)
}

// spanLevelSQL builds level lvl (≥ 1) from level lvl-1; FILTER restricts
// the children (over c.site_id and c.start).
func spanLevelSQL(lvl int, filter string) string {
	q := strings.NewReplacer(
		"CHILDREN", fmt.Sprintf("SELECT * FROM stat_spans c WHERE c.lvl = %d %s", lvl-1, filter),
		"BLOCK", blockExpr(lvl),
		"LEVEL", fmt.Sprintf("%d, m.b,", lvl),
	).Replace(spanMergeSQL)
	return "INSERT INTO stat_spans " + q
}

// blockStart returns the start of day's block of 2^lvl days.
func blockStart(day time.Time, lvl int) time.Time {
	n := int(day.Sub(epochDay).Hours()/24+0.5) >> lvl << lvl
	return epochDay.AddDate(0, 0, n)
}

// spanCover splits from..to (inclusive) into the fewest aligned blocks:
// at each day the largest block that starts there and ends by to.
func spanCover(from, to time.Time) (lvls []int16, starts []time.Time) {
	for d := from; !d.After(to); {
		l := MaxSpanLevel
		for ; l > 0; l-- {
			if blockStart(d, l).Equal(d) && !d.AddDate(0, 0, 1<<l-1).After(to) {
				break
			}
		}
		lvls, starts = append(lvls, int16(l)), append(starts, d)
		d = d.AddDate(0, 0, 1<<l)
	}
	return lvls, starts
}

// refreshSpans recomputes site's stat_spans rows over days, every level
// (in the rollup's transaction).
func refreshSpans(ctx context.Context, tx pgx.Tx, site string, days []time.Time) error {
	if _, err := tx.Exec(ctx, `DELETE FROM stat_spans WHERE site_id=$1 AND lvl = 0 AND start = ANY($2::date[])`, site, days); err != nil {
		return err
	}
	q := "INSERT INTO stat_spans " + strings.Replace(spanLevel0SQL, "TICKETS_FILTER", "AND site_id = $1 AND day = ANY($2::date[])", 1)
	if _, err := tx.Exec(ctx, q, site, days); err != nil {
		return err
	}
	for l := 1; l <= MaxSpanLevel; l++ {
		seen := map[time.Time]bool{}
		var blocks []time.Time
		for _, d := range days {
			if b := blockStart(d, l); !seen[b] {
				seen[b] = true
				blocks = append(blocks, b)
			}
		}
		if _, err := tx.Exec(ctx, `DELETE FROM stat_spans WHERE site_id=$1 AND lvl=$2 AND start = ANY($3::date[])`, site, l, blocks); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, spanLevelSQL(l, "AND c.site_id = $1 AND "+blockExpr(l)+" = ANY($2::date[])"), site, blocks); err != nil {
			return err
		}
	}
	return nil
}

// rebuildSpansSQL recomputes every stat_spans row from ticket_facts.
func rebuildSpansSQL() string {
	var b strings.Builder
	b.WriteString("TRUNCATE stat_spans;\nINSERT INTO stat_spans " + strings.Replace(spanLevel0SQL, "TICKETS_FILTER", "", 1) + ";\n")
	for l := 1; l <= MaxSpanLevel; l++ {
		b.WriteString(spanLevelSQL(l, "") + ";\n")
	}
	b.WriteString("ANALYZE stat_spans;\n")
	return b.String()
}

// RebuildStatSpans recomputes stat_spans from every ticket fact.
func (s *Store) RebuildStatSpans(ctx context.Context) error {
	if _, err := s.pool.Exec(ctx, rebuildSpansSQL()); err != nil {
		return fmt.Errorf("store: stat spans: %w", err)
	}
	return nil
}

// StatsRange computes the statistics of days from..to (inclusive,
// YYYY-MM-DD) as one row per site, dimension and key over the whole
// range (Day is "FROM/TO"), from stat_spans; site "" is every site.
func (s *Store) StatsRange(ctx context.Context, from, to, site string) ([]StatRow, error) {
	f, t, items, err := s.statsStart(ctx, from, to)
	if err != nil {
		return nil, err
	}
	q, args := statsRangeQuery(f, t, site)
	rows, err := s.pool.Query(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("store: stats: %w", err)
	}
	defer rows.Close()
	out := []StatRow{}
	day := from + "/" + to
	for rows.Next() {
		var r StatRow
		var issued, served, noShow, cancelled, void, serveUS, serveN, rated, ratingSum, satN int64
		var ws, wn []int32
		if err := rows.Scan(&r.Site, &r.Dimension, &r.Key, &issued, &served, &noShow, &cancelled, &void,
			&serveUS, &serveN, &rated, &ratingSum, &satN, &ws, &wn); err != nil {
			return nil, fmt.Errorf("store: stats: %w", err)
		}
		if r.Dimension != "hall" && r.Key == "" {
			continue
		}
		r.Day = day
		r.Issued, r.Served, r.NoShow, r.Cancelled, r.Void, r.Rated = int(issued), int(served), int(noShow), int(cancelled), int(void), int(rated)
		r.WaitP50, r.WaitP90 = histPercentile(ws, wn, 0.5), histPercentile(ws, wn, 0.9)
		if serveN > 0 {
			r.ServeAvg = float64(serveUS) / float64(serveN) / 60e6
		}
		if rated > 0 {
			r.RatingAvg = float64(ratingSum) / float64(rated)
			r.Satisfied = float64(satN) / float64(rated)
		}
		if r.Dimension == "service" {
			r.ItemCode = items[r.Site+"\x00"+r.Key]
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// statsRangeQuery is the query of StatsRange: the blocks covering f..t
// (each read by the (lvl, start) index, or the primary key for one
// site) merged into one row per site, dimension and key.
func statsRangeQuery(f, t time.Time, site string) (string, []any) {
	lvls, starts := spanCover(f, t)
	var or []string
	args := []any{}
	for i := range lvls {
		or = append(or, fmt.Sprintf("(c.lvl = %d AND c.start = $%d::date)", lvls[i], len(args)+1))
		args = append(args, starts[i])
	}
	filter := "(" + strings.Join(or, " OR ") + ")"
	if site != "" {
		filter += fmt.Sprintf(" AND c.site_id = $%d", len(args)+1)
		args = append(args, site)
	}
	q := strings.NewReplacer(
		"CHILDREN", "SELECT * FROM stat_spans c WHERE "+filter,
		"BLOCK", "0",
		"LEVEL", "",
	).Replace(spanMergeSQL) + " ORDER BY m.site_id, m.dimension, m.key"
	return q, args
}

// ExplainStatsRange returns EXPLAIN (ANALYZE, BUFFERS) of StatsRange's
// query for from..to of site (every site with ""), for the benchmarks.
func (s *Store) ExplainStatsRange(ctx context.Context, from, to, site string) (string, error) {
	f, err1 := time.Parse(time.DateOnly, from)
	t, err2 := time.Parse(time.DateOnly, to)
	if err1 != nil || err2 != nil {
		return "", fmt.Errorf("store: want YYYY-MM-DD")
	}
	q, args := statsRangeQuery(f, t, site)
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

// histPercentile is PostgreSQL's percentile_cont(p) over the waits of a
// histogram (seconds ws ascending, counts wn), in minutes; 0 when empty.
func histPercentile(ws, wn []int32, p float64) float64 {
	var total int64
	for _, n := range wn {
		total += int64(n)
	}
	if total == 0 {
		return 0
	}
	pos := p * float64(total-1)
	lo, hi := int64(math.Floor(pos)), int64(math.Ceil(pos))
	at := func(k int64) float64 {
		for i, n := range wn {
			if k < int64(n) {
				return float64(ws[i]) / 60
			}
			k -= int64(n)
		}
		return float64(ws[len(ws)-1]) / 60
	}
	first, second := at(lo), at(hi)
	return first + (second-first)*(pos-float64(lo))
}

// statsRangeRawSQL is the computation stat_days makes, over the tickets
// issued on days $1..$2 as one range instead of per day: what StatsRange
// must equal (the tests compare them).
var statsRangeRawSQL = strings.NewReplacer(
	"SELECT t.site_id, t.day,", "SELECT t.site_id,",
	"GROUP BY t.site_id, t.day,", "GROUP BY t.site_id,",
	"TICKETS_FILTER", "AND day BETWEEN $1::date AND $2::date",
).Replace(statDaysSQL) + " ORDER BY 1, 2, 3"
