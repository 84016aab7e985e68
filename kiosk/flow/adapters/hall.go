package adapters

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"sync/atomic"
	"time"

	"hallkiosk/kiosk/flow"
	"hallkiosk/kiosk/store"
	"hallkiosk/queue/catalog"
	"hallkiosk/queue/engine"
	"hallkiosk/queue/hallapi"
	qsync "hallkiosk/queue/sync"
)

// Hall talks to the hall server's HTTP API (docs/API.md) through
// hallapi.Client: tickets, void, rating, appointment check-in and the live
// queue status. When the hall is unreachable and Offline is set (the
// kiosk's store with its number leases), tickets are issued from Offline
// instead, so the kiosk keeps working.
type Hall struct {
	URL     string // e.g. http://127.0.0.1:8080
	Device  string // kiosk device id
	Secret  string // kiosk key ("Authorization: Device id:secret"); empty in demo halls
	Client  *http.Client
	Cat     *catalog.Catalog
	Offline flow.TicketIssuer // may be nil
	// Retries is how many times an issue or a confirmation the hall did
	// not answer is asked again with the same idempotency key before
	// falling back (0 means 1, negative none).
	Retries int
	// Retried and FellBack count issues asked again and issues that fell
	// back to Offline.
	Retried, FellBack atomic.Int64

	seq    atomic.Int64
	online atomic.Bool
}

var (
	_ flow.TicketIssuer     = (*Hall)(nil)
	_ flow.HallStatusSource = (*Hall)(nil)
	_ flow.Appointments     = (*Hall)(nil)
	_ flow.Rater            = (*Hall)(nil)
)

// api is the hall's client with the kiosk's key.
func (h *Hall) api() *hallapi.Client {
	return &hallapi.Client{URL: h.URL, Device: h.Device, Secret: h.Secret, HTTP: h.Client}
}

// seen records whether a call's answer came from the hall and passes err on.
func (h *Hall) seen(err error) error {
	h.online.Store(hallapi.Reached(err))
	return err
}

// Online reports whether the last request reached the hall.
func (h *Hall) Online() bool { return h.online.Load() }

// unreachable reports whether err means the hall could not be reached (as
// opposed to a refusal).
func unreachable(err error) bool {
	var he *hallapi.HTTPError
	if errors.As(err, &he) {
		return he.Status >= 500
	}
	var ne net.Error
	var ue *url.Error
	return errors.As(err, &ne) || errors.As(err, &ue)
}

// hallErr maps a hall refusal to the flow's errors.
func hallErr(op string, err error) error {
	var he *hallapi.HTTPError
	if !errors.As(err, &he) {
		return fmt.Errorf("adapters: %s: %w: %w", op, flow.ErrUnavailable, err)
	}
	switch he.Code {
	case engine.CodeClosed:
		return fmt.Errorf("adapters: %s: %w: %w", op, flow.ErrClosed, err)
	case engine.CodeCapReached, engine.CodePersonLimit:
		return fmt.Errorf("adapters: %s: %w: %w", op, flow.ErrCapReached, err)
	case engine.CodeNotFound, engine.CodeBadSlot:
		return fmt.Errorf("adapters: %s: %w: %w", op, flow.ErrNotFound, err)
	case engine.CodeBadCode:
		return fmt.Errorf("adapters: %s: %w: %w", op, flow.ErrUntrusted, err)
	}
	return fmt.Errorf("adapters: %s: %w", op, err)
}

// ticket is the flow's ticket of the hall's reply, whose own ahead and
// est_wait_min are printed (a reserved ticket is placed as if it waited).
func (h *Hall) ticket(t *hallapi.TicketReply) flow.Ticket {
	ft := flow.Ticket{Number: t.Label, Service: t.Service, IssuedAt: t.IssuedAt, Key: t.Key, Ref: t.ID,
		Priority: t.Priority != "" && t.Priority != catalog.PriorityNormal, Ahead: max(0, t.Ahead),
		Wait: time.Duration(t.WaitMin) * time.Minute}
	if h.Cat != nil {
		if s, ok := h.Cat.Service(t.Service); ok {
			ft.ServiceName = s.Name
		}
	}
	return ft
}

// Issue asks the hall for a ticket, reserved until Confirm says it was
// printed (the hall never calls it before). When the hall cannot be
// reached (or the reply is lost) it asks again with the same idempotency
// key, up to Retries times, so a reservation the hall made is the one
// printed; only then does it issue from Offline (if set), telling the hall
// with the offline ticket which reservation it replaces
// (store.WithReplaces), so that the citizen holds exactly one live ticket.
func (h *Hall) Issue(ctx context.Context, r flow.IssueRequest) (flow.Ticket, error) {
	req := engine.IssueRequest{Service: r.Service, DeviceID: h.Device, Reserve: true,
		Key: h.Device + ":" + strconv.FormatInt(time.Now().UnixNano(), 36) + "-" + strconv.FormatInt(h.seq.Add(1), 10)}
	if r.Citizen != nil {
		req.IDNumber, req.Name = r.Citizen.IDNumber, r.Citizen.Name
	}
	api := h.api()
	t, err := api.Issue(ctx, req)
	for i := 0; i < h.retries() && h.seen(err) != nil && unreachable(err) && ctx.Err() == nil; i++ {
		h.Retried.Add(1)
		t, err = api.Issue(ctx, req) // same key: the same reservation
	}
	if h.seen(err) != nil && unreachable(err) && h.Offline != nil {
		ft, oerr := h.Offline.Issue(store.WithReplaces(ctx, req.Key), r)
		if oerr != nil {
			return flow.Ticket{}, oerr
		}
		h.FellBack.Add(1)
		ft.Offline = true
		return ft, nil
	}
	if err != nil {
		return flow.Ticket{}, hallErr("issue", err)
	}
	return h.ticket(t), nil
}

func (h *Hall) retries() int {
	if h.Retries == 0 {
		return 1
	}
	return max(h.Retries, 0)
}

// offline reports whether t was issued from Offline (t.Offline, or a
// reference in the older "offline:SEQ" form), with its store reference.
func (h *Hall) offline(t flow.Ticket) (flow.Ticket, bool) {
	ref, legacy := parseRef(t.Ref)
	if !(t.Offline || legacy) || h.Offline == nil {
		return t, false
	}
	t.Ref, t.Offline = ref, true
	return t, true
}

// Confirm makes a printed ticket live: an offline one in the store (it
// reaches the hall with the next sync), a hall reservation by
// POST /api/v1/tickets/{id}/confirm. When the hall cannot be told now,
// the confirmation goes into the outbox (ticket.confirmed) and reaches the
// hall with the next sync; a late confirmation still makes the ticket
// wait at the hall.
func (h *Hall) Confirm(ctx context.Context, t flow.Ticket) error {
	if ot, ok := h.offline(t); ok {
		return h.Offline.Confirm(ctx, ot)
	}
	return h.confirmAtHall(ctx, t, true)
}

func (h *Hall) confirmAtHall(ctx context.Context, t flow.Ticket, printed bool) error {
	api := h.api()
	_, err := api.Confirm(ctx, t.Ref, printed)
	for i := 0; i < h.retries() && h.seen(err) != nil && unreachable(err) && ctx.Err() == nil; i++ {
		_, err = api.Confirm(ctx, t.Ref, printed)
	}
	h.seen(err)
	if err == nil || !unreachable(err) {
		if err != nil {
			return hallErr("confirm", err)
		}
		return nil
	}
	if !printed {
		return nil // an unconfirmed reservation lapses by itself
	}
	if st, ok := h.Offline.(*Store); ok && st.S != nil {
		if _, aerr := st.S.Append(ctx, qsync.KindTicketConfirmed, qsync.ConfirmPayload{TicketID: t.Ref, Key: t.Key}); aerr == nil {
			return nil
		}
	}
	return hallErr("confirm", err)
}

// Void voids a ticket that could not be printed: an offline one in the
// store; a hall reservation lapses at once (POST .../confirm with
// printed false).
func (h *Hall) Void(ctx context.Context, t flow.Ticket, reason string) error {
	if ot, ok := h.offline(t); ok {
		return h.Offline.Void(ctx, ot, reason)
	}
	return h.confirmAtHall(ctx, t, false)
}

// HallStatus reports the hall's live queue.
func (h *Hall) HallStatus(ctx context.Context) (flow.HallStatus, error) {
	st, err := h.api().Status(ctx)
	if h.seen(err) != nil {
		return flow.HallStatus{}, fmt.Errorf("adapters: hall status: %w", err)
	}
	out := flow.HallStatus{Online: true, Services: map[string]flow.ServiceStatus{}, Notices: st.Notices, NoticesEN: st.NoticesEN}
	for _, s := range st.Services {
		out.Services[s.ID] = flow.ServiceStatus{Waiting: s.Waiting, Wait: time.Duration(s.WaitMin) * time.Minute,
			Open: s.Open && s.CapLeft != 0}
		if s.Open && hasHours(h.Cat, s.ID) {
			out.Open = true
		}
	}
	return out, nil
}

// CheckIn checks a booking in by its code at the hall. The hall looks
// bookings up by code only, so a check-in by ID card reports ErrNotFound.
func (h *Hall) CheckIn(ctx context.Context, code string, c *flow.Citizen) (flow.Ticket, error) {
	if code == "" {
		return h.checkInPerson(ctx, c)
	}
	t, err := h.api().CheckIn(ctx, code)
	if h.seen(err) != nil {
		return flow.Ticket{}, checkInErr("check-in", err)
	}
	return h.ticket(t), nil
}

// checkInPerson asks the hall to check in the card holder's booking of
// today: POST /api/v1/checkin/person {"id_number": ...}, answered like
// POST /api/v1/checkin (the ticket, 201). The number goes to the hall the way
// real-name tickets send it (POST /api/v1/tickets "id_number"), over the same
// authenticated link, and the hall hashes it with its key. A hall without the
// endpoint (404 without an error code) counts as "no booking found".
func (h *Hall) checkInPerson(ctx context.Context, c *flow.Citizen) (flow.Ticket, error) {
	if c == nil || c.IDNumber == "" {
		return flow.Ticket{}, fmt.Errorf("adapters: check-in without a code or an ID number: %w", flow.ErrNotFound)
	}
	t, err := h.api().CheckInPerson(ctx, c.IDNumber)
	var he *hallapi.HTTPError
	if errors.As(h.seen(err), &he) && he.Status == http.StatusNotFound && he.Code == "" {
		return flow.Ticket{}, fmt.Errorf("adapters: check-in by ID card: the hall does not offer it (%w): %w", err, flow.ErrNotFound)
	}
	if err != nil {
		return flow.Ticket{}, checkInErr("check-in by ID card", err)
	}
	return h.ticket(t), nil
}

// Rate rates a ticket at the hall (the hall accepts ratings of finished
// tickets); use Ratings to fall back to the outbox.
func (h *Hall) Rate(ctx context.Context, r flow.Rating) error {
	if _, legacy := parseRef(r.Ref); r.Ref == "" || r.Offline || legacy {
		return fmt.Errorf("adapters: rating without a hall ticket: %w", flow.ErrNotFound)
	}
	// The hall takes a kiosk rating only for a ticket the citizen
	// identified: the signed code scanned from the ticket's QR.
	_, err := h.api().Rate(ctx, r.Ref, hallapi.RateRequest{Code: r.Code, Level: r.Level, Reasons: r.Reasons})
	if h.seen(err) != nil {
		return hallErr("rate", err)
	}
	return nil
}
