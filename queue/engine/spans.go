package engine

import (
	"context"
	"database/sql"
	"fmt"
	"sort"
	"strings"
	"time"
)

// span is a block of the hall's own series leased to a device: numbers
// first..held are the device's; held+1..last were handed back (Release)
// and are the hall's to issue again while its counter has not passed them.
type span struct {
	device            string
	first, last, held int
}

// addColumn adds a column to a table made by an earlier version.
func addColumn(ctx context.Context, db *sql.DB, table, column, typ string) error {
	rows, err := db.QueryContext(ctx, `SELECT name FROM pragma_table_info(?)`, table)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			return err
		}
		if n == column {
			return nil
		}
	}
	if err := rows.Err(); err != nil {
		return err
	}
	_, err = db.ExecContext(ctx, `ALTER TABLE `+table+` ADD COLUMN `+column+` `+typ)
	return err
}

// loadSpansLocked reads the leased blocks of today and later days.
func (e *Engine) loadSpansLocked(ctx context.Context) error {
	e.spans = map[string][]span{}
	rows, err := e.wdb.QueryContext(ctx, `SELECT day, service, device, first, last, COALESCE(released_from, last+1)
		FROM leases WHERE day>=? AND last<=? ORDER BY day, service, first`, e.day, e.opts.NumberMax)
	if err != nil {
		return fmt.Errorf("engine: load leases: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var day, svc string
		var sp span
		var from int
		if err := rows.Scan(&day, &svc, &sp.device, &sp.first, &sp.last, &from); err != nil {
			return fmt.Errorf("engine: load leases: %w", err)
		}
		sp.held = min(sp.last, from-1)
		e.spans[day+"|"+svc] = append(e.spans[day+"|"+svc], sp)
	}
	return rows.Err()
}

// pruneSpansLocked forgets the blocks of days before today.
func (e *Engine) pruneSpansLocked() {
	for k := range e.spans {
		if d, _, _ := strings.Cut(k, "|"); d < e.day {
			delete(e.spans, k)
		}
	}
}

// nextFreeLocked returns the hall's next number of service on day after
// counter: the blocks devices hold are stepped over; numbers they handed
// back are not.
func (e *Engine) nextFreeLocked(day, service string, counter int) int {
	n := counter + 1
	for _, sp := range e.spans[day+"|"+service] { // sorted by first
		if n >= sp.first && n <= sp.held {
			n = sp.held + 1
		}
	}
	return n
}

// LeaseAhead is Lease with the block placed at least ahead numbers past
// the hall's last own number, so that the hall keeps issuing in sequence
// below it and a device that goes offline prints numbers close to the
// hall's. A new block starts after every number another block still
// holds; numbers handed back above the hall's counter may be leased again.
// The hall steps over a block when its counter reaches it, unless the
// device has handed it back (Release).
func (e *Engine) LeaseAhead(ctx context.Context, deviceID, serviceID, day string, size, ahead int) (Lease, error) {
	return e.lease(ctx, deviceID, serviceID, day, size, max(ahead, 0))
}

// Release records that device hands back the numbers from..last of its
// block of service on day starting at first (it will never issue them):
// the hall issues them itself when its counter gets there. Releasing again,
// or a later from than before, changes nothing.
func (e *Engine) Release(ctx context.Context, deviceID, serviceID, day string, first, from int) error {
	return e.do(ctx, func(now time.Time, o *op) error {
		k := day + "|" + serviceID
		l := e.spans[k]
		for i := range l {
			sp := &l[i]
			if sp.device != deviceID || sp.first != first {
				continue
			}
			from = max(from, sp.first)
			if from-1 >= sp.held {
				return nil
			}
			sp.held = from - 1
			o.stmts = append(o.stmts, stmt{`UPDATE leases SET released_from=? WHERE day=? AND service=? AND device=? AND first=? AND (released_from IS NULL OR released_from>?)`,
				[]any{from, day, serviceID, deviceID, first, from}})
			return nil
		}
		return errf(CodeNotLeased, "no block of %s on %s starting at %d is leased to %s", serviceID, day, first, deviceID)
	})
}

// LastNumber returns the last number the hall itself issued of service on
// day (today's in memory; 0 for a day not started).
func (e *Engine) LastNumber(service, day string) int {
	e.mu.Lock()
	defer e.mu.Unlock()
	if day != e.day {
		return 0
	}
	return e.counters[service]
}

func (e *Engine) addSpanLocked(day, service string, sp span) {
	k := day + "|" + service
	l := append(e.spans[k], sp)
	sort.Slice(l, func(i, j int) bool { return l[i].first < l[j].first })
	e.spans[k] = l
}

func (e *Engine) maxSpanLocked(day, service string) int {
	m := 0
	for _, sp := range e.spans[day+"|"+service] {
		m = max(m, sp.held)
	}
	return m
}

// RecentIssued counts the tickets of service the hall issued itself in the
// last d (its pace, which sizes how far ahead kiosks' blocks float).
func (e *Engine) RecentIssued(service string, d time.Duration) int {
	e.mu.Lock()
	defer e.mu.Unlock()
	since := e.opts.Now().Add(-d)
	n := 0
	for _, t := range e.tickets {
		if t.Day == e.day && t.IssueService == service && t.DeviceSeq == 0 && t.IssuedAt.After(since) {
			n++
		}
	}
	return n
}
