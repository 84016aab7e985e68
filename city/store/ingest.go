package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"hallkiosk/city/wire"
)

// partition returns the name and bounds of the monthly partition of day.
func partition(day string) (name, from, to string, err error) {
	d, err := time.Parse(time.DateOnly, day)
	if err != nil {
		return "", "", "", fmt.Errorf("store: bad day %q", day)
	}
	first := time.Date(d.Year(), d.Month(), 1, 0, 0, 0, 0, time.UTC)
	return fmt.Sprintf("events_%04d_%02d", d.Year(), int(d.Month())), first.Format(time.DateOnly), first.AddDate(0, 1, 0).Format(time.DateOnly), nil
}

// EnsurePartitions makes the monthly partitions holding days, in their own
// short transaction (serialised by an advisory lock so two ingests never
// race to create the same one).
func (s *Store) EnsurePartitions(ctx context.Context, days ...string) error {
	var need [][3]string
	s.mu.Lock()
	seen := map[string]bool{}
	for _, d := range days {
		n, f, t, err := partition(d)
		if err != nil {
			s.mu.Unlock()
			return err
		}
		if !s.parts[n] && !seen[n] {
			seen[n] = true
			need = append(need, [3]string{n, f, t})
		}
	}
	s.mu.Unlock()
	if len(need) == 0 {
		return nil
	}
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(7431001)`); err != nil {
			return err
		}
		for _, p := range need {
			if _, err := tx.Exec(ctx, fmt.Sprintf(`CREATE TABLE IF NOT EXISTS %s PARTITION OF events FOR VALUES FROM ('%s') TO ('%s')`, p[0], p[1], p[2])); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("store: partitions: %w", err)
	}
	s.mu.Lock()
	for _, p := range need {
		s.parts[p[0]] = true
	}
	s.mu.Unlock()
	return nil
}

var eventCols = []string{"site_id", "day", "seq", "at", "received_at", "kind", "ticket", "label", "service", "win", "actor", "state", "detail", "reasons", "rating_text", "rater_hash"}

// Ingest applies one pushed batch of a site, exactly once: under the
// site's row lock it skips events up to the site's checkpoint
// (duplicates), copies the consecutive run after it into the event log,
// and advances the checkpoint in the same transaction. A batch starting
// beyond checkpoint+1 is a gap: nothing of it is applied and the answer
// says where to resend from. The site's status and clock skew are kept.
func (s *Store) Ingest(ctx context.Context, p *wire.Push, now time.Time) (*wire.PushReply, error) {
	// Partitions first, outside the ingest transaction.
	days := make([]string, 0, 2)
	last := ""
	for i := range p.Events {
		if d := p.Events[i].Day; d != last {
			days, last = append(days, d), d
		}
	}
	if err := s.EnsurePartitions(ctx, days...); err != nil {
		return nil, err
	}
	reply := &wire.PushReply{CityTime: now.UnixMilli()}
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		var acked int64
		var revoked, enrolled bool
		err := tx.QueryRow(ctx, `SELECT last_seq, revoked_at IS NOT NULL, public_key IS NOT NULL FROM sites WHERE site_id=$1 FOR UPDATE`, p.Site).Scan(&acked, &revoked, &enrolled)
		if errors.Is(err, pgx.ErrNoRows) {
			return fmt.Errorf("%w: site %s", ErrNotFound, p.Site)
		} else if err != nil {
			return err
		}
		if revoked {
			return ErrRevoked
		}
		if !enrolled {
			return ErrNotEnrolled
		}
		evs := p.Events
		for len(evs) > 0 && evs[0].Seq <= acked {
			evs = evs[1:]
			reply.Duplicates++
		}
		if len(evs) > 0 && evs[0].Seq != acked+1 {
			reply.Gap = true
			evs = nil
		}
		if len(evs) > 0 {
			rows := make([][]any, len(evs))
			for i := range evs {
				e := &evs[i]
				d, _ := time.Parse(time.DateOnly, e.Day)
				rows[i] = []any{p.Site, d, e.Seq, time.UnixMilli(e.At), now, e.Kind, e.Ticket, e.Label, e.Service, int32(e.Window), e.Actor, e.State, e.Detail, nonNil(e.Reasons), e.Text, e.Rater}
			}
			if _, err := tx.CopyFrom(ctx, pgx.Identifier{"events"}, eventCols, pgx.CopyFromRows(rows)); err != nil {
				return fmt.Errorf("copy: %w", err)
			}
			acked = evs[len(evs)-1].Seq
			reply.Applied = len(evs)
		}
		reply.Acked = acked
		sent := time.UnixMilli(p.SentAt)
		skew := sent.Sub(now).Milliseconds()
		if p.Status != nil {
			st, _ := json.Marshal(p.Status)
			if _, err := tx.Exec(ctx, `UPDATE sites SET last_seq=$2, last_heard=$3, last_sent=$4, skew_ms=$5, status=$6, software=$7 WHERE site_id=$1`,
				p.Site, acked, now, sent, skew, st, p.Status.Software); err != nil {
				return err
			}
			for _, k := range p.Status.Kiosks {
				kb, _ := json.Marshal(k)
				if _, err := tx.Exec(ctx, `INSERT INTO kiosks (site_id, device, data, updated_at) VALUES ($1,$2,$3,$4)
ON CONFLICT (site_id, device) DO UPDATE SET data=excluded.data, updated_at=excluded.updated_at`, p.Site, k.Device, kb, now); err != nil {
					return err
				}
			}
		} else if _, err := tx.Exec(ctx, `UPDATE sites SET last_seq=$2, last_heard=$3, last_sent=$4, skew_ms=$5 WHERE site_id=$1`, p.Site, acked, now, sent, skew); err != nil {
			return err
		}
		return nil
	})
	if err != nil {
		if errors.Is(err, ErrNotFound) || errors.Is(err, ErrRevoked) || errors.Is(err, ErrNotEnrolled) {
			return nil, err
		}
		return nil, fmt.Errorf("store: ingest: %w", err)
	}
	return reply, nil
}

// Event is one stored event.
type Event struct {
	Site string
	wire.Event
}

// Events returns a site's events after seq, oldest first (at most limit).
func (s *Store) Events(ctx context.Context, site string, after int64, limit int) ([]wire.Event, error) {
	rows, err := s.pool.Query(ctx, `SELECT seq, at, to_char(day, 'YYYY-MM-DD'), kind, ticket, label, service, win, actor, state, detail
FROM events WHERE site_id=$1 AND seq>$2 ORDER BY seq LIMIT $3`, site, after, limit)
	if err != nil {
		return nil, fmt.Errorf("store: events: %w", err)
	}
	defer rows.Close()
	var out []wire.Event
	for rows.Next() {
		var e wire.Event
		var at time.Time
		var win int32
		if err := rows.Scan(&e.Seq, &at, &e.Day, &e.Kind, &e.Ticket, &e.Label, &e.Service, &win, &e.Actor, &e.State, &e.Detail); err != nil {
			return nil, fmt.Errorf("store: events: %w", err)
		}
		e.At, e.Window = at.UnixMilli(), int(win)
		out = append(out, e)
	}
	return out, rows.Err()
}

// fact is what a batch says about one ticket.
type fact struct {
	day                   *time.Time
	issued, called, ended *time.Time
	state, service        string
	win                   *int32
	staff                 *string
	rating                *int32
}

// upsertFacts folds a batch's events (in sequence order) per ticket and
// merges them into ticket_facts: first issue and first call stay, later
// values of the rest win (the batch comes after what is stored).
func upsertFacts(ctx context.Context, tx pgx.Tx, site string, evs []wire.Event) error {
	order := []string{}
	facts := map[string]*fact{}
	for i := range evs {
		e := &evs[i]
		if e.Ticket == "" {
			continue
		}
		f := facts[e.Ticket]
		if f == nil {
			f = &fact{}
			facts[e.Ticket] = f
			order = append(order, e.Ticket)
		}
		at := time.UnixMilli(e.At)
		switch e.Kind {
		case "issue", "import":
			if f.issued == nil {
				d, _ := time.Parse(time.DateOnly, e.Day)
				f.issued, f.day = &at, &d
			}
		case "call":
			if f.called == nil {
				f.called = &at
			}
		case "finish":
			f.ended = &at
		case "rate":
			if lv, _, ok := RateDetail(e.Detail); ok {
				r := int32(lv)
				f.rating = &r
			}
		}
		if e.State != "" {
			f.state = e.State
		}
		if e.Service != "" {
			f.service = e.Service
		}
		if (e.Kind == "call" || e.Kind == "finish") && e.Window > 0 {
			w := int32(e.Window)
			f.win = &w
		}
		if (e.Kind == "call" || e.Kind == "start" || e.Kind == "finish") && e.Actor != "" {
			a := e.Actor
			f.staff = &a
		}
	}
	if len(order) == 0 {
		return nil
	}
	n := len(order)
	tickets, states, services := make([]string, n), make([]string, n), make([]string, n)
	days, issued, called, ended := make([]*time.Time, n), make([]*time.Time, n), make([]*time.Time, n), make([]*time.Time, n)
	wins, ratings := make([]*int32, n), make([]*int32, n)
	staff := make([]*string, n)
	for i, tk := range order {
		f := facts[tk]
		tickets[i], states[i], services[i] = tk, f.state, f.service
		days[i], issued[i], called[i], ended[i] = f.day, f.issued, f.called, f.ended
		wins[i], ratings[i], staff[i] = f.win, f.rating, f.staff
	}
	_, err := tx.Exec(ctx, `INSERT INTO ticket_facts AS t (site_id, ticket, day, issued_at, called_at, ended_at, state, service, win, staff, rating)
SELECT $1, * FROM unnest($2::text[], $3::date[], $4::timestamptz[], $5::timestamptz[], $6::timestamptz[], $7::text[], $8::text[], $9::int[], $10::text[], $11::int[])
ON CONFLICT (site_id, ticket) DO UPDATE SET
	day = COALESCE(t.day, excluded.day),
	issued_at = COALESCE(t.issued_at, excluded.issued_at),
	called_at = COALESCE(t.called_at, excluded.called_at),
	ended_at = COALESCE(excluded.ended_at, t.ended_at),
	state = COALESCE(NULLIF(excluded.state, ''), t.state),
	service = COALESCE(NULLIF(excluded.service, ''), t.service),
	win = COALESCE(excluded.win, t.win),
	staff = COALESCE(excluded.staff, t.staff),
	rating = COALESCE(excluded.rating, t.rating)`,
		site, tickets, days, issued, called, ended, states, services, wins, staff, ratings)
	return err
}

// Rollup folds the events ingested since the last rollup into
// ticket_facts, per site in sequence order, in transactions of at most
// 5,000 events, each with its checkpoint. The city server runs it every
// few seconds (RunRollup); Stats runs it first for what is still pending.
func (s *Store) Rollup(ctx context.Context) error {
	rows, err := s.pool.Query(ctx, `SELECT s.site_id FROM sites s LEFT JOIN rollup_checkpoints r USING (site_id) WHERE s.last_seq > COALESCE(r.seq, 0)`)
	if err != nil {
		return fmt.Errorf("store: rollup: %w", err)
	}
	var sites []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return err
		}
		sites = append(sites, id)
	}
	rows.Close()
	for _, site := range sites {
		for {
			n, err := s.rollupSite(ctx, site)
			if err != nil {
				return err
			}
			if n < 5000 {
				break
			}
		}
	}
	return nil
}

func (s *Store) rollupSite(ctx context.Context, site string) (int, error) {
	n := 0
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `INSERT INTO rollup_checkpoints (site_id, seq) VALUES ($1, 0) ON CONFLICT DO NOTHING`, site); err != nil {
			return err
		}
		var seq int64
		if err := tx.QueryRow(ctx, `SELECT seq FROM rollup_checkpoints WHERE site_id=$1 FOR UPDATE`, site).Scan(&seq); err != nil {
			return err
		}
		rows, err := tx.Query(ctx, `SELECT seq, at, to_char(day, 'YYYY-MM-DD'), kind, ticket, service, win, actor, state, detail
FROM events WHERE site_id=$1 AND seq>$2 ORDER BY seq LIMIT 5000`, site, seq)
		if err != nil {
			return err
		}
		var evs []wire.Event
		for rows.Next() {
			var e wire.Event
			var at time.Time
			var win int32
			if err := rows.Scan(&e.Seq, &at, &e.Day, &e.Kind, &e.Ticket, &e.Service, &win, &e.Actor, &e.State, &e.Detail); err != nil {
				rows.Close()
				return err
			}
			e.At, e.Window = at.UnixMilli(), int(win)
			evs = append(evs, e)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		if n = len(evs); n == 0 {
			return nil
		}
		if err := upsertFacts(ctx, tx, site, evs); err != nil {
			return err
		}
		if err := refreshStatDays(ctx, tx, site, evs); err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `UPDATE rollup_checkpoints SET seq=$2 WHERE site_id=$1`, site, evs[n-1].Seq)
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("store: rollup %s: %w", site, err)
	}
	return n, nil
}

// RunRollup runs Rollup every interval until ctx ends; failures are
// logged by the caller's next Stats, never fatal.
func (s *Store) RunRollup(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		_ = s.Rollup(ctx)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// RateDetail reads a rate event's detail: the hall writes "step S level L
// count C" (the served step, the 满意度 level 1..5 and the 评价次数); older
// halls wrote the level alone ("5"). count is 0 when the detail does not say.
func RateDetail(d string) (level, count int, ok bool) {
	if len(d) == 1 && d[0] >= '1' && d[0] <= '5' {
		return int(d[0] - '0'), 0, true
	}
	f := strings.Fields(d)
	for i := 0; i+1 < len(f); i += 2 {
		n, err := strconv.Atoi(f[i+1])
		if err != nil {
			return 0, 0, false
		}
		switch f[i] {
		case "level":
			level = n
		case "count":
			count = n
		}
	}
	if level < 1 || level > 5 {
		return 0, 0, false
	}
	return level, count, true
}

// refreshStatDays recomputes the stat_days and stat_spans rows of site for
// the issue days of the tickets that evs touched (in the rollup's transaction).
func refreshStatDays(ctx context.Context, tx pgx.Tx, site string, evs []wire.Event) error {
	seen := map[string]bool{}
	var tickets []string
	for _, e := range evs {
		if e.Ticket != "" && !seen[e.Ticket] {
			seen[e.Ticket] = true
			tickets = append(tickets, e.Ticket)
		}
	}
	if len(tickets) == 0 {
		return nil
	}
	var days []time.Time
	rows, err := tx.Query(ctx, `SELECT DISTINCT day FROM ticket_facts WHERE site_id=$1 AND ticket = ANY($2) AND day IS NOT NULL`, site, tickets)
	if err != nil {
		return err
	}
	for rows.Next() {
		var d time.Time
		if err := rows.Scan(&d); err != nil {
			rows.Close()
			return err
		}
		days = append(days, d)
	}
	rows.Close()
	if err := rows.Err(); err != nil || len(days) == 0 {
		return err
	}
	if _, err := tx.Exec(ctx, `DELETE FROM stat_days WHERE site_id=$1 AND day = ANY($2::date[])`, site, days); err != nil {
		return err
	}
	_, err = tx.Exec(ctx, `INSERT INTO stat_days `+strings.Replace(statDaysSQL, "TICKETS_FILTER", "AND site_id = $1 AND day = ANY($2::date[])", 1), site, days)
	if err != nil {
		return err
	}
	return refreshSpans(ctx, tx, site, days)
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
