package sync

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"strings"
	gosync "sync"
	"time"
)

// Identity is the kiosk's device identity and its enrolment.
type Identity struct {
	Device  string             // DeviceID of Key's public half
	Key     ed25519.PrivateKey // made on first boot, never leaves the kiosk
	Index   int                // enrolment index (overflow range), 0 before enrolment
	HallURL string             // https://host:port of the hall
	Pin     string             // pinned hall certificate fingerprint
}

// Enrolled reports whether the kiosk has enrolled with a hall.
func (id *Identity) Enrolled() bool { return id.Index > 0 && id.HallURL != "" && id.Pin != "" }

// KioskStore is the kiosk's durable side of sync, implemented by
// kiosk/store.
type KioskStore interface {
	// Identity returns the device identity, making the key pair on first
	// use.
	Identity(ctx context.Context) (*Identity, error)
	// SaveEnrolment records a successful enrolment.
	SaveEnrolment(ctx context.Context, hallURL, pin string, index int) error
	// Pending returns up to limit unacknowledged events, oldest first.
	Pending(ctx context.Context, limit int) ([]Event, error)
	// PendingCount returns how many events wait for the hall.
	PendingCount(ctx context.Context) (int, error)
	// Ack forgets every event with a sequence up to seq.
	Ack(ctx context.Context, seq uint64) error
	// Versions returns the document versions held.
	Versions(ctx context.Context) (Versions, error)
	// LeaseWants says which services need numbers for day.
	LeaseWants(ctx context.Context, day string) ([]LeaseWant, error)
	// ApplyPull stores documents and leases from the hall.
	ApplyPull(ctx context.Context, p *PullResponse) error
	// SetHallTime tells the store the hall's time measured at the local
	// instant local (with its monotonic reading), for the clock check.
	SetHallTime(hall, local time.Time)
}

// releasedLister is implemented by kiosk stores that cut blocks short
// when the hall asks them back (PullResponse.Release); the pull reports
// the cuts so the hall can issue the unused numbers.
type releasedLister interface {
	Released(ctx context.Context, day string) ([]LeaseRelease, error)
}

// ClientOptions tunes a Client. Nil means defaults.
type ClientOptions struct {
	Log     *slog.Logger
	Timeout time.Duration // per request; 10 s when 0
	// AnswerTimeout bounds the wait for the hall's answer once a request
	// is sent (3 s when 0): a request lost on a dropping link is given up
	// soon and retried, while a large push still has Timeout to upload.
	AnswerTimeout time.Duration
	Interval      time.Duration // between successful syncs; 15 s when 0
	MaxBackoff    time.Duration // longest wait after failures; 2 min when 0
	Batch         int           // events per push; 1000 when 0
	// Probe is how often, while the hall is unreachable, Run asks for the
	// hall's time (GET time: unsigned, a few bytes) to notice at once
	// that the link is back, ±50 % jitter; 1 s when 0, negative: no
	// probes (only the backoff). ProbeTimeout bounds each probe; 2 s when
	// 0.
	Probe, ProbeTimeout time.Duration
	Software            string
	// Health returns the device health report sent with each pull.
	Health func() json.RawMessage
}

// Status is what maintenance mode shows.
type Status struct {
	Online      bool            `json:"online"`
	Enrolled    bool            `json:"enrolled"`
	Device      string          `json:"device"`
	Pending     int             `json:"pending"`
	LastSync    time.Time       `json:"last_sync"`
	LastAttempt time.Time       `json:"last_attempt"`
	LastError   string          `json:"last_error,omitempty"`
	HallOffset  time.Duration   `json:"hall_offset"`
	Queue       json.RawMessage `json:"queue,omitempty"`
}

// Client syncs one kiosk with its hall.
type Client struct {
	st   KioskStore
	opts ClientOptions
	log  *slog.Logger

	mu        gosync.Mutex
	http      *http.Client
	pin       string
	offset    time.Duration
	clockOK   bool
	status    Status
	trigger   chan struct{}
	syncMutex gosync.Mutex
}

// NewClient returns a client for the kiosk store st.
func NewClient(st KioskStore, opts *ClientOptions) *Client {
	c := &Client{st: st, trigger: make(chan struct{}, 1)}
	if opts != nil {
		c.opts = *opts
	}
	if c.opts.AnswerTimeout <= 0 {
		c.opts.AnswerTimeout = 3 * time.Second
	}
	if c.opts.Timeout == 0 {
		c.opts.Timeout = 10 * time.Second
	}
	if c.opts.Interval == 0 {
		c.opts.Interval = 15 * time.Second
	}
	if c.opts.MaxBackoff == 0 {
		c.opts.MaxBackoff = 2 * time.Minute
	}
	if c.opts.Batch == 0 {
		c.opts.Batch = 1000
	}
	if c.opts.Probe == 0 {
		c.opts.Probe = time.Second
	}
	if c.opts.ProbeTimeout == 0 {
		c.opts.ProbeTimeout = 2 * time.Second
	}
	c.log = c.opts.Log
	if c.log == nil {
		c.log = slog.New(slog.DiscardHandler)
	}
	return c
}

// ErrNotEnrolled means the kiosk has not enrolled with a hall yet.
var ErrNotEnrolled = errors.New("sync: kiosk not enrolled (kioskctl sync enrol)")

// HTTPError is a refusal by the hall.
type HTTPError struct {
	Status int
	ErrorResponse
}

func (e *HTTPError) Error() string {
	return fmt.Sprintf("sync: hall refused (%d %s): %s", e.Status, e.Code, e.Message)
}

func (c *Client) httpClient(pin string, seen *string) *http.Client {
	return pinnedClient(pin, seen, c.opts.Timeout, c.opts.AnswerTimeout)
}

// PinnedClient returns an HTTP client for the hall's TLS address that
// trusts only the certificate pinned at enrolment (Identity.Pin), for the
// kiosk's other calls to the hall (tickets, check-ins, registry, invoices):
// ID numbers then travel encrypted to the very hall the kiosk enrolled with.
func PinnedClient(pin string, timeout time.Duration) *http.Client {
	return pinnedClient(pin, nil, timeout, 0)
}

func pinnedClient(pin string, seen *string, timeout, answer time.Duration) *http.Client {
	return &http.Client{
		Timeout: timeout,
		Transport: &http.Transport{
			TLSClientConfig:       pinnedTLS(pin, seen),
			ResponseHeaderTimeout: answer,
			TLSHandshakeTimeout:   answer, // a stalled link holds the handshake too
			DialContext:           (&net.Dialer{Timeout: answer}).DialContext,
			MaxIdleConnsPerHost:   2,
			IdleConnTimeout:       30 * time.Second,
			DisableCompression:    true,
		},
	}
}

// hallNow is the local clock corrected by the last hall time measurement.
func (c *Client) hallNow() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return time.Now().Add(c.offset)
}

// do sends one request. key nil means unsigned (GET time).
func (c *Client) do(ctx context.Context, hc *http.Client, method, base, route string, id *Identity, in, out any) error {
	var body []byte
	if in != nil {
		var err error
		if body, err = json.Marshal(in); err != nil {
			return fmt.Errorf("sync: encode %s: %w", route, err)
		}
	}
	req, err := http.NewRequestWithContext(ctx, method, strings.TrimSuffix(base, "/")+Prefix+route, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("sync: %s: %w", route, err)
	}
	req.Header.Set("Content-Type", "application/json")
	if id != nil {
		if err := SignRequest(req, body, id.Device, id.Key, c.hallNow()); err != nil {
			return err
		}
	}
	resp, err := hc.Do(req)
	if err != nil {
		return fmt.Errorf("sync: %s: %w", route, err)
	}
	defer resp.Body.Close()
	rb, err := io.ReadAll(io.LimitReader(resp.Body, MaxBodyBytes))
	if err != nil {
		return fmt.Errorf("sync: %s: read response: %w", route, err)
	}
	if resp.StatusCode != http.StatusOK {
		he := &HTTPError{Status: resp.StatusCode}
		var ok bool
		if he.ErrorResponse, ok = DecodeError(rb); !ok {
			he.Code, he.Message = "http", strings.TrimSpace(string(rb[:min(len(rb), 200)]))
		}
		if he.Code == CodeClockSkew {
			c.mu.Lock()
			c.clockOK = false
			c.mu.Unlock()
		}
		return he
	}
	if err := json.Unmarshal(rb, out); err != nil {
		return fmt.Errorf("sync: %s: bad response: %w", route, err)
	}
	return nil
}

// measureTime asks the hall for its time and keeps the offset.
func (c *Client) measureTime(ctx context.Context, hc *http.Client, base string) error {
	start := time.Now()
	var tr TimeResponse
	if err := c.do(ctx, hc, http.MethodGet, base, "time", nil, nil, &tr); err != nil {
		return err
	}
	end := time.Now()
	rtt := end.Sub(start)
	hall := time.UnixMilli(tr.HallTime).Add(rtt / 2)
	c.mu.Lock()
	c.offset = hall.Sub(end)
	c.clockOK = true
	c.status.HallOffset = c.offset
	c.mu.Unlock()
	c.st.SetHallTime(hall, end)
	return nil
}

// Enrol enrols the kiosk with the hall at hallURL using a one-time code
// issued by the hall's admin. The code's fingerprint part pins the hall's
// certificate before the code is sent.
func (c *Client) Enrol(ctx context.Context, hallURL, code, name string) (*EnrolResponse, error) {
	if !strings.HasPrefix(hallURL, "https://") {
		return nil, errors.New("sync: hall URL must be https://")
	}
	_, pin, err := SplitEnrolmentCode(code)
	if err != nil {
		return nil, err
	}
	id, err := c.st.Identity(ctx)
	if err != nil {
		return nil, err
	}
	var seen string
	hc := c.httpClient(pin, &seen)
	if err := c.measureTime(ctx, hc, hallURL); err != nil {
		return nil, err
	}
	req := EnrolRequest{Code: code, Device: id.Device, PublicKey: id.Key.Public().(ed25519.PublicKey), Name: name, Software: c.opts.Software}
	var resp EnrolResponse
	if err := c.do(ctx, hc, http.MethodPost, hallURL, "enrol", id, req, &resp); err != nil {
		return nil, err
	}
	if resp.Device != id.Device || resp.Index < 1 || resp.Index > MaxDevices {
		return nil, fmt.Errorf("sync: enrol: bad response %+v", resp)
	}
	if seen == "" {
		return nil, errors.New("sync: enrol: hall certificate not seen")
	}
	if err := c.st.SaveEnrolment(ctx, hallURL, seen, resp.Index); err != nil {
		return nil, err
	}
	c.log.Info("sync: enrolled", "device", id.Device, "index", resp.Index, "hall", hallURL)
	return &resp, nil
}

// Status returns the last known sync status.
func (c *Client) Status(ctx context.Context) Status {
	c.mu.Lock()
	s := c.status
	c.mu.Unlock()
	if n, err := c.st.PendingCount(ctx); err == nil {
		s.Pending = n
	}
	return s
}

// Trigger asks Run to sync now (after a ticket was issued, say). It never
// blocks.
func (c *Client) Trigger() {
	select {
	case c.trigger <- struct{}{}:
	default:
	}
}

// SyncOnce makes one sync attempt: push every pending event in batches,
// then pull. It returns the first error; what was acknowledged stays
// acknowledged.
func (c *Client) SyncOnce(ctx context.Context) (err error) {
	c.syncMutex.Lock()
	defer c.syncMutex.Unlock()
	c.mu.Lock()
	c.status.LastAttempt = time.Now()
	c.mu.Unlock()
	defer func() {
		c.mu.Lock()
		defer c.mu.Unlock()
		c.status.Online = err == nil
		if err != nil {
			c.status.LastError = err.Error()
		} else {
			c.status.LastError = ""
			c.status.LastSync = time.Now()
		}
	}()
	id, err := c.st.Identity(ctx)
	if err != nil {
		return err
	}
	c.mu.Lock()
	c.status.Device, c.status.Enrolled = id.Device, id.Enrolled()
	c.mu.Unlock()
	if !id.Enrolled() {
		return ErrNotEnrolled
	}
	c.mu.Lock()
	if c.http == nil || c.pin != id.Pin {
		c.http, c.pin = c.httpClient(id.Pin, nil), id.Pin
	}
	hc, clockOK := c.http, c.clockOK
	c.mu.Unlock()
	if !clockOK {
		if err := c.measureTime(ctx, hc, id.HallURL); err != nil {
			return err
		}
	}
	if err := c.push(ctx, hc, id); err != nil {
		return err
	}
	return c.pull(ctx, hc, id)
}

func (c *Client) push(ctx context.Context, hc *http.Client, id *Identity) error {
	for {
		evs, err := c.st.Pending(ctx, c.opts.Batch)
		if err != nil {
			return err
		}
		if len(evs) == 0 {
			return nil
		}
		var resp PushResponse
		if err := c.do(ctx, hc, http.MethodPost, id.HallURL, "push", id, PushRequest{Device: id.Device, Events: evs}, &resp); err != nil {
			return err
		}
		first := evs[0].Seq
		if resp.Acked+1 < first {
			// The hall lost events we already forgot (restored from an old
			// backup?). Nothing to resend; say so loudly.
			return fmt.Errorf("sync: hall acknowledges only up to %d but events up to %d were acknowledged before", resp.Acked, first-1)
		}
		if err := c.st.Ack(ctx, resp.Acked); err != nil {
			return err
		}
		if resp.Acked < first {
			return fmt.Errorf("sync: hall made no progress at sequence %d", first)
		}
	}
}

func (c *Client) pull(ctx context.Context, hc *http.Client, id *Identity) error {
	have, err := c.st.Versions(ctx)
	if err != nil {
		return err
	}
	req := PullRequest{Device: id.Device, Have: have, Software: c.opts.Software}
	if req.Want, err = c.st.LeaseWants(ctx, Day(c.hallNow(), nil)); err != nil {
		return err
	}
	if rs, ok := c.st.(releasedLister); ok {
		if req.Released, err = rs.Released(ctx, Day(c.hallNow(), nil)); err != nil {
			return err
		}
	}
	if req.Pending, err = c.st.PendingCount(ctx); err != nil {
		return err
	}
	if c.opts.Health != nil {
		req.Health = c.opts.Health()
	}
	var resp PullResponse
	if err := c.do(ctx, hc, http.MethodPost, id.HallURL, "pull", id, req, &resp); err != nil {
		return err
	}
	if err := c.st.ApplyPull(ctx, &resp); err != nil {
		return err
	}
	c.mu.Lock()
	c.status.Queue = resp.Status
	c.mu.Unlock()
	return nil
}

// Outboxed is implemented by a KioskStore that signals new outbox events
// (kiosk/store.Store): Run then pushes as soon as an event is committed.
type Outboxed interface {
	Outboxed() <-chan struct{}
}

// Unreachable reports whether err means the hall could not be reached (a
// network failure, a timeout, a cut response) rather than a refusal by
// the hall or a local problem.
func Unreachable(err error) bool {
	var he *HTTPError
	return err != nil && !errors.As(err, &he) && !errors.Is(err, ErrNotEnrolled) && !errors.Is(err, context.Canceled)
}

// Probe asks the hall for its time, once, within ProbeTimeout: a cheap
// test that the link is up (and a fresh clock measurement).
func (c *Client) Probe(ctx context.Context) error {
	c.mu.Lock()
	hc := c.http
	c.mu.Unlock()
	id, err := c.st.Identity(ctx)
	if err != nil {
		return err
	}
	if hc == nil || !id.Enrolled() {
		return nil // nothing to probe with: let SyncOnce try
	}
	pctx, cancel := context.WithTimeout(ctx, c.opts.ProbeTimeout)
	defer cancel()
	return c.measureTime(pctx, hc, id.HallURL)
}

// Run syncs until ctx ends. It hurries: an event committed to the outbox
// (KioskStore implementing Outboxed) or Trigger syncs at once, and while
// the hall is unreachable a cheap probe (Probe, every ClientOptions.Probe
// ±50 %) syncs as soon as the link is back. Otherwise it waits Interval
// (±20 %) after a success, and after failures an exponential backoff up to
// MaxBackoff (±50 %). While the hall is unreachable new events wait for
// the probe rather than each costing a full attempt. Failures are logged,
// never fatal. It returns nil when ctx ends.
func (c *Client) Run(ctx context.Context) error {
	var outboxed <-chan struct{}
	if o, ok := c.st.(Outboxed); ok {
		outboxed = o.Outboxed()
	}
	fails := 0
	for {
		err := c.SyncOnce(ctx)
		var wait time.Duration
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			fails++
			wait = backoff(fails, c.opts.Interval/8, c.opts.MaxBackoff)
			c.log.Warn("sync: attempt failed", "err", err, "failures", fails, "retry_in", wait.Round(time.Millisecond))
		} else {
			fails = 0
			wait = jitter(c.opts.Interval, 0.2)
		}
		probing := Unreachable(err) && c.opts.Probe > 0
		if !c.wait(ctx, wait, probing, outboxed) {
			return nil
		}
	}
}

// wait waits for the next sync: d, Trigger, a new outbox event (unless
// probing), or, when probing, the first probe that reaches the hall. It
// returns false when ctx ends.
func (c *Client) wait(ctx context.Context, d time.Duration, probing bool, outboxed <-chan struct{}) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	var probe <-chan time.Time
	var pt *time.Timer
	if probing {
		pt = time.NewTimer(jitter(c.opts.Probe, 0.5))
		defer pt.Stop()
		probe = pt.C
	}
	for {
		select {
		case <-ctx.Done():
			return false
		case <-c.trigger:
			return true
		case <-outboxed:
			if !probing {
				return true
			}
			// Offline: the event waits for the link (the probe).
		case <-t.C:
			return true
		case <-probe:
			if err := c.Probe(ctx); err == nil {
				c.log.Info("sync: hall reachable again")
				return true
			}
			if ctx.Err() != nil {
				return false
			}
			pt.Reset(jitter(c.opts.Probe, 0.5))
		}
	}
}

// backoff returns base·2^(fails-1) capped at max, with ±50% jitter.
func backoff(fails int, base, max time.Duration) time.Duration {
	if base <= 0 {
		base = time.Second
	}
	d := base
	for i := 1; i < fails && d < max; i++ {
		d *= 2
	}
	return jitter(min(d, max), 0.5)
}

// jitter spreads d by ±frac so that kiosks do not sync in lockstep.
func jitter(d time.Duration, frac float64) time.Duration {
	return time.Duration(float64(d) * (1 + frac*(2*rand.Float64()-1)))
}
