package adapters

import (
	"context"
	"fmt"

	"hallkiosk/kiosk/flow"
)

// ServedTicket implements flow.ServedTickets at the hall: POST
// /api/v1/tickets/served {"id_number"} over the kiosk's authenticated link
// (as real-name tickets send the number; the hall hashes it with its key).
// The answer's signed code goes with the rating, as a code scanned from the
// ticket's QR would. No served, unrated ticket today: flow.ErrNotFound.
func (h *Hall) ServedTicket(ctx context.Context, c flow.Citizen) (flow.Document, error) {
	if c.IDNumber == "" {
		return flow.Document{}, fmt.Errorf("adapters: served ticket without an ID number: %w", flow.ErrNotFound)
	}
	rep, err := h.api().ServedTicket(ctx, c.IDNumber)
	if err := h.seen(err); err != nil {
		return flow.Document{}, hallErr("served ticket", err)
	}
	if rep.ID == "" || rep.Code == "" {
		return flow.Document{}, fmt.Errorf("adapters: served ticket: the hall answered no ticket: %w", flow.ErrNotFound)
	}
	return flow.Document{Kind: flow.DocTicket, Title: rep.Label, Ref: rep.ID, Code: rep.Code}, nil
}

// ServedTicket implements flow.ServedTickets with the engine in the kiosk.
func (e *Engine) ServedTicket(ctx context.Context, c flow.Citizen) (flow.Document, error) {
	if c.IDNumber == "" {
		return flow.Document{}, fmt.Errorf("adapters: served ticket without an ID number: %w", flow.ErrNotFound)
	}
	t, err := e.E.ServedTicket(ctx, c.IDNumber)
	if err != nil {
		return flow.Document{}, engineErr("served ticket", err)
	}
	return flow.Document{Kind: flow.DocTicket, Title: t.Label, Ref: t.ID}, nil
}

var (
	_ flow.ServedTickets = (*Hall)(nil)
	_ flow.ServedTickets = (*Engine)(nil)
)
