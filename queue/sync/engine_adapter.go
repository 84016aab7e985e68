package sync

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"log/slog"
	"strconv"
	"time"

	"hallkiosk/queue/engine"
)

// EngineHall adapts the queue engine to Hall: kiosk tickets are imported
// into the engine's queues (ordered by their issue time, idempotent by
// device and sequence), leases come from the engine's own number series,
// and the catalogue and live status are the engine's.
type EngineHall struct {
	e      *engine.Engine
	log    *slog.Logger
	lookup func(ctx context.Context, device string, seq uint64) (*Event, error)
}

// setLookup lets OpenHallSync give the adapter read access to the hall's
// event log (to find the ticket a rating refers to).
func (h *EngineHall) setLookup(f func(ctx context.Context, device string, seq uint64) (*Event, error)) {
	h.lookup = f
}

// NewEngineHall returns a Hall backed by e. log may be nil.
func NewEngineHall(e *engine.Engine, log *slog.Logger) *EngineHall {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &EngineHall{e: e, log: log}
}

// ImportEvents implements Hall. ticket.issued becomes an engine import
// (as void when the same batch says printing failed); ticket.voided of a
// ticket imported earlier voids it; ticket.printed needs nothing (an
// imported ticket is live); an evaluation naming a ticket id and a score
// is recorded as its rating. Health and audit events are kept by the sync
// layer's device list and log, not by the engine.
func (h *EngineHall) ImportEvents(ctx context.Context, device string, events []Event) error {
	voided, printed := map[string]bool{}, map[string]bool{}
	for _, e := range events {
		if e.Kind == KindTicketVoided || e.Kind == KindTicketPrinted {
			var t TicketPayload
			if json.Unmarshal(e.Payload, &t) == nil {
				k := fmt.Sprintf("%s|%s|%d", t.Day, t.Service, t.Number)
				if e.Kind == KindTicketVoided {
					voided[k] = true
				} else {
					printed[k] = true
				}
			}
		}
	}
	imported := map[string]string{} // key → engine ticket id
	issued := map[uint64]TicketPayload{}
	for _, e := range events {
		switch e.Kind {
		case KindTicketIssued:
			var t TicketPayload
			if err := json.Unmarshal(e.Payload, &t); err != nil {
				return fmt.Errorf("sync: event %d: %w", e.Seq, err)
			}
			key := fmt.Sprintf("%s|%s|%d", t.Day, t.Service, t.Number)
			issued[e.Seq] = t
			// Not printed yet (as far as this batch says): reserved, never
			// called until its ticket.printed arrives.
			req := engine.ImportRequest{DeviceID: device, DeviceSeq: int64(e.Seq), Service: t.Service, Number: t.Number, IssuedAt: e.HLC.Time(),
				State: engine.StateReserved, Replaces: t.Replaces}
			switch {
			case voided[key]:
				req.State = engine.StateVoid
			case printed[key]:
				req.State = engine.StateWaiting
			}
			if t.Number > LeaseMax {
				if err := h.registerOverflow(ctx, device, t); err != nil {
					return err
				}
			}
			tk, err := h.e.Import(ctx, req)
			if err != nil {
				return fmt.Errorf("sync: import %s%04d of %s seq %d: %w", t.Service, t.Number, device, e.Seq, err)
			}
			imported[key] = tk.ID
		case KindTicketVoided:
			var t TicketPayload
			if err := json.Unmarshal(e.Payload, &t); err != nil {
				return fmt.Errorf("sync: event %d: %w", e.Seq, err)
			}
			key := fmt.Sprintf("%s|%s|%d", t.Day, t.Service, t.Number)
			if _, done := imported[key]; done {
				continue // imported as void above
			}
			id := engineTicketID(t.Day, t.Service, t.Number)
			if _, err := h.e.Void(ctx, id, "print failed at kiosk", engine.Actor{Name: device}); err != nil {
				if tk, gerr := h.e.Ticket(ctx, id); gerr == nil && tk.State.Terminal() {
					continue // already ended (a repeat, or the day rolled over)
				}
				return fmt.Errorf("sync: void %s of %s seq %d: %w", id, device, e.Seq, err)
			}
		case KindTicketPrinted:
			var t TicketPayload
			if err := json.Unmarshal(e.Payload, &t); err != nil {
				return fmt.Errorf("sync: event %d: %w", e.Seq, err)
			}
			key := fmt.Sprintf("%s|%s|%d", t.Day, t.Service, t.Number)
			if _, done := imported[key]; done {
				continue // imported live above
			}
			h.confirm(ctx, device, engineTicketID(t.Day, t.Service, t.Number), "", e.Seq)
		case KindTicketConfirmed:
			var c ConfirmPayload
			if err := json.Unmarshal(e.Payload, &c); err != nil {
				return fmt.Errorf("sync: event %d: %w", e.Seq, err)
			}
			ref := c.TicketID
			if ref == "" {
				ref = c.Key
			}
			h.confirm(ctx, device, ref, c.Key, e.Seq)
		case KindEvaluation:
			id := h.ratedTicket(ctx, device, e.Payload, issued)
			if id == "" {
				continue
			}
			var ev struct {
				Score int `json:"score"`
			}
			_ = json.Unmarshal(e.Payload, &ev)
			if _, err := h.e.Rate(ctx, id, ev.Score, engine.Actor{Name: device}); err != nil {
				// A rating the engine cannot take must not block the
				// device's later events; it stays in the hall's log.
				h.log.Warn("sync: rating not recorded", "device", device, "seq", e.Seq, "err", err)
			}
		}
	}
	return nil
}

// confirm makes the device's reserved ticket ref (id or key) wait: its
// kiosk printed it. A ticket of another device, of an earlier day or
// already live is left alone (logged when it is not the device's).
func (h *EngineHall) confirm(ctx context.Context, device, ref, key string, seq uint64) {
	if ref == "" {
		return
	}
	// The ticket is the sender's when it was issued under the sender's
	// sync id, or under its kiosk id on the hall API (another name for the
	// same kiosk) with the idempotency key only the issuing kiosk holds.
	if t, err := h.e.Ticket(ctx, ref); err == nil && t.DeviceID != device && (key == "" || t.Key != key) {
		h.log.Warn("sync: confirmation of another device's ticket ignored", "device", device, "seq", seq)
		return
	}
	if _, err := h.e.ConfirmPrinted(ctx, ref, true, engine.Actor{Name: device}); err != nil {
		// An earlier day's ticket, or one the engine never had: nothing
		// waits for it; the event stays in the hall's log.
		h.log.Info("sync: confirmation not applied", "device", device, "seq", seq, "err", err)
	}
}

// ratedTicket finds the engine ticket a kiosk rating refers to: by
// "ticket_id", or by "ref", the device sequence of the ticket's
// ticket.issued event (what the kiosk's flow records). "" when unknown.
func (h *EngineHall) ratedTicket(ctx context.Context, device string, payload json.RawMessage, batch map[uint64]TicketPayload) string {
	var ev struct {
		TicketID string `json:"ticket_id"`
		Ref      string `json:"ref"`
	}
	if json.Unmarshal(payload, &ev) != nil {
		return ""
	}
	if ev.TicketID != "" {
		return ev.TicketID
	}
	seq, err := strconv.ParseUint(ev.Ref, 10, 64)
	if err != nil || seq == 0 {
		return ""
	}
	t, ok := batch[seq]
	if !ok && h.lookup != nil {
		if e, err := h.lookup(ctx, device, seq); err == nil && e != nil && e.Kind == KindTicketIssued {
			ok = json.Unmarshal(e.Payload, &t) == nil
		}
	}
	if !ok {
		return ""
	}
	return engineTicketID(t.Day, t.Service, t.Number)
}

// registerOverflow records the device's overflow range of t's service and
// day as a lease in the engine (engine.LeaseRange), so that Import accepts
// the number. HallSync has already checked that the number lies in this
// device's own range.
func (h *EngineHall) registerOverflow(ctx context.Context, device string, t TicketPayload) error {
	k := (t.Number-OverflowBase-1)/OverflowSize + 1
	lo, hi, err := OverflowRange(k)
	if err != nil {
		return err
	}
	if _, err := h.e.LeaseRange(ctx, device, t.Service, t.Day, lo, hi); err != nil {
		return fmt.Errorf("sync: register overflow range %d..%d of %s: %w", lo, hi, device, err)
	}
	return nil
}

// engineTicketID mirrors the engine's ticket ids: YYYYMMDD-service-number.
func engineTicketID(day, service string, n int) string {
	if len(day) == 10 {
		day = day[:4] + day[5:7] + day[8:]
	}
	return fmt.Sprintf("%s-%s-%d", day, service, n)
}

// ReserveNumbers implements Hall with an engine lease.
func (h *EngineHall) ReserveNumbers(ctx context.Context, device, service, day string, n int) (int, int, error) {
	l, err := h.e.LeaseAhead(ctx, device, service, day, n, LeaseAhead+h.pace(service))
	if engine.CodeOf(err) == engine.CodeCapReached {
		return 0, 0, fmt.Errorf("%w: %v", ErrNoNumbers, err)
	}
	if err != nil {
		return 0, 0, fmt.Errorf("sync: lease: %w", err)
	}
	if l.Last > LeaseMax {
		return 0, 0, fmt.Errorf("%w (engine leased %d..%d)", ErrNoNumbers, l.First, l.Last)
	}
	return l.First, l.Last, nil
}

// LastNumber implements NumberReleaser.
func (h *EngineHall) LastNumber(service, day string) int { return h.e.LastNumber(service, day) }

// pace is twice the hall's own tickets of service in the last 30 s: about
// what it issues while a kiosk waits for its next pull (15 s) and the
// pull's answer, with room to spare.
func (h *EngineHall) pace(service string) int {
	return 2 * h.e.RecentIssued(service, 30*time.Second)
}

// Margin implements NumberReleaser: the release margin grows with the
// hall's pace, so at opening time blocks are asked back before the hall
// reaches them (it steps over a block nobody handed back, a gap on the
// board).
func (h *EngineHall) Margin(service, day string) int { return 10 + h.pace(service) }

// ReleaseNumbers implements NumberReleaser.
func (h *EngineHall) ReleaseNumbers(ctx context.Context, device, service, day string, lo, from int) error {
	return h.e.Release(ctx, device, service, day, lo, from)
}

// Document implements Hall: the catalogue is the engine's, versioned by
// a hash of its JSON; the engine has no config or notices documents yet.
func (h *EngineHall) Document(ctx context.Context, name string, have int64) (*Versioned, error) {
	if name != "catalog" {
		return nil, nil
	}
	b, err := h.e.Catalog().JSON()
	if err != nil {
		return nil, fmt.Errorf("sync: catalogue: %w", err)
	}
	f := fnv.New64a()
	f.Write(b)
	v := int64(f.Sum64() >> 1)
	if v == have {
		return nil, nil
	}
	return &Versioned{Version: v, Data: b}, nil
}

// QueueStatus implements Hall with the engine's per-service status.
func (h *EngineHall) QueueStatus(ctx context.Context) (json.RawMessage, error) {
	b, err := json.Marshal(map[string]any{"services": h.e.Status(), "at": time.Now().UnixMilli()})
	if err != nil {
		return nil, errors.Join(errors.New("sync: queue status"), err)
	}
	return b, nil
}

var _ Hall = (*EngineHall)(nil)
