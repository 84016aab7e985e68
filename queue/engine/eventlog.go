package engine

import (
	"context"
	"fmt"
	"time"
)

// EventsAfter returns committed events with a sequence above afterSeq,
// oldest first, at most limit (1..10,000): a read-only cursor over the
// whole log, across days, for shipping it elsewhere (the city uplink).
// It reads on the engine's read connections and never blocks issuing or
// calling.
func (e *Engine) EventsAfter(ctx context.Context, afterSeq int64, limit int) ([]Event, error) {
	if limit <= 0 || limit > 10000 {
		limit = 1000
	}
	rows, err := e.rdb.QueryContext(ctx, `SELECT seq, at, day, kind, COALESCE(ticket,''), COALESCE(label,''), COALESCE(service,''), COALESCE(window,0), COALESCE(actor,''), COALESCE(state,''), COALESCE(detail,'')
FROM events WHERE seq>? ORDER BY seq LIMIT ?`, afterSeq, limit)
	if err != nil {
		return nil, fmt.Errorf("engine: events after: %w", err)
	}
	defer rows.Close()
	out := make([]Event, 0, 64)
	for rows.Next() {
		var ev Event
		var at int64
		var kind, state string
		if err := rows.Scan(&ev.Seq, &at, &ev.Day, &kind, &ev.Ticket, &ev.Label, &ev.Service, &ev.Window, &ev.Actor, &state, &ev.Detail); err != nil {
			return nil, fmt.Errorf("engine: events after: %w", err)
		}
		ev.At, ev.Kind, ev.State = time.UnixMilli(at), EventKind(kind), State(state)
		out = append(out, ev)
	}
	return out, rows.Err()
}

// LastSeq returns the sequence of the newest committed event (0 when the
// log is empty).
func (e *Engine) LastSeq(ctx context.Context) (int64, error) {
	var seq int64
	if err := e.rdb.QueryRowContext(ctx, `SELECT COALESCE(MAX(seq), 0) FROM events`).Scan(&seq); err != nil {
		return 0, fmt.Errorf("engine: last event: %w", err)
	}
	return seq, nil
}
