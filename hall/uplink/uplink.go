// Package uplink ships a site's committed event log to the city server:
// a hall server or a township box (kiosk --standalone) reads its engine's
// events after the city's checkpoint and pushes them in signed batches of
// consecutive sequences (city/wire), idempotent by (site, seq). The
// checkpoint is kept on both sides (the city's answer is authoritative),
// so the uplink resumes after an outage of days where it stopped, with one
// batch in memory at a time, on its own goroutine: issuing and calling
// never wait for it.
//
// A site enrols with a one-time code from the city (SECRET.PIN, the pin
// being the first 16 hex digits of the city certificate's SHA-256): the
// uplink refuses any other certificate before sending the secret, proves
// possession of its new ed25519 key, and pins the full fingerprint for
// every later request, as kiosks do with the hall (docs/SYNC.md).
package uplink

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"crypto/tls"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"strings"
	gosync "sync"
	"time"

	"hallkiosk/city/wire"
	"hallkiosk/queue/catalog"
)

// Source is the site's committed event log.
type Source interface {
	// EventsAfter returns events with seq > after, oldest first, at most limit.
	EventsAfter(ctx context.Context, after int64, limit int) ([]wire.Event, error)
}

// Options configure an Uplink.
type Options struct {
	// StatePath is the state file (key, enrolment, checkpoint).
	StatePath string
	// Status, when set, gives the site's live state sent with each push.
	Status func(ctx context.Context) *wire.Status
	Log    *slog.Logger
	// BatchSize is the number of events per push (default 5,000).
	BatchSize int
	// Interval between rounds when caught up (default 10 s).
	Interval time.Duration
	// Now is the site clock (default time.Now).
	Now func() time.Time
	// Timeout of one request (default 30 s).
	Timeout time.Duration
	// Software is reported at enrolment.
	Software string
	// ApplyCatalog, when set, applies the city's catalogue (pulled after
	// each successful push when its version changed).
	ApplyCatalog func(ctx context.Context, c *catalog.Catalog) error
}

// Uplink ships one site's log.
type Uplink struct {
	src  Source
	opts Options
	log  *slog.Logger

	mu       gosync.Mutex
	st       *State
	offset   time.Duration // city clock minus site clock
	measured bool
	lastErr  error
	cityURL  string // configured city address; wins over the enrolled one
	lastOK   time.Time
	wake     chan struct{}
	hc       *http.Client
}

// New returns an uplink reading src; it loads (or makes) the state file.
func New(src Source, opts *Options) (*Uplink, error) {
	u := &Uplink{src: src, wake: make(chan struct{}, 1)}
	if opts != nil {
		u.opts = *opts
	}
	if u.opts.StatePath == "" {
		return nil, errors.New("uplink: no state path")
	}
	if u.opts.BatchSize <= 0 || u.opts.BatchSize > wire.MaxEvents {
		u.opts.BatchSize = wire.MaxEvents
	}
	if u.opts.Interval <= 0 {
		u.opts.Interval = 10 * time.Second
	}
	if u.opts.Now == nil {
		u.opts.Now = time.Now
	}
	if u.opts.Timeout <= 0 {
		u.opts.Timeout = 30 * time.Second
	}
	u.log = u.opts.Log
	if u.log == nil {
		u.log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	st, err := LoadState(u.opts.StatePath)
	if err != nil {
		return nil, err
	}
	u.st = st
	if st.Enrolled() {
		u.hc = client(st.Pin, nil, u.opts.Timeout)
	}
	return u, nil
}

// ErrPin means the city presented a certificate other than the pinned one.
var ErrPin = errors.New("uplink: city certificate does not match the pinned fingerprint")

// client returns an HTTP client that trusts only a certificate whose
// SHA-256 starts with pin; seen receives the full fingerprint.
func client(pin string, seen *string, timeout time.Duration) *http.Client {
	pin = strings.ToLower(pin)
	cfg := &tls.Config{
		MinVersion:         tls.VersionTLS12,
		InsecureSkipVerify: true, // the pin below replaces CA trust
		VerifyConnection: func(cs tls.ConnectionState) error {
			if len(cs.PeerCertificates) == 0 {
				return ErrPin
			}
			h := sha256.Sum256(cs.PeerCertificates[0].Raw)
			fp := hex.EncodeToString(h[:])
			if len(pin) < 16 || !strings.HasPrefix(fp, pin) {
				return fmt.Errorf("%w (got %s…)", ErrPin, fp[:16])
			}
			if seen != nil {
				*seen = fp
			}
			return nil
		},
	}
	return &http.Client{Timeout: timeout, Transport: &http.Transport{TLSClientConfig: cfg, ForceAttemptHTTP2: true, MaxIdleConns: 2, IdleConnTimeout: time.Minute}}
}

// HTTPError is a refusal from the city.
type HTTPError struct {
	Status int
	Code   string
	Msg    string
}

func (e *HTTPError) Error() string {
	return fmt.Sprintf("uplink: city answered %d %s: %s", e.Status, e.Code, e.Msg)
}

// Enrol enrols the site with the city at cityURL using a one-time code.
// It keeps the state's key (a retry with the same code gets the same
// answer) and resets the checkpoint to what the city holds on the next push.
func (u *Uplink) Enrol(ctx context.Context, cityURL, code string) (*wire.EnrolReply, error) {
	_, pin, ok := strings.Cut(code, ".")
	if !ok || len(pin) < 16 {
		return nil, errors.New("uplink: enrolment code must look like SECRET.PIN (the pin has at least 16 hex digits)")
	}
	if !strings.HasPrefix(cityURL, "https://") {
		return nil, errors.New("uplink: city url must be https://")
	}
	cityURL = strings.TrimRight(cityURL, "/")
	u.mu.Lock()
	key := u.st.Key()
	u.mu.Unlock()
	var seen string
	hc := client(pin, &seen, u.opts.Timeout)
	req := wire.Enrol{Code: code, PublicKey: key.Public().(ed25519.PublicKey), Software: u.opts.Software, Signature: ed25519.Sign(key, wire.EnrolText(code))}
	var rep wire.EnrolReply
	if err := u.do(ctx, hc, cityURL+wire.PathEnrol, nil, &req, &rep); err != nil {
		return nil, err
	}
	if len(seen) != 64 || !wire.ValidSite(rep.Site) {
		return nil, errors.New("uplink: enrolment answer without a certificate or site id")
	}
	u.mu.Lock()
	defer u.mu.Unlock()
	u.st.Site, u.st.City, u.st.Pin = rep.Site, cityURL, seen
	if err := u.st.Save(u.opts.StatePath); err != nil {
		return nil, err
	}
	u.hc = client(seen, nil, u.opts.Timeout)
	u.offset, u.measured = time.UnixMilli(rep.CityTime).Sub(u.opts.Now()), true
	u.log.Info("uplink: enrolled", "site", rep.Site, "city", cityURL)
	return &rep, nil
}

// do posts in as JSON (signed when key is set) and decodes the answer into out.
func (u *Uplink) do(ctx context.Context, hc *http.Client, url string, sign func(*http.Request, []byte) error, in, out any) error {
	var body []byte
	method := http.MethodGet
	if in != nil {
		var err error
		if body, err = json.Marshal(in); err != nil {
			return err
		}
		method = http.MethodPost
	}
	req, err := http.NewRequestWithContext(ctx, method, url, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("uplink: %w", err)
	}
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if sign != nil {
		if err := sign(req, body); err != nil {
			return err
		}
	}
	resp, err := hc.Do(req)
	if err != nil {
		return fmt.Errorf("uplink: %w", err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return fmt.Errorf("uplink: read answer: %w", err)
	}
	if resp.StatusCode != http.StatusOK {
		e := wire.ParseError(data)
		return &HTTPError{Status: resp.StatusCode, Code: e.Code, Msg: e.Message}
	}
	if err := json.Unmarshal(data, out); err != nil {
		return fmt.Errorf("uplink: bad answer: %w", err)
	}
	return nil
}

// Status is the uplink's state for pages and kioskctl.
type Status struct {
	Enrolled bool      `json:"enrolled"`
	Site     string    `json:"site,omitempty"`
	City     string    `json:"city,omitempty"`
	Acked    int64     `json:"acked"`
	LastOK   time.Time `json:"last_ok,omitempty"`
	LastErr  string    `json:"last_error,omitempty"`
}

// Status returns the uplink's state.
func (u *Uplink) Status() Status {
	u.mu.Lock()
	defer u.mu.Unlock()
	s := Status{Enrolled: u.st.Enrolled(), Site: u.st.Site, City: u.st.City, Acked: u.st.Acked, LastOK: u.lastOK}
	if u.lastErr != nil {
		s.LastErr = u.lastErr.Error()
	}
	return s
}

// Trigger wakes Run for an early round.
func (u *Uplink) Trigger() {
	select {
	case u.wake <- struct{}{}:
	default:
	}
}

func (u *Uplink) measure(ctx context.Context, hc *http.Client, city string) error {
	t0 := time.Now()
	var r struct {
		CityTime int64 `json:"city_time"`
	}
	if err := u.do(ctx, hc, city+wire.PathTime, nil, nil, &r); err != nil {
		return err
	}
	rtt := time.Since(t0)
	u.mu.Lock()
	u.offset = time.UnixMilli(r.CityTime).Add(rtt / 2).Sub(u.opts.Now())
	u.measured = true
	u.mu.Unlock()
	return nil
}

// ErrNotEnrolled means the site has no enrolment yet.
var ErrNotEnrolled = errors.New("uplink: not enrolled with a city (kioskctl city enrol)")

// SyncOnce pushes everything after the checkpoint, one batch at a time,
// and at least one push with the site's status, then pulls the city's
// catalogue when the site applies one (Options.ApplyCatalog). It returns
// the number of events the city newly applied.
func (u *Uplink) SyncOnce(ctx context.Context) (applied int, err error) {
	applied, err = u.push(ctx)
	if err == nil && u.opts.ApplyCatalog != nil {
		err = u.pullCatalog(ctx)
		if err != nil {
			u.mu.Lock()
			u.lastErr = err
			u.mu.Unlock()
		}
	}
	return applied, err
}

// CatalogVersion returns the city catalogue version the site last applied
// ("" when none).
func (u *Uplink) CatalogVersion() string {
	u.mu.Lock()
	defer u.mu.Unlock()
	return u.st.Catalog
}

// pullCatalog asks the city for the site's catalogue and applies a new
// one; the site keeps running its last version when the city is away.
func (u *Uplink) pullCatalog(ctx context.Context) error {
	u.mu.Lock()
	site, city, key, hc, have := u.st.Site, u.st.City, u.st.Key(), u.hc, u.st.Catalog
	u.mu.Unlock()
	sign := func(r *http.Request, body []byte) error {
		u.mu.Lock()
		now := u.opts.Now().Add(u.offset)
		u.mu.Unlock()
		return wire.Sign(r, body, site, key, now)
	}
	var rep wire.CatalogReply
	if err := u.do(ctx, hc, city+wire.PathCatalog, sign, &wire.CatalogPull{Site: site, Have: have}, &rep); err != nil {
		return err
	}
	if rep.Version == "" || rep.Version == have || len(rep.Catalog) == 0 {
		return nil
	}
	c, err := catalog.Parse(rep.Catalog)
	if err != nil {
		return fmt.Errorf("uplink: city catalogue %s refused: %w", rep.Version, err)
	}
	if err := u.opts.ApplyCatalog(ctx, c); err != nil {
		return fmt.Errorf("uplink: apply catalogue %s: %w", rep.Version, err)
	}
	u.mu.Lock()
	defer u.mu.Unlock()
	u.st.Catalog = rep.Version
	if err := u.st.Save(u.opts.StatePath); err != nil {
		return err
	}
	u.log.Info("uplink: city catalogue applied", "version", rep.Version)
	return nil
}

func (u *Uplink) push(ctx context.Context) (applied int, err error) {
	defer func() {
		u.mu.Lock()
		u.lastErr = err
		if err == nil {
			u.lastOK = time.Now()
		}
		u.mu.Unlock()
	}()
	u.mu.Lock()
	if !u.st.Enrolled() {
		// Enrolled meanwhile by kioskctl city enrol (another process)?
		if st, err := LoadState(u.opts.StatePath); err == nil && st.Enrolled() {
			if u.cityURL != "" {
				st.City = u.cityURL
			}
			u.st, u.hc, u.measured = st, client(st.Pin, nil, u.opts.Timeout), false
		}
	}
	if !u.st.Enrolled() {
		u.mu.Unlock()
		return 0, ErrNotEnrolled
	}
	site, city, key, hc, measured, acked := u.st.Site, u.st.City, u.st.Key(), u.hc, u.measured, u.st.Acked
	u.mu.Unlock()
	if !measured {
		if err := u.measure(ctx, hc, city); err != nil {
			return 0, err
		}
	}
	for round := 0; ; round++ {
		evs, err := u.src.EventsAfter(ctx, acked, u.opts.BatchSize)
		if err != nil {
			return applied, err
		}
		evs = fillHoles(acked, evs)
		if len(evs) == 0 && round > 0 {
			return applied, nil
		}
		p := wire.Push{Site: site, SentAt: u.opts.Now().UnixMilli(), Events: evs}
		if u.opts.Status != nil {
			p.Status = u.opts.Status(ctx)
		}
		var rep wire.PushReply
		sign := func(r *http.Request, body []byte) error {
			u.mu.Lock()
			now := u.opts.Now().Add(u.offset)
			u.mu.Unlock()
			return wire.Sign(r, body, site, key, now)
		}
		err = u.do(ctx, hc, city+wire.PathPush, sign, &p, &rep)
		var he *HTTPError
		if errors.As(err, &he) && he.Code == "clock_skew" {
			u.mu.Lock()
			u.measured = false
			u.mu.Unlock()
		}
		if err != nil {
			return applied, err
		}
		applied += rep.Applied
		// The city's checkpoint is authoritative: after a gap or a city
		// restored from backup it may be below ours; resend from there.
		if rep.Acked != acked {
			u.mu.Lock()
			u.st.Acked = rep.Acked
			err := u.st.Save(u.opts.StatePath)
			u.mu.Unlock()
			if err != nil {
				return applied, err
			}
		}
		progressed := rep.Acked > acked
		acked = rep.Acked
		if len(evs) < u.opts.BatchSize && !rep.Gap && progressed {
			// Caught up with what was there when this batch was read.
			if len(evs) == 0 || evs[len(evs)-1].Seq <= acked {
				return applied, nil
			}
		}
		if !progressed && !rep.Gap && len(evs) > 0 {
			return applied, fmt.Errorf("uplink: city did not advance past %d", acked)
		}
		if len(evs) == 0 {
			return applied, nil
		}
	}
}

// fillHoles makes the batch consecutive from after+1: a sequence missing
// from the site's log (never expected) is sent as a "hole" event so the
// city's checkpoint can pass it.
func fillHoles(after int64, evs []wire.Event) []wire.Event {
	next := after + 1
	ok := true
	for i := range evs {
		if evs[i].Seq != next+int64(i) {
			ok = false
			break
		}
	}
	if ok {
		return evs
	}
	out := make([]wire.Event, 0, len(evs)+1)
	for _, e := range evs {
		for ; next < e.Seq; next++ {
			out = append(out, wire.Event{Seq: next, At: e.At, Day: e.Day, Kind: "hole"})
		}
		out = append(out, e)
		next = e.Seq + 1
	}
	return out
}

// Run loops SyncOnce until ctx ends: again at once while there was a full
// batch, Interval (±20 %) when caught up, exponential backoff from 2 s to
// 2 min (±50 %) after failures, early on Trigger. Failures are logged,
// never fatal.
func (u *Uplink) Run(ctx context.Context) error {
	fails := 0
	for {
		n, err := u.SyncOnce(ctx)
		var wait time.Duration
		switch {
		case ctx.Err() != nil:
			return nil
		case errors.Is(err, ErrNotEnrolled):
			wait = 5 * time.Second
		case err != nil:
			fails++
			d := 2 * time.Second << min(fails-1, 6)
			wait = jitter(min(d, 2*time.Minute), 0.5)
			u.log.Warn("uplink: push failed", "err", err, "retry_in", wait.Round(time.Second))
		default:
			if fails > 0 {
				u.log.Info("uplink: city reachable again")
			}
			fails = 0
			wait = jitter(u.opts.Interval, 0.2)
			if n > 0 {
				u.log.Debug("uplink: shipped", "events", n)
			}
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil
		case <-u.wake:
			t.Stop()
		case <-t.C:
		}
	}
}

func jitter(d time.Duration, frac float64) time.Duration {
	return time.Duration(float64(d) * (1 + frac*(2*rand.Float64()-1)))
}
