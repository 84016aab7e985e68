package sync

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	gosync "sync"
	"time"
)

// Hall is what the sync API needs from the queue engine. The engine's
// adapter implements it; SQLHall is a small reference implementation.
type Hall interface {
	// ImportEvents applies events of one device in sequence order. It must
	// be idempotent by (device, seq): an event applied before is skipped.
	// An error means none of the events may count as applied.
	ImportEvents(ctx context.Context, device string, events []Event) error
	// ReserveNumbers takes the next n numbers of service on day for device
	// from the hall's own counter, within 1..LeaseMax, never handing a
	// number out twice. It returns ErrNoNumbers when the day's numbers are
	// used up.
	ReserveNumbers(ctx context.Context, device, service, day string, n int) (lo, hi int, err error)
	// Document returns the named document ("catalog", "config",
	// "notices") when its version differs from have, nil otherwise.
	Document(ctx context.Context, name string, have int64) (*Versioned, error)
	// QueueStatus returns live queue status for kiosk screens, or nil.
	QueueStatus(ctx context.Context) (json.RawMessage, error)
}

// NumberReleaser is implemented by a Hall whose leases lie ahead of its
// own numbers (the engine's): the pull asks a kiosk to hand back a block
// the hall's numbers are about to reach, grants it a new block ahead, and
// gives the handed-back numbers to the hall, so that kiosks' offline
// numbers stay close to the hall's and the hall's own run on without gaps.
type NumberReleaser interface {
	// LastNumber is the last number the hall itself issued of service on
	// day.
	LastNumber(service, day string) int
	// ReleaseNumbers records that device will never issue from..hi of its
	// block starting at lo.
	ReleaseNumbers(ctx context.Context, device, service, day string, lo, from int) error
	// Margin is how near the hall's numbers may come to a block before it
	// is asked back: enough for the numbers the hall issues between two
	// pulls of a kiosk at its present pace.
	Margin(service, day string) int
}

// ErrNoNumbers means a service has no numbers left to lease today.
var ErrNoNumbers = errors.New("sync: no numbers left for this service today")

// HallOptions tunes the hall side. Nil means defaults.
type HallOptions struct {
	Log     *slog.Logger
	Now     func() time.Time
	Zone    *time.Location // hall day zone; HallZone when nil
	MaxSkew time.Duration  // accepted request time difference; 2 min when 0
	Lease   int            // numbers per lease; 40 when 0
	// ReleaseMargin: a kiosk's unused block is asked back when the hall's
	// own numbers come within this many of its start (10 when 0).
	ReleaseMargin int
	HallName      string
}

// HallSync is the hall's sync state: devices, enrolment codes, granted
// leases and security events, in one SQLite file.
type HallSync struct {
	db          *sql.DB
	hall        Hall
	fingerprint string
	log         *slog.Logger
	now         func() time.Time
	zone        *time.Location
	maxSkew     time.Duration
	lease       int
	margin      int
	name        string
	nonces      *nonceCache

	mu    gosync.Mutex
	locks map[string]*gosync.Mutex
}

const hallSchema = `
CREATE TABLE IF NOT EXISTS devices(
  id TEXT PRIMARY KEY, idx INTEGER NOT NULL UNIQUE, pubkey BLOB NOT NULL, name TEXT NOT NULL,
  enrolled_ms INTEGER NOT NULL, revoked_ms INTEGER NOT NULL DEFAULT 0, acked INTEGER NOT NULL DEFAULT 0,
  last_seen_ms INTEGER NOT NULL DEFAULT 0, pending INTEGER NOT NULL DEFAULT 0,
  software TEXT NOT NULL DEFAULT '', health TEXT NOT NULL DEFAULT '', remote TEXT NOT NULL DEFAULT '');
CREATE TABLE IF NOT EXISTS enrol_codes(
  hash TEXT PRIMARY KEY, name TEXT NOT NULL, created_ms INTEGER NOT NULL, expires_ms INTEGER NOT NULL,
  used_by TEXT NOT NULL DEFAULT '');
CREATE TABLE IF NOT EXISTS leases(
  service TEXT NOT NULL, day TEXT NOT NULL, lo INTEGER NOT NULL, hi INTEGER NOT NULL,
  device TEXT NOT NULL, granted_ms INTEGER NOT NULL, PRIMARY KEY(service, day, lo));
CREATE INDEX IF NOT EXISTS leases_device ON leases(device, service, day);
CREATE TABLE IF NOT EXISTS kiosk_events(
  device TEXT NOT NULL, seq INTEGER NOT NULL, kind TEXT NOT NULL, hlc INTEGER NOT NULL, payload BLOB NOT NULL,
  PRIMARY KEY(device, seq));
CREATE TABLE IF NOT EXISTS security_events(
  id INTEGER PRIMARY KEY, at_ms INTEGER NOT NULL, kind TEXT NOT NULL, device TEXT NOT NULL,
  remote TEXT NOT NULL, detail TEXT NOT NULL);
`

// OpenHallSync opens (creating if needed) the hall's sync state at path.
// fingerprint is the hall TLS certificate's fingerprint (Fingerprint),
// which enrolment codes carry for the kiosk to pin.
func OpenHallSync(path string, hall Hall, fingerprint string, opts *HallOptions) (*HallSync, error) {
	if opts == nil {
		opts = &HallOptions{}
	}
	if len(fingerprint) < 16 {
		return nil, errors.New("sync: hall certificate fingerprint required")
	}
	db, err := openSQLite(path, hallSchema)
	if err != nil {
		return nil, err
	}
	h := &HallSync{db: db, hall: hall, fingerprint: strings.ToLower(fingerprint), log: opts.Log, now: opts.Now,
		zone: opts.Zone, maxSkew: opts.MaxSkew, lease: opts.Lease, margin: opts.ReleaseMargin, name: opts.HallName, locks: map[string]*gosync.Mutex{}}
	if h.log == nil {
		h.log = slog.New(slog.DiscardHandler)
	}
	if h.now == nil {
		h.now = time.Now
	}
	if h.zone == nil {
		h.zone = HallZone
	}
	if h.maxSkew == 0 {
		h.maxSkew = 2 * time.Minute
	}
	if h.lease == 0 {
		h.lease = 40
	}
	if h.margin <= 0 {
		h.margin = 10
	}
	h.nonces = newNonceCache(h.now(), h.maxSkew)
	if l, ok := hall.(interface {
		setLookup(func(context.Context, string, uint64) (*Event, error))
	}); ok {
		l.setLookup(h.Event)
	}
	return h, nil
}

// Close closes the database.
func (h *HallSync) Close() error { return h.db.Close() }

// codeAlphabet avoids look-alike characters (no I, L, O, U, 0, 1).
const codeAlphabet = "ABCDEFGHJKMNPQRSTVWXYZ23456789"

// IssueEnrolmentCode makes a one-time enrolment code for a kiosk named
// name, valid for ttl (24 h when 0). The code reads like
// "ABCD-EFGH-JKMN.3f2a9c1b7d4e6f80": a secret and the first 16 hex digits
// of the hall certificate fingerprint. Only a hash of the secret is stored.
func (h *HallSync) IssueEnrolmentCode(ctx context.Context, name string, ttl time.Duration) (string, error) {
	if ttl == 0 {
		ttl = 24 * time.Hour
	}
	var b [12]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("sync: enrolment code: %w", err)
	}
	var sb strings.Builder
	for i, c := range b {
		if i > 0 && i%4 == 0 {
			sb.WriteByte('-')
		}
		sb.WriteByte(codeAlphabet[int(c)%len(codeAlphabet)])
	}
	secret := sb.String()
	now := h.now()
	if _, err := h.db.ExecContext(ctx, `INSERT INTO enrol_codes(hash, name, created_ms, expires_ms) VALUES(?,?,?,?)`,
		codeHash(secret), name, now.UnixMilli(), now.Add(ttl).UnixMilli()); err != nil {
		return "", fmt.Errorf("sync: store enrolment code: %w", err)
	}
	h.log.Info("sync: enrolment code issued", "kiosk", name, "expires", now.Add(ttl))
	return secret + "." + h.fingerprint[:16], nil
}

func codeHash(secret string) string {
	s := sha256.Sum256([]byte(strings.ToUpper(strings.TrimSpace(secret))))
	return hex.EncodeToString(s[:])
}

// SplitEnrolmentCode splits a code into its secret and certificate
// fingerprint prefix.
func SplitEnrolmentCode(code string) (secret, pin string, err error) {
	secret, pin, ok := strings.Cut(strings.TrimSpace(code), ".")
	if !ok || len(secret) < 8 || len(pin) < 16 {
		return "", "", errors.New("sync: enrolment code must look like XXXX-XXXX-XXXX.<16 hex digits>")
	}
	if _, err := hex.DecodeString(pin); err != nil {
		return "", "", errors.New("sync: enrolment code: bad fingerprint part")
	}
	return secret, strings.ToLower(pin), nil
}

// Revoke refuses every further request of a device. Its numbers and
// overflow range are never reused.
func (h *HallSync) Revoke(ctx context.Context, device string) error {
	res, err := h.db.ExecContext(ctx, `UPDATE devices SET revoked_ms=? WHERE id=? AND revoked_ms=0`, h.now().UnixMilli(), device)
	if err != nil {
		return fmt.Errorf("sync: revoke: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("sync: revoke %s: %w", device, ErrUnknownDevice)
	}
	h.log.Warn("sync: device revoked", "device", device)
	return nil
}

// DeviceInfo is one row of the hall's device list.
type DeviceInfo struct {
	ID       string          `json:"id"`
	Index    int             `json:"index"`
	Name     string          `json:"kiosk"`
	Enrolled time.Time       `json:"enrolled"`
	Revoked  bool            `json:"revoked"`
	Acked    uint64          `json:"acked"`
	LastSeen time.Time       `json:"last_seen"`
	Pending  int             `json:"pending"`
	Software string          `json:"software"`
	Health   json.RawMessage `json:"health,omitempty"`
	Remote   string          `json:"remote"`
}

// Devices lists every enrolled kiosk, revoked ones included.
func (h *HallSync) Devices(ctx context.Context) ([]DeviceInfo, error) {
	rows, err := h.db.QueryContext(ctx, `SELECT id, idx, name, enrolled_ms, revoked_ms, acked, last_seen_ms, pending, software, health, remote FROM devices ORDER BY idx`)
	if err != nil {
		return nil, fmt.Errorf("sync: devices: %w", err)
	}
	defer rows.Close()
	var out []DeviceInfo
	for rows.Next() {
		var d DeviceInfo
		var enr, rev, seen int64
		var health string
		if err := rows.Scan(&d.ID, &d.Index, &d.Name, &enr, &rev, &d.Acked, &seen, &d.Pending, &d.Software, &health, &d.Remote); err != nil {
			return nil, fmt.Errorf("sync: devices: %w", err)
		}
		d.Enrolled, d.Revoked = time.UnixMilli(enr), rev != 0
		if seen != 0 {
			d.LastSeen = time.UnixMilli(seen)
		}
		if health != "" {
			d.Health = json.RawMessage(health)
		}
		out = append(out, d)
	}
	return out, rows.Err()
}

// Events returns up to limit events of device after sequence after, from
// the hall's event log.
func (h *HallSync) Events(ctx context.Context, device string, after uint64, limit int) ([]Event, error) {
	rows, err := h.db.QueryContext(ctx, `SELECT seq, kind, hlc, payload FROM kiosk_events WHERE device=? AND seq>? ORDER BY seq LIMIT ?`, device, after, limit)
	if err != nil {
		return nil, fmt.Errorf("sync: events: %w", err)
	}
	defer rows.Close()
	var out []Event
	for rows.Next() {
		var e Event
		var hlc int64
		var p []byte
		if err := rows.Scan(&e.Seq, &e.Kind, &hlc, &p); err != nil {
			return nil, fmt.Errorf("sync: events: %w", err)
		}
		e.HLC, e.Payload = HLC(hlc), p
		out = append(out, e)
	}
	return out, rows.Err()
}

// Event returns one event of device from the hall's event log, nil when
// the hall does not hold it.
func (h *HallSync) Event(ctx context.Context, device string, seq uint64) (*Event, error) {
	evs, err := h.Events(ctx, device, seq-1, 1)
	if err != nil || len(evs) == 0 || evs[0].Seq != seq {
		return nil, err
	}
	return &evs[0], nil
}

// SecurityEvent is one refused request.
type SecurityEvent struct {
	At     time.Time `json:"at"`
	Kind   string    `json:"kind"`
	Device string    `json:"device"`
	Remote string    `json:"remote"`
	Detail string    `json:"detail"`
}

// SecurityEvents returns the latest refusals, newest first.
func (h *HallSync) SecurityEvents(ctx context.Context, limit int) ([]SecurityEvent, error) {
	rows, err := h.db.QueryContext(ctx, `SELECT at_ms, kind, device, remote, detail FROM security_events ORDER BY id DESC LIMIT ?`, limit)
	if err != nil {
		return nil, fmt.Errorf("sync: security events: %w", err)
	}
	defer rows.Close()
	var out []SecurityEvent
	for rows.Next() {
		var e SecurityEvent
		var at int64
		if err := rows.Scan(&at, &e.Kind, &e.Device, &e.Remote, &e.Detail); err != nil {
			return nil, fmt.Errorf("sync: security events: %w", err)
		}
		e.At = time.UnixMilli(at)
		out = append(out, e)
	}
	return out, rows.Err()
}

// security logs and records a refused request.
func (h *HallSync) security(r *http.Request, kind, device, detail string) {
	h.log.Warn("sync: security event", "kind", kind, "device", device, "remote", r.RemoteAddr, "path", r.URL.Path, "detail", detail)
	if len(detail) > 300 {
		detail = detail[:300]
	}
	if _, err := h.db.Exec(`INSERT INTO security_events(at_ms, kind, device, remote, detail) VALUES(?,?,?,?,?)`,
		h.now().UnixMilli(), kind, device, r.RemoteAddr, detail); err != nil {
		h.log.Error("sync: record security event", "err", err)
	}
}

// deviceLock serialises pushes of one device.
func (h *HallSync) deviceLock(id string) *gosync.Mutex {
	h.mu.Lock()
	defer h.mu.Unlock()
	m := h.locks[id]
	if m == nil {
		m = &gosync.Mutex{}
		h.locks[id] = m
	}
	return m
}

type device struct {
	id      string
	idx     int
	pub     ed25519.PublicKey
	revoked bool
	acked   uint64
}

func (h *HallSync) loadDevice(ctx context.Context, id string) (*device, error) {
	d := &device{id: id}
	var pub []byte
	var rev int64
	err := h.db.QueryRowContext(ctx, `SELECT idx, pubkey, revoked_ms, acked FROM devices WHERE id=?`, id).Scan(&d.idx, &pub, &rev, &d.acked)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrUnknownDevice
	}
	if err != nil {
		return nil, fmt.Errorf("sync: load device: %w", err)
	}
	d.pub, d.revoked = ed25519.PublicKey(pub), rev != 0
	return d, nil
}

// readBody reads at most MaxBodyBytes; larger bodies are refused.
func readBody(r *http.Request) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(r.Body, MaxBodyBytes+1))
	if err != nil {
		return nil, fmt.Errorf("sync: read body: %w", err)
	}
	if len(b) > MaxBodyBytes {
		return nil, errTooLarge
	}
	return b, nil
}

var errTooLarge = fmt.Errorf("sync: body larger than %d bytes", MaxBodyBytes)

// verify checks a signed request against pub and the nonce cache.
func (h *HallSync) verify(r *http.Request, sh *signedHeaders, body []byte, pub ed25519.PublicKey) error {
	now := h.now()
	if d := time.Duration(now.UnixMilli()-sh.timeMS) * time.Millisecond; d > h.maxSkew || d < -h.maxSkew {
		return fmt.Errorf("%w: request time is %s off the hall clock (at most %s)", ErrClockSkew, d.Round(time.Second), h.maxSkew)
	}
	if !ed25519.Verify(pub, signingText(r.Method, requestPath(r), sha256.Sum256(body), sh.timeMS, sh.nonce, sh.device), sh.sig) {
		return ErrBadSignature
	}
	return h.nonces.check(sh.device+sh.nonce, sh.timeMS, now)
}

// requestPath is the path the client signed: the original request path,
// even when a StripPrefix handler has shortened r.URL.Path.
func requestPath(r *http.Request) string {
	if r.RequestURI != "" {
		if u, err := url.ParseRequestURI(r.RequestURI); err == nil {
			return u.Path
		}
	}
	return r.URL.Path
}
