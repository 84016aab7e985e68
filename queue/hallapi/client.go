package hallapi

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"hallkiosk/internal/httpjson"
	"hallkiosk/queue/engine"
	"hallkiosk/queue/invoices"
)

// Client is a kiosk's side of the hall API (docs/API.md "Kiosk API"): it
// issues tickets, confirms or voids them, reads the live status, checks
// bookings in, rates and asks the invoice desk, with the kiosk's key. Its
// replies are the server's own types. Every refusal is an *HTTPError; an
// error that is not one means the hall was not reached (see Reached).
// Each call makes one attempt.
type Client struct {
	URL    string       // e.g. http://127.0.0.1:8080
	Device string       // kiosk device id
	Secret string       // kiosk key ("Authorization: Device id:secret"); empty in demo halls
	HTTP   *http.Client // nil: a client with a 5 s timeout
}

// maxReply bounds a reply body.
const maxReply = 4 << 20

// HTTPError is a refusal by the hall: the HTTP status and the hall's one
// JSON error format (internal/httpjson). Code is empty when the reply
// carried no such body (a route an older hall does not have: 404 or 405
// from its router), so callers can tell "no such route" from "no such
// ticket" (404 not_found).
type HTTPError struct {
	Status  int
	Code    engine.Code // e.g. bad_slot, closed, cap_reached, not_found
	Message string      // Chinese, for screens
	Detail  string      // the hall's own words, e.g. "too early: check in from 09:30"
}

func (e *HTTPError) Error() string {
	return fmt.Sprintf("hallapi: hall answered %d %s: %s", e.Status, e.Code, e.Message)
}

// Reached reports whether err (from a Client call) came from a reply of
// the hall, a refusal or an unreadable reply, rather than from a hall that
// could not be reached or a call given up by its context.
func Reached(err error) bool {
	if err == nil {
		return true
	}
	var ue *url.Error
	return !errors.As(err, &ue)
}

func (c *Client) client() *http.Client {
	if c.HTTP != nil {
		return c.HTTP
	}
	return defaultHTTP
}

var defaultHTTP = &http.Client{Timeout: 5 * time.Second}

// do sends in as JSON (nil: no body) and decodes the reply into out (nil:
// the reply is read and dropped).
func (c *Client) do(ctx context.Context, method, path string, in, out any) error {
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return fmt.Errorf("hallapi: %s %s: %w", method, path, err)
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, strings.TrimSuffix(c.URL, "/")+path, body)
	if err != nil {
		return fmt.Errorf("hallapi: %s %s: %w", method, path, err)
	}
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.Secret != "" {
		req.Header.Set("Authorization", "Device "+c.Device+":"+c.Secret)
	}
	resp, err := c.client().Do(req)
	if err != nil {
		return fmt.Errorf("hallapi: %s %s: %w", method, path, err) // a *url.Error: not reached
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxReply))
	if err != nil {
		return fmt.Errorf("hallapi: %s %s: reading the reply: %v", method, path, err)
	}
	if resp.StatusCode >= 300 {
		return replyError(resp.StatusCode, data)
	}
	if out != nil {
		if err := json.Unmarshal(data, out); err != nil {
			return fmt.Errorf("hallapi: %s %s: bad reply: %v", method, path, err)
		}
	}
	return nil
}

// replyError decodes an error reply: {"error":{"code","message","detail"}},
// or a body without it (Code empty).
func replyError(status int, data []byte) *HTTPError {
	e := &HTTPError{Status: status}
	var b httpjson.ErrorBody
	if json.Unmarshal(data, &b) == nil && b.Error.Code != "" {
		e.Code, e.Message, e.Detail = engine.Code(b.Error.Code), b.Error.Message, b.Error.Detail
		return e
	}
	e.Message = http.StatusText(status)
	return e
}

// Issue asks for a ticket: POST /api/v1/tickets. A repeat with the same
// Key answers the same ticket (Duplicate set).
func (c *Client) Issue(ctx context.Context, req engine.IssueRequest) (*TicketReply, error) {
	var t TicketReply
	if err := c.do(ctx, http.MethodPost, "/api/v1/tickets", req, &t); err != nil {
		return nil, err
	}
	return &t, nil
}

// Confirm tells the hall whether a reserved ticket printed:
// POST /api/v1/tickets/{id}/confirm {"printed": printed}. id is the ticket
// id or the issue's idempotency key. Not printed, the reservation lapses.
func (c *Client) Confirm(ctx context.Context, id string, printed bool) (*engine.Ticket, error) {
	var t engine.Ticket
	body := struct {
		Printed bool `json:"printed"`
	}{printed}
	if err := c.do(ctx, http.MethodPost, "/api/v1/tickets/"+url.PathEscape(id)+"/confirm", body, &t); err != nil {
		return nil, err
	}
	return &t, nil
}

// Status reads the live queue: GET /api/v1/status.
func (c *Client) Status(ctx context.Context) (*StatusReply, error) {
	var st StatusReply
	if err := c.do(ctx, http.MethodGet, "/api/v1/status", nil, &st); err != nil {
		return nil, err
	}
	return &st, nil
}

// CheckIn checks a booking in by its code: POST /api/v1/checkin. Too
// early or too late is a 409 bad_slot whose Detail names the time.
func (c *Client) CheckIn(ctx context.Context, code string) (*TicketReply, error) {
	var t TicketReply
	body := struct {
		Code string `json:"code"`
	}{code}
	if err := c.do(ctx, http.MethodPost, "/api/v1/checkin", body, &t); err != nil {
		return nil, err
	}
	return &t, nil
}

// CheckInPerson checks in today's booking of an ID card's holder:
// POST /api/v1/checkin/person. The number travels only in the body.
func (c *Client) CheckInPerson(ctx context.Context, idNumber string) (*TicketReply, error) {
	var t TicketReply
	body := struct {
		IDNumber string `json:"id_number"`
	}{idNumber}
	if err := c.do(ctx, http.MethodPost, "/api/v1/checkin/person", body, &t); err != nil {
		return nil, err
	}
	return &t, nil
}

// ServedTicket finds the card holder's served, unrated ticket of today:
// POST /api/v1/tickets/served, with a signed code to rate it by. The number
// travels only in the body; 404 not_found when there is none.
func (c *Client) ServedTicket(ctx context.Context, idNumber string) (*ServedReply, error) {
	var out ServedReply
	body := struct {
		IDNumber string `json:"id_number"`
	}{idNumber}
	if err := c.do(ctx, http.MethodPost, "/api/v1/tickets/served", body, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// Rate rates ticket id at the kiosk: POST /api/v1/tickets/{id}/rate, the
// ticket identified by r.Code (its signed code) or r.IDNumber.
func (c *Client) Rate(ctx context.Context, id string, r RateRequest) (*RateReply, error) {
	var out RateReply
	if err := c.do(ctx, http.MethodPost, "/api/v1/tickets/"+url.PathEscape(id)+"/rate", r, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// PendingInvoices lists the holder's invoices ready for pickup:
// POST /api/v1/invoices/pending (the hall's queue/invoices desk).
func (c *Client) PendingInvoices(ctx context.Context, idNumber string) (*invoices.PendingReply, error) {
	var out invoices.PendingReply
	body := struct {
		IDNumber string `json:"id_number"`
	}{idNumber}
	if err := c.do(ctx, http.MethodPost, "/api/v1/invoices/pending", body, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// CollectInvoices marks the holder's invoices numbers collected, all or
// none: POST /api/v1/invoices/collect; the reply carries the pickup code.
func (c *Client) CollectInvoices(ctx context.Context, idNumber string, numbers []string) (*invoices.CollectReply, error) {
	var out invoices.CollectReply
	body := struct {
		IDNumber string   `json:"id_number"`
		Numbers  []string `json:"numbers"`
	}{idNumber, numbers}
	if err := c.do(ctx, http.MethodPost, "/api/v1/invoices/collect", body, &out); err != nil {
		return nil, err
	}
	return &out, nil
}
