package adapters

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"hallkiosk/kiosk/flow"
	"hallkiosk/kiosk/store"
	"hallkiosk/queue/catalog"
	"hallkiosk/queue/engine"
	qsync "hallkiosk/queue/sync"
)

// Hall talks to the hall server's HTTP API (docs/API.md): tickets, void,
// rating, appointment check-in and the live queue status. When the hall is
// unreachable and Offline is set (the kiosk's store with its number leases),
// tickets are issued from Offline instead, so the kiosk keeps working.
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

// refs of tickets issued offline start with this.
const offlineRef = "offline:"

// apiError is the hall's JSON error body.
type apiError struct {
	Error struct {
		Code    string `json:"code"`
		Message string `json:"message"`
		Detail  string `json:"detail"`
	} `json:"error"`
}

// HTTPError is a refusal by the hall (status and engine code).
type HTTPError struct {
	Status int
	Code   engine.Code
	Msg    string
	Detail string // the engine's own words, e.g. "too early: check in from 09:30"
}

func (e *HTTPError) Error() string {
	return fmt.Sprintf("adapters: hall answered %d %s: %s", e.Status, e.Code, e.Msg)
}

func (h *Hall) client() *http.Client {
	if h.Client != nil {
		return h.Client
	}
	return &http.Client{Timeout: 5 * time.Second}
}

// do sends a JSON request and decodes a JSON reply into out.
func (h *Hall) do(ctx context.Context, method, path string, in, out any) error {
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return fmt.Errorf("adapters: hall: %w", err)
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, strings.TrimSuffix(h.URL, "/")+path, body)
	if err != nil {
		return fmt.Errorf("adapters: hall: %w", err)
	}
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if h.Secret != "" {
		req.Header.Set("Authorization", "Device "+h.Device+":"+h.Secret)
	}
	resp, err := h.client().Do(req)
	if err != nil {
		h.online.Store(false)
		return fmt.Errorf("adapters: hall %s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	h.online.Store(true)
	data, err := io.ReadAll(io.LimitReader(resp.Body, 4<<20))
	if err != nil {
		return fmt.Errorf("adapters: hall %s %s: %w", method, path, err)
	}
	if resp.StatusCode >= 300 {
		var ae apiError
		_ = json.Unmarshal(data, &ae)
		return &HTTPError{Status: resp.StatusCode, Code: engine.Code(ae.Error.Code), Msg: ae.Error.Message, Detail: ae.Error.Detail}
	}
	if out != nil {
		if err := json.Unmarshal(data, out); err != nil {
			return fmt.Errorf("adapters: hall %s %s: bad reply: %w", method, path, err)
		}
	}
	return nil
}

// Online reports whether the last request reached the hall.
func (h *Hall) Online() bool { return h.online.Load() }

// unreachable reports whether err means the hall could not be reached (as
// opposed to a refusal).
func unreachable(err error) bool {
	var he *HTTPError
	if errors.As(err, &he) {
		return he.Status >= 500
	}
	var ne net.Error
	var ue *url.Error
	return errors.As(err, &ne) || errors.As(err, &ue)
}

// hallErr maps a hall refusal to the flow's errors.
func hallErr(op string, err error) error {
	var he *HTTPError
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

func (h *Hall) ticket(ctx context.Context, t *engine.Ticket) flow.Ticket {
	ft := flow.Ticket{Number: t.Label, Service: t.Service, IssuedAt: t.IssuedAt, Key: t.Key, Ref: t.ID,
		Priority: t.Priority != "" && t.Priority != catalog.PriorityNormal, Ahead: -1}
	if h.Cat != nil {
		if s, ok := h.Cat.Service(t.Service); ok {
			ft.ServiceName = s.Name
		}
	}
	if st, err := h.status(ctx); err == nil {
		for _, s := range st.Services {
			if s.ID == t.Service {
				ft.Ahead = max(0, s.Waiting-1)
				if t.State == engine.StateReserved {
					ft.Ahead = s.Waiting // not in the queue until confirmed
				}
				ft.Wait = time.Duration(s.WaitMin) * time.Minute
			}
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
	var t engine.Ticket
	err := h.do(ctx, "POST", "/api/v1/tickets", req, &t)
	for i := 0; i < h.retries() && err != nil && unreachable(err) && ctx.Err() == nil; i++ {
		h.Retried.Add(1)
		err = h.do(ctx, "POST", "/api/v1/tickets", req, &t) // same key: the same reservation
	}
	if err != nil && unreachable(err) && h.Offline != nil {
		ft, oerr := h.Offline.Issue(store.WithReplaces(ctx, req.Key), r)
		if oerr != nil {
			return flow.Ticket{}, oerr
		}
		h.FellBack.Add(1)
		ft.Ref = offlineRef + ft.Ref
		return ft, nil
	}
	if err != nil {
		return flow.Ticket{}, hallErr("issue", err)
	}
	return h.ticket(ctx, &t), nil
}

func (h *Hall) retries() int {
	if h.Retries == 0 {
		return 1
	}
	return max(h.Retries, 0)
}

func (h *Hall) offline(t flow.Ticket) (flow.Ticket, bool) {
	if !strings.HasPrefix(t.Ref, offlineRef) || h.Offline == nil {
		return t, false
	}
	t.Ref = strings.TrimPrefix(t.Ref, offlineRef)
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
	path := "/api/v1/tickets/" + url.PathEscape(t.Ref) + "/confirm"
	body := map[string]bool{"printed": printed}
	err := h.do(ctx, "POST", path, body, nil)
	for i := 0; i < h.retries() && err != nil && unreachable(err) && ctx.Err() == nil; i++ {
		err = h.do(ctx, "POST", path, body, nil)
	}
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

// status fetches GET /api/v1/status.
func (h *Hall) status(ctx context.Context) (*statusReply, error) {
	var st statusReply
	if err := h.do(ctx, "GET", "/api/v1/status", nil, &st); err != nil {
		return nil, err
	}
	return &st, nil
}

type statusReply struct {
	Services []engine.ServiceStatus `json:"services"`
	Notices  []string               `json:"notices"`
}

// HallStatus reports the hall's live queue.
func (h *Hall) HallStatus(ctx context.Context) (flow.HallStatus, error) {
	st, err := h.status(ctx)
	if err != nil {
		return flow.HallStatus{}, fmt.Errorf("adapters: hall status: %w", err)
	}
	out := flow.HallStatus{Online: true, Services: map[string]flow.ServiceStatus{}, Notices: st.Notices}
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
	var t engine.Ticket
	if err := h.do(ctx, "POST", "/api/v1/checkin", map[string]string{"code": code}, &t); err != nil {
		return flow.Ticket{}, checkInErr("check-in", err)
	}
	return h.ticket(ctx, &t), nil
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
	var t engine.Ticket
	err := h.do(ctx, "POST", "/api/v1/checkin/person", map[string]string{"id_number": c.IDNumber}, &t)
	var he *HTTPError
	if errors.As(err, &he) && he.Status == http.StatusNotFound && he.Code == "" {
		return flow.Ticket{}, fmt.Errorf("adapters: check-in by ID card: the hall does not offer it (%w): %w", err, flow.ErrNotFound)
	}
	if err != nil {
		return flow.Ticket{}, checkInErr("check-in by ID card", err)
	}
	return h.ticket(ctx, &t), nil
}

// Rate rates a ticket at the hall (the hall accepts ratings of finished
// tickets); use Ratings to fall back to the outbox.
func (h *Hall) Rate(ctx context.Context, r flow.Rating) error {
	if r.Ref == "" || strings.HasPrefix(r.Ref, offlineRef) {
		return fmt.Errorf("adapters: rating without a hall ticket: %w", flow.ErrNotFound)
	}
	// The hall takes a kiosk rating only for a ticket the citizen
	// identified: the signed code scanned from the ticket's QR.
	body := struct {
		Code    string   `json:"code,omitempty"`
		Level   int      `json:"level"`
		Reasons []string `json:"reasons,omitempty"`
	}{r.Code, r.Level, r.Reasons}
	if err := h.do(ctx, "POST", "/api/v1/tickets/"+url.PathEscape(r.Ref)+"/rate", body, nil); err != nil {
		return hallErr("rate", err)
	}
	return nil
}
