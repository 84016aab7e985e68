package engine

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"
)

func decodeTicket(data string) (*Ticket, error) {
	t := &Ticket{}
	if err := json.Unmarshal([]byte(data), t); err != nil {
		return nil, fmt.Errorf("engine: decode ticket: %w", err)
	}
	return t, nil
}

// Ticket returns a ticket by id (today's from memory, older from the
// store), with its position and estimated wait when it is waiting.
func (e *Engine) Ticket(ctx context.Context, id string) (*Ticket, error) {
	e.mu.Lock()
	if t := e.tickets[id]; t != nil {
		out := t.clone()
		if t.State == StateWaiting {
			out.Ahead, out.WaitMin = e.estimateLocked(t, e.opts.Now())
		}
		e.mu.Unlock()
		return out, nil
	}
	e.mu.Unlock()
	var data string
	err := e.rdb.QueryRowContext(ctx, `SELECT data FROM tickets WHERE id=?`, id).Scan(&data)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errf(CodeNotFound, "no ticket %q", id)
	}
	if err != nil {
		return nil, &Error{Code: CodeUnavailable, Msg: "read ticket", Err: err}
	}
	return decodeTicket(data)
}

// Waiting returns the tickets window n could call, in call order (the
// window's own queue); n == 0 lists every waiting ticket by service and
// issue time.
func (e *Engine) Waiting(n int) ([]*Ticket, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	now := e.opts.Now()
	var list []*Ticket
	if n == 0 {
		for _, q := range e.queues {
			for _, l := range q.byClass {
				for _, t := range l {
					list = append(list, t.clone())
				}
			}
		}
		slices.SortFunc(list, func(a, b *Ticket) int {
			if a.Service != b.Service {
				if a.Service < b.Service {
					return -1
				}
				return 1
			}
			if before(a, b) {
				return -1
			}
			return 1
		})
		return list, nil
	}
	w, ok := e.cat.Window(n)
	if !ok || e.windows[n] == nil {
		return nil, errf(CodeUnknownWindow, "no window %d", n)
	}
	type cand struct {
		t *Ticket
		r int
	}
	var cs []cand
	for _, sid := range w.AllServices() {
		if q := e.queues[sid]; q != nil {
			for _, l := range q.byClass {
				for _, t := range l {
					if t.TargetWindow == 0 || t.TargetWindow == n {
						cs = append(cs, cand{t, e.rank(t, now)})
					}
				}
			}
		}
	}
	slices.SortFunc(cs, func(a, b cand) int {
		if e.less(a.t, b.t, a.r, b.r, w) {
			return -1
		}
		return 1
	})
	for _, c := range cs {
		list = append(list, c.t.clone())
	}
	return list, nil
}

// Parked returns today's parked (missed or set-aside) tickets, oldest first.
func (e *Engine) Parked() []*Ticket {
	e.mu.Lock()
	defer e.mu.Unlock()
	var out []*Ticket
	for _, t := range e.tickets {
		if t.State == StateParked {
			out = append(out, t.clone())
		}
	}
	slices.SortFunc(out, func(a, b *Ticket) int { return a.IssuedAt.Compare(b.IssuedAt) })
	return out
}

// Windows returns every window's live state, by number.
func (e *Engine) Windows() []WindowStatus {
	e.mu.Lock()
	defer e.mu.Unlock()
	out := make([]WindowStatus, 0, len(e.cat.Windows))
	for _, w := range e.cat.Windows {
		out = append(out, e.windowStatusLocked(w.Number))
	}
	slices.SortFunc(out, func(a, b WindowStatus) int { return a.Number - b.Number })
	return out
}

// Window returns one window's live state.
func (e *Engine) Window(n int) (WindowStatus, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if _, ok := e.cat.Window(n); !ok || e.windows[n] == nil {
		return WindowStatus{}, errf(CodeUnknownWindow, "no window %d", n)
	}
	return e.windowStatusLocked(n), nil
}

func (e *Engine) windowStatusLocked(n int) WindowStatus {
	w, _ := e.cat.Window(n)
	ws := e.windows[n]
	st := WindowStatus{Number: n, Name: w.Name, Zone: w.Zone, Services: w.AllServices(), Paused: ws.paused, Staff: ws.staff}
	if ws.current != nil {
		st.Current = ws.current.clone()
	}
	for _, sid := range w.AllServices() {
		if q := e.queues[sid]; q != nil {
			for _, l := range q.byClass {
				for _, t := range l {
					if t.TargetWindow == 0 || t.TargetWindow == n {
						st.Waiting++
					}
				}
			}
		}
	}
	return st
}

// Status returns the live queue of every service: waiting count, open
// windows and the estimated wait of a ticket taken now. Kiosks and the
// display board show it.
func (e *Engine) Status() []ServiceStatus {
	e.mu.Lock()
	defer e.mu.Unlock()
	now := e.opts.Now()
	var out []ServiceStatus
	for _, z := range e.cat.Zones {
		for _, s := range z.Services {
			n := 0
			if q := e.queues[s.ID]; q != nil {
				for _, l := range q.byClass {
					n += len(l)
				}
			}
			capLeft := -1
			if s.DailyCap > 0 {
				capLeft = max(0, s.DailyCap-e.issued[s.ID])
			}
			out = append(out, ServiceStatus{
				ID: s.ID, Prefix: s.Prefix, Name: s.Name, NameEN: s.NameEN, Zone: z.ID,
				Open: s.OpenAt(now, e.loc), Waiting: n, OpenWindows: e.openWindowsLocked(s.ID),
				WaitMin: e.waitMinutesLocked(s.ID, n, now), IssuedToday: e.issued[s.ID], CapLeft: capLeft,
			})
		}
	}
	return out
}

// Estimate returns the tickets ahead of a normal ticket taken now for a
// service and its estimated wait in minutes.
func (e *Engine) Estimate(service string) (ahead, waitMin int, err error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if _, ok := e.cat.Service(service); !ok {
		return 0, 0, errf(CodeUnknownService, "unknown service %q", service)
	}
	if q := e.queues[service]; q != nil {
		for _, l := range q.byClass {
			ahead += len(l)
		}
	}
	return ahead, e.waitMinutesLocked(service, ahead, e.opts.Now()), nil
}

// Tickets returns stored tickets of a day (for audit and statistics).
func (e *Engine) Tickets(ctx context.Context, day string) ([]*Ticket, error) {
	rows, err := e.rdb.QueryContext(ctx, `SELECT data FROM tickets WHERE day=? ORDER BY issued_at, id`, day)
	if err != nil {
		return nil, fmt.Errorf("engine: tickets: %w", err)
	}
	defer rows.Close()
	var out []*Ticket
	for rows.Next() {
		var data string
		if err := rows.Scan(&data); err != nil {
			return nil, fmt.Errorf("engine: tickets: %w", err)
		}
		t, err := decodeTicket(data)
		if err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

var _ = time.Now
