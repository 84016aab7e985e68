package adapters

import (
	"context"
	"fmt"
	"strconv"
	"sync/atomic"
	"time"

	"hallkiosk/kiosk/flow"
	"hallkiosk/queue/catalog"
	"hallkiosk/queue/engine"
)

// Engine issues tickets, reports live queue status, checks appointments in
// and records ratings with the hall engine running inside the kiosk
// (--standalone, the township shape). Engine tickets are live as soon as
// they are issued, so Confirm has nothing to do and Void cancels the ticket.
type Engine struct {
	E      *engine.Engine
	Device string // kiosk device id, recorded on every ticket
	// Person checks bookings in by ID card; nil means E
	// (engine.CheckInPerson).
	Person PersonCheckIn
	seq    atomic.Int64
}

// PersonCheckIn checks in today's booking of the person with the ID number
// idNumber, as a scanned appointment code would: the engine hashes the number
// at once with its key (as for real-name tickets, never storing it), finds
// that person's booking open for check-in now (the earliest, if several) and
// returns its priority ticket; no such booking is a CodeNotFound or
// CodeBadSlot error.
type PersonCheckIn interface {
	CheckInPerson(ctx context.Context, idNumber, deviceID string) (*engine.Ticket, error)
}

var _ PersonCheckIn = (*engine.Engine)(nil)

var (
	_ flow.TicketIssuer     = (*Engine)(nil)
	_ flow.HallStatusSource = (*Engine)(nil)
	_ flow.Appointments     = (*Engine)(nil)
	_ flow.Rater            = (*Engine)(nil)
)

func (e *Engine) actor() engine.Actor { return engine.Actor{Name: "kiosk:" + e.Device} }

// Issue issues a normal ticket (priority tickets come from CheckIn).
func (e *Engine) Issue(ctx context.Context, r flow.IssueRequest) (flow.Ticket, error) {
	req := engine.IssueRequest{Service: r.Service, DeviceID: e.Device,
		Key: e.Device + ":" + strconv.FormatInt(time.Now().UnixNano(), 36) + "-" + strconv.FormatInt(e.seq.Add(1), 10)}
	if r.Citizen != nil {
		req.IDNumber, req.Name = r.Citizen.IDNumber, r.Citizen.Name
	}
	t, err := e.E.Issue(ctx, req)
	if err != nil {
		return flow.Ticket{}, engineErr("issue", err)
	}
	return e.ticket(t), nil
}

func (e *Engine) ticket(t *engine.Ticket) flow.Ticket {
	ft := flow.Ticket{Number: t.Label, Service: t.Service, IssuedAt: t.IssuedAt, Key: t.Key, Ref: t.ID,
		Priority: t.Priority != "" && t.Priority != catalog.PriorityNormal, Ahead: -1}
	if s, ok := e.E.Catalog().Service(t.Service); ok {
		ft.ServiceName = s.Name
	}
	for _, st := range e.E.Status() {
		if st.ID == t.Service {
			// The ticket itself is counted as waiting.
			ft.Ahead = max(0, st.Waiting-1)
			ft.Wait = time.Duration(st.WaitMin) * time.Minute
		}
	}
	return ft
}

// Confirm does nothing: engine tickets are live from issue.
func (e *Engine) Confirm(context.Context, flow.Ticket) error { return nil }

// Void cancels a ticket that could not be printed.
func (e *Engine) Void(ctx context.Context, t flow.Ticket, _ string) error {
	if _, err := e.E.Cancel(ctx, t.Ref, e.actor()); err != nil {
		return engineErr("void", err)
	}
	return nil
}

// HallStatus reports the engine's live queue.
func (e *Engine) HallStatus(context.Context) (flow.HallStatus, error) {
	st := flow.HallStatus{Online: true, Services: map[string]flow.ServiceStatus{}, Notices: e.E.Catalog().Hall.Notices, NoticesEN: e.E.Catalog().Hall.NoticesEN}
	for _, s := range e.E.Status() {
		st.Services[s.ID] = flow.ServiceStatus{Waiting: s.Waiting, Wait: time.Duration(s.WaitMin) * time.Minute,
			Open: s.Open && s.CapLeft != 0}
		if s.Open && hasHours(e.E.Catalog(), s.ID) {
			st.Open = true
		}
	}
	return st, nil
}

// hasHours reports whether a service keeps opening hours (is not 24×7): the
// hall counts as open while one of those is open, so that at night the home
// screen says the hall is closed and only 24-hour services are offered.
func hasHours(c *catalog.Catalog, id string) bool {
	if c == nil {
		return true
	}
	s, ok := c.Service(id)
	return !ok || len(s.Hours) > 0
}

// CheckIn checks a booking in by its signed code. The engine finds bookings
// only by code, so a check-in by ID card alone reports ErrNotFound.
func (e *Engine) CheckIn(ctx context.Context, code string, c *flow.Citizen) (flow.Ticket, error) {
	if code == "" {
		return e.checkInPerson(ctx, c)
	}
	t, err := e.E.CheckIn(ctx, code, e.Device)
	if err != nil {
		return flow.Ticket{}, checkInErr("check-in", err)
	}
	return e.ticket(t), nil
}

// checkInPerson checks in the card holder's booking.
func (e *Engine) checkInPerson(ctx context.Context, c *flow.Citizen) (flow.Ticket, error) {
	if c == nil || c.IDNumber == "" {
		return flow.Ticket{}, fmt.Errorf("adapters: check-in without a code or an ID number: %w", flow.ErrNotFound)
	}
	var pc PersonCheckIn = e.E
	if e.Person != nil {
		pc = e.Person
	}
	t, err := pc.CheckInPerson(ctx, c.IDNumber, e.Device)
	if err != nil {
		return flow.Ticket{}, checkInErr("check-in by ID card", err)
	}
	return e.ticket(t), nil
}

// Rate records a rating of a ticket at the engine. Ratings without a ticket
// go to the store's outbox instead (see Store.Rate).
func (e *Engine) Rate(ctx context.Context, r flow.Rating) error {
	if r.Ref == "" {
		return fmt.Errorf("adapters: rating without a ticket: %w", flow.ErrNotFound)
	}
	if _, err := e.E.Rate(ctx, r.Ref, r.Level, e.actor()); err != nil {
		if engine.CodeOf(err) == engine.CodeBadState {
			return fmt.Errorf("adapters: rate: %w: %w", flow.ErrNotRateable, err)
		}
		return engineErr("rate", err)
	}
	return nil
}

// engineErr maps engine error codes to the flow's errors.
func engineErr(op string, err error) error {
	var target error
	switch engine.CodeOf(err) {
	case engine.CodeClosed:
		target = flow.ErrClosed
	case engine.CodeCapReached, engine.CodePersonLimit:
		target = flow.ErrCapReached
	case engine.CodeNotFound, engine.CodeBadSlot:
		target = flow.ErrNotFound
	case engine.CodeBadCode:
		target = flow.ErrUntrusted
	default:
		return fmt.Errorf("adapters: %s: %w", op, err)
	}
	return fmt.Errorf("adapters: %s: %w: %w", op, target, err)
}
