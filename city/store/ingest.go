package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
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

var eventCols = []string{"site_id", "day", "seq", "at", "received_at", "kind", "ticket", "label", "service", "win", "actor", "state", "detail"}

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
				rows[i] = []any{p.Site, d, e.Seq, time.UnixMilli(e.At), now, e.Kind, e.Ticket, e.Label, e.Service, int32(e.Window), e.Actor, e.State, e.Detail}
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
