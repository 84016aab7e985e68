package engine

import (
	"context"
	"time"
)

// Print-confirmed tickets at the hall. A kiosk asks for a ticket with
// IssueRequest.Reserve: the hall numbers it and keeps it reserved, never
// called, until the kiosk confirms the printer printed it
// (ConfirmPrinted). A kiosk whose reply was lost retries with the same
// idempotency key (the hall answers with the same reservation); if it
// falls back to its own lease instead, its offline ticket names the
// reservation it replaces (ImportRequest.Replaces) and the reservation
// lapses. A reservation nobody confirms lapses after the timeout
// (ExpireReservations, RunReservations). So no window ever calls a
// number nobody holds, and a citizen holds exactly one live ticket.

// Events of reservations.
const (
	EvConfirm EventKind = "confirm" // the kiosk printed a reserved ticket: it waits now
	EvLapse   EventKind = "lapse"   // a reservation lapsed: never confirmed, or replaced
)

// DefaultReserveTimeout is how long a reservation waits for its kiosk's
// confirmation before it lapses.
const DefaultReserveTimeout = 2 * time.Minute

// ConfirmPrinted makes a reserved ticket (by id or idempotency key) wait in
// its queue, ordered by its issue time: its kiosk printed it. A ticket
// already confirmed (live or ended) is returned as it is; a lapsed one of
// today waits again (it was printed after all: the confirmation came
// late). With printed false the kiosk says printing failed: the
// reservation lapses at once (a ticket issued without a reservation and
// never called is voided).
func (e *Engine) ConfirmPrinted(ctx context.Context, idOrKey string, printed bool, a Actor) (*Ticket, error) {
	var out *Ticket
	err := e.do(ctx, func(now time.Time, o *op) error {
		t := e.tickets[idOrKey]
		if t == nil {
			t = e.keys[idOrKey]
		}
		if t == nil || t.Day != e.day {
			return errf(CodeNotFound, "no ticket %q today", idOrKey)
		}
		switch {
		case !printed && t.State == StateReserved:
			e.lapseLocked(o, now, t, a, "not printed")
		case !printed && t.State == StateWaiting && t.FirstCalled.IsZero():
			e.endLocked(o, now, t, StateVoid, EvVoid, a, "not printed") // issued without a reservation
		case !printed:
		case t.State == StateReserved:
			t.State = StateWaiting
			e.enqueue(t)
			e.saveTicket(o, t)
			e.event(o, now, EvConfirm, t, a, "printed")
		case t.State == StateLapsed:
			t.State, t.EndedAt = StateWaiting, time.Time{}
			e.issued[t.IssueService]++
			if t.PersonHash != "" {
				e.persons[t.Services[0]+"|"+t.PersonHash]++
			}
			e.enqueue(t)
			e.saveTicket(o, t)
			e.event(o, now, EvConfirm, t, a, "printed, confirmed late")
		}
		out = t.clone()
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// lapseLocked ends a reservation: its number stays used, it counts
// neither against the daily cap nor the person's limit.
func (e *Engine) lapseLocked(o *op, now time.Time, t *Ticket, a Actor, why string) {
	e.issued[t.IssueService]--
	if t.PersonHash != "" {
		e.persons[t.Services[0]+"|"+t.PersonHash]--
	}
	t.State, t.EndedAt = StateLapsed, now
	e.saveTicket(o, t)
	e.event(o, now, EvLapse, t, a, why)
}

// replaceLocked lapses the reservation with idempotency key key, replaced
// by the offline ticket by. Nothing happens when the hall holds no such
// reservation (the request, not the reply, was lost) or it was confirmed.
func (e *Engine) replaceLocked(o *op, now time.Time, key string, by *Ticket) {
	t := e.keys[key]
	if t == nil || t.State != StateReserved {
		return
	}
	e.lapseLocked(o, now, t, Actor{Name: by.DeviceID}, "replaced by "+by.Label)
}

// ExpireReservations lapses the reservations of today older than timeout
// (0: DefaultReserveTimeout) and returns how many.
func (e *Engine) ExpireReservations(ctx context.Context, timeout time.Duration) (int, error) {
	if timeout <= 0 {
		timeout = DefaultReserveTimeout
	}
	n := 0
	err := e.do(ctx, func(now time.Time, o *op) error {
		n = 0
		for _, t := range e.tickets {
			if t.State == StateReserved && t.Day == e.day && now.Sub(t.IssuedAt) >= timeout {
				e.lapseLocked(o, now, t, Actor{Name: "system"}, "unconfirmed")
				n++
			}
		}
		return nil
	})
	return n, err
}

// Reserved returns how many reservations of today wait for their kiosk.
func (e *Engine) Reserved() int {
	e.mu.Lock()
	defer e.mu.Unlock()
	n := 0
	for _, t := range e.tickets {
		if t.State == StateReserved && t.Day == e.day {
			n++
		}
	}
	return n
}

// RunReservations lapses unconfirmed reservations (ExpireReservations with
// timeout) every timeout/4 (at least every second) until ctx ends.
func (e *Engine) RunReservations(ctx context.Context, timeout time.Duration) {
	if timeout <= 0 {
		timeout = DefaultReserveTimeout
	}
	t := time.NewTicker(max(timeout/4, time.Second))
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			_, _ = e.ExpireReservations(ctx, timeout)
		}
	}
}
