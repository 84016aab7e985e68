package engine

import (
	"context"
	"fmt"
	"slices"
	"time"

	"hallkiosk/queue/catalog"
)

// rank returns a waiting ticket's effective class rank: an appointment
// ticket ranks as an appointment only inside its slot (widened by
// AppointmentEarly/Late), otherwise as normal.
func (e *Engine) rank(t *Ticket, now time.Time) int {
	if t.Priority == catalog.PriorityAppointment {
		if !t.SlotStart.IsZero() && !now.Before(t.SlotStart.Add(-e.opts.AppointmentEarly)) && now.Before(t.SlotEnd.Add(e.opts.AppointmentLate)) {
			return catalog.PriorityAppointment.Rank()
		}
		return catalog.PriorityNormal.Rank()
	}
	return t.Priority.Rank()
}

// Policy is the call order, written out so that tests and documents can
// refer to it:
//
//  1. Candidates are waiting tickets whose current service the window is
//     authorised for (own or cross-authorised), not transferred to another
//     window.
//  2. Each candidate has an effective class: appointment (inside its slot
//     only), green channel, VIP, normal (appointments outside their slot
//     count as normal).
//  3. If the window's last StarvationK calls were all of a priority class
//     and a normal candidate exists, only normal candidates are considered.
//  4. Order: class, then tickets transferred to this very window, then
//     tickets of the services the window prefers (catalogue "prefer":
//     window preference), then QueuedAt (the original issue time, kept
//     across transfers), then id. Ticket numbers play no part.
const Policy = "class > transferred-here > window's preferred services > original issue time > id; normal after K priority calls"

// less orders a before b for window w under the Policy (ra, rb: their
// effective class ranks).
func (e *Engine) less(a, b *Ticket, ra, rb int, w *catalog.Window) bool {
	if ra != rb {
		return ra < rb
	}
	ta, tb := a.TargetWindow == w.Number, b.TargetWindow == w.Number
	if ta != tb {
		return ta
	}
	if len(w.Prefer) > 0 {
		if pa, pb := w.Prefers(a.Service), w.Prefers(b.Service); pa != pb {
			return pa
		}
	}
	return before(a, b)
}

// pickLocked chooses the next ticket for window n; nil when none waits.
//
// Each waiting list holds one service's tickets of one class sorted by
// QueuedAt, so outside appointment lists (whose effective class depends on
// the slot) the first eligible ticket is the list's best unless a ticket
// transferred to this window waits further down: the engine counts those
// per window, and only then is the list read further. A call therefore
// costs O(services × classes) in the usual case, not O(waiting tickets).
func (e *Engine) pickLocked(n int, ws *winState, now time.Time) *Ticket {
	w, ok := e.cat.Window(n)
	if !ok {
		return nil
	}
	normalRank := catalog.PriorityNormal.Rank()
	here := e.targeted[n] > 0
	var best, bestNormal *Ticket
	var bestR, bestNR int
	scan := func(sid string) {
		q := e.queues[sid]
		if q == nil {
			return
		}
		for class, l := range q.byClass {
			appt := class == catalog.PriorityAppointment
			for _, t := range l {
				if t.TargetWindow != 0 && t.TargetWindow != n {
					continue
				}
				r := e.rank(t, now)
				if best == nil || e.less(t, best, r, bestR, w) {
					best, bestR = t, r
				}
				if r == normalRank && (bestNormal == nil || e.less(t, bestNormal, r, bestNR, w)) {
					bestNormal, bestNR = t, r
				}
				// Later tickets of this list rank after t: same class, later
				// issue time, and t is transferred here or none is.
				if !appt && (!here || t.TargetWindow == n) {
					break
				}
			}
		}
	}
	for _, sid := range w.Services {
		scan(sid)
	}
	for _, sid := range w.Cross {
		scan(sid)
	}
	if best != nil && bestR != normalRank && ws.streak >= e.opts.StarvationK && bestNormal != nil {
		return bestNormal
	}
	return best
}

func (e *Engine) windowLocked(n int) (*winState, error) {
	ws := e.windows[n]
	if ws == nil {
		return nil, errf(CodeUnknownWindow, "no window %d", n)
	}
	if _, ok := e.cat.Window(n); !ok {
		return nil, errf(CodeUnknownWindow, "no window %d", n)
	}
	return ws, nil
}

// CallNext calls the next ticket for window n under the Policy. If the
// window's current ticket is being served it is finished first; a called
// ticket that has not arrived must be recalled, marked no-show or parked
// first (CodeWindowBusy).
func (e *Engine) CallNext(ctx context.Context, n int, staff string) (*Ticket, error) {
	var out *Ticket
	err := e.do(ctx, func(now time.Time, o *op) error {
		ws, err := e.windowLocked(n)
		if err != nil {
			return err
		}
		if ws.paused {
			return errf(CodeWindowPaused, "window %d is paused", n)
		}
		if ws.current != nil && ws.current.State == StateCalled {
			return errf(CodeWindowBusy, "window %d: %s was called and has not been handled", n, ws.current.Label)
		}
		t := e.pickLocked(n, ws, now)
		if t == nil {
			if ws.current != nil {
				e.finishLocked(o, now, n, ws, staff)
				e.saveWindow(o, n, ws)
			}
			return errf(CodeNoTicket, "nothing waiting for window %d", n)
		}
		if ws.current != nil {
			e.finishLocked(o, now, n, ws, staff)
		}
		if e.rank(t, now) == catalog.PriorityNormal.Rank() {
			ws.streak = 0
		} else {
			ws.streak++
		}
		e.dequeue(t)
		t.State, t.Window, t.Staff, t.Recalls, t.CalledAt = StateCalled, n, staff, 0, now
		t.TargetWindow = 0
		if t.FirstCalled.IsZero() {
			t.FirstCalled = now
		}
		ws.current = t
		if staff != "" {
			ws.staff = staff
		}
		e.saveTicket(o, t)
		e.saveWindow(o, n, ws)
		e.event(o, now, EvCall, t, Actor{Name: staff, Window: n}, "")
		out = t.clone()
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

func (e *Engine) currentLocked(n int, states ...State) (*winState, *Ticket, error) {
	ws, err := e.windowLocked(n)
	if err != nil {
		return nil, nil, err
	}
	t := ws.current
	if t == nil {
		return ws, nil, errf(CodeNoTicket, "window %d has no current ticket", n)
	}
	if !slices.Contains(states, t.State) {
		return ws, nil, errf(CodeBadState, "ticket %s is %s", t.Label, t.State)
	}
	return ws, t, nil
}

// windowOp runs fn on window n's current ticket, which must be in one of states.
func (e *Engine) windowOp(ctx context.Context, n int, staff string, states []State, fn func(now time.Time, o *op, ws *winState, t *Ticket) error) (*Ticket, error) {
	var out *Ticket
	err := e.do(ctx, func(now time.Time, o *op) error {
		ws, t, err := e.currentLocked(n, states...)
		if err != nil {
			return err
		}
		if err := fn(now, o, ws, t); err != nil {
			return err
		}
		if staff != "" {
			ws.staff = staff
		}
		e.saveWindow(o, n, ws)
		out = t.clone()
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// Recall calls window n's current ticket again (up to MaxRecalls times).
func (e *Engine) Recall(ctx context.Context, n int, staff string) (*Ticket, error) {
	return e.windowOp(ctx, n, staff, []State{StateCalled}, func(now time.Time, o *op, ws *winState, t *Ticket) error {
		if t.Recalls >= e.opts.MaxRecalls {
			return errf(CodeRecallLimit, "%s recalled %d times", t.Label, t.Recalls)
		}
		t.Recalls++
		t.CalledAt = now
		e.saveTicket(o, t)
		e.event(o, now, EvRecall, t, Actor{Name: staff, Window: n}, fmt.Sprint(t.Recalls))
		return nil
	})
}

// Start records that the called citizen arrived at window n.
func (e *Engine) Start(ctx context.Context, n int, staff string) (*Ticket, error) {
	return e.windowOp(ctx, n, staff, []State{StateCalled}, func(now time.Time, o *op, ws *winState, t *Ticket) error {
		t.State, t.ServedAt = StateServing, now
		e.saveTicket(o, t)
		e.event(o, now, EvStart, t, Actor{Name: staff, Window: n}, "")
		return nil
	})
}

// NoShow parks window n's called ticket as missed (过号); Requeue puts it
// back in the queue when the citizen returns; at day end it is a no-show.
func (e *Engine) NoShow(ctx context.Context, n int, staff string) (*Ticket, error) {
	return e.windowOp(ctx, n, staff, []State{StateCalled}, func(now time.Time, o *op, ws *winState, t *Ticket) error {
		t.State, t.ParkReason = StateParked, "missed"
		ws.current = nil
		e.saveTicket(o, t)
		e.event(o, now, EvNoShow, t, Actor{Name: staff, Window: n}, "")
		return nil
	})
}

// Park sets window n's current ticket aside (e.g. a document is missing)
// so the window can call the next one; Requeue brings it back.
func (e *Engine) Park(ctx context.Context, n int, staff, reason string) (*Ticket, error) {
	if reason == "" {
		reason = "parked"
	}
	return e.windowOp(ctx, n, staff, []State{StateCalled, StateServing}, func(now time.Time, o *op, ws *winState, t *Ticket) error {
		t.State, t.ParkReason = StateParked, reason
		ws.current = nil
		e.saveTicket(o, t)
		e.event(o, now, EvPark, t, Actor{Name: staff, Window: n}, reason)
		return nil
	})
}

// Requeue returns a parked ticket to the queue (过号重排). A missed ticket
// queues from the requeue time (behind those who waited); a ticket parked
// by staff keeps its original place and goes back to the same window.
func (e *Engine) Requeue(ctx context.Context, id string, a Actor) (*Ticket, error) {
	var out *Ticket
	err := e.do(ctx, func(now time.Time, o *op) error {
		t := e.tickets[id]
		if t == nil {
			return errf(CodeNotFound, "no live ticket %q", id)
		}
		if t.State != StateParked {
			return errf(CodeBadState, "ticket %s is %s", t.Label, t.State)
		}
		if t.ParkReason == "missed" {
			t.QueuedAt = now
		} else {
			t.TargetWindow = t.Window
		}
		t.State, t.ParkReason = StateWaiting, ""
		e.enqueue(t)
		e.saveTicket(o, t)
		e.event(o, now, EvRequeue, t, a, "")
		out = t.clone()
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// TransferTo names a transfer target: a service, a window, or both.
type TransferTo struct {
	Service string `json:"service,omitempty"` // empty: keep the current service
	Window  int    `json:"window,omitempty"`  // 0: any window authorised for the service
}

// Transfer moves window n's current ticket to another service and/or
// window (一窗受理 linked windows). It keeps its original issue time, so
// it does not go to the back of the queue. A target window not authorised
// for the service is refused with CodeNotAuthorised.
func (e *Engine) Transfer(ctx context.Context, n int, staff string, to TransferTo) (*Ticket, error) {
	return e.windowOp(ctx, n, staff, []State{StateCalled, StateServing}, func(now time.Time, o *op, ws *winState, t *Ticket) error {
		svc := to.Service
		if svc == "" {
			svc = t.Service
		}
		if _, ok := e.cat.Service(svc); !ok {
			return errf(CodeUnknownService, "unknown service %q", svc)
		}
		if to.Window != 0 {
			w, ok := e.cat.Window(to.Window)
			if !ok {
				return errf(CodeUnknownWindow, "no window %d", to.Window)
			}
			if !w.Authorised(svc) {
				return errf(CodeNotAuthorised, "window %d is not authorised for %s", to.Window, svc)
			}
		} else if len(e.cat.WindowsFor(svc)) == 0 {
			return errf(CodeNotAuthorised, "no window is authorised for %s", svc)
		}
		if svc == t.Service && (to.Window == 0 || to.Window == n) {
			return errf(CodeInvalid, "transfer to the same service and window")
		}
		if t.Step < len(t.Services) {
			t.Services[t.Step] = svc
		}
		t.Service, t.TargetWindow, t.State = svc, to.Window, StateWaiting
		ws.current = nil
		e.enqueue(t)
		e.saveTicket(o, t)
		e.event(o, now, EvTransfer, t, Actor{Name: staff, Window: n}, fmt.Sprintf("to %s window %d", svc, to.Window))
		return nil
	})
}

// Finish ends window n's current ticket. A multi-service ticket moves on to
// its next service, keeping its original issue time.
func (e *Engine) Finish(ctx context.Context, n int, staff string) (*Ticket, error) {
	return e.windowOp(ctx, n, staff, []State{StateCalled, StateServing}, func(now time.Time, o *op, ws *winState, t *Ticket) error {
		e.finishLocked(o, now, n, ws, staff)
		return nil
	})
}

func (e *Engine) finishLocked(o *op, now time.Time, n int, ws *winState, staff string) {
	t := ws.current
	ws.current = nil
	e.recordStepLocked(t, n, staff, now)
	if t.ServedAt.IsZero() {
		t.ServedAt = now
	}
	if t.Step+1 < len(t.Services) {
		t.Step++
		t.Service, t.State, t.TargetWindow = t.Services[t.Step], StateWaiting, 0
		e.enqueue(t)
		e.saveTicket(o, t)
		e.event(o, now, EvNextStep, t, Actor{Name: staff, Window: n}, "")
		return
	}
	t.State, t.EndedAt = StateDone, now
	f := append(e.finishes[t.Service], finish{now, now.Sub(t.ServedAt)})
	if len(f) > 40 {
		f = f[len(f)-20:]
	}
	e.finishes[t.Service] = f
	e.saveTicket(o, t)
	e.event(o, now, EvFinish, t, Actor{Name: staff, Window: n}, "")
}

func (e *Engine) ticketOp(ctx context.Context, id string, fn func(now time.Time, o *op, t *Ticket) error) (*Ticket, error) {
	var out *Ticket
	err := e.do(ctx, func(now time.Time, o *op) error {
		t := e.tickets[id]
		if t == nil {
			return errf(CodeNotFound, "no live ticket %q", id)
		}
		if err := fn(now, o, t); err != nil {
			return err
		}
		out = t.clone()
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

func (e *Engine) endLocked(o *op, now time.Time, t *Ticket, st State, kind EventKind, a Actor, detail string) {
	if t.State == StateWaiting {
		e.dequeue(t)
	}
	if t.State != StateVoid && st == StateVoid {
		e.issued[t.IssueService]--
	}
	if t.PersonHash != "" {
		e.persons[t.Services[0]+"|"+t.PersonHash]--
	}
	t.State, t.EndedAt = st, now
	e.saveTicket(o, t)
	e.event(o, now, kind, t, a, detail)
}

// Cancel withdraws a waiting or parked ticket at the citizen's request.
func (e *Engine) Cancel(ctx context.Context, id string, a Actor) (*Ticket, error) {
	return e.ticketOp(ctx, id, func(now time.Time, o *op, t *Ticket) error {
		if t.State != StateWaiting && t.State != StateParked {
			return errf(CodeBadState, "ticket %s is %s", t.Label, t.State)
		}
		e.endLocked(o, now, t, StateCancelled, EvCancel, a, "")
		return nil
	})
}

// Void cancels a ticket that never reached the citizen (e.g. the printer
// failed). Its number stays used; it does not count against the daily cap.
func (e *Engine) Void(ctx context.Context, id, reason string, a Actor) (*Ticket, error) {
	return e.ticketOp(ctx, id, func(now time.Time, o *op, t *Ticket) error {
		if t.State != StateWaiting || !t.FirstCalled.IsZero() {
			return errf(CodeBadState, "ticket %s is %s", t.Label, t.State)
		}
		e.endLocked(o, now, t, StateVoid, EvVoid, a, reason)
		return nil
	})
}

// SignIn puts staff at window n; the window then counts as open for estimates.
func (e *Engine) SignIn(ctx context.Context, n int, staff string) error {
	return e.do(ctx, func(now time.Time, o *op) error {
		ws, err := e.windowLocked(n)
		if err != nil {
			return err
		}
		ws.staff = staff
		e.saveWindow(o, n, ws)
		return nil
	})
}

// SetPaused pauses or resumes window n. A paused window calls nothing and
// does not count as open.
func (e *Engine) SetPaused(ctx context.Context, n int, staff string, paused bool) error {
	return e.do(ctx, func(now time.Time, o *op) error {
		ws, err := e.windowLocked(n)
		if err != nil {
			return err
		}
		if ws.paused == paused {
			return nil
		}
		ws.paused = paused
		if staff != "" {
			ws.staff = staff
		}
		e.saveWindow(o, n, ws)
		kind := EvResume
		if paused {
			kind = EvPause
		}
		e.event(o, now, kind, nil, Actor{Name: staff, Window: n}, "")
		return nil
	})
}
