// Package store is the kiosk's local, durable state: its device identity,
// the outbox of events waiting for the hall (tickets and their
// transitions, evaluations, device health, audit entries), number leases,
// issued tickets, documents pulled from the hall (catalogue, config,
// notices) and the hybrid logical clock.
//
// Everything lives in one SQLite file in WAL mode with synchronous=FULL:
// a ticket is durable before Issue returns, so a ticket that was printed
// survives kill -9 and power loss, and a number taken from a lease is
// never taken again. Store implements sync.KioskStore.
package store

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	gosync "sync"
	"time"

	_ "github.com/mattn/go-sqlite3" // SQLite driver

	qsync "hallkiosk/queue/sync"
)

// Options tunes a Store. Nil means defaults.
type Options struct {
	// Now is the local clock; time.Now when nil.
	Now func() time.Time
	// Zone is the hall day zone; sync.HallZone when nil.
	Zone *time.Location
	// MaxSkew is how far the kiosk clock may be from the hall's before
	// issuing is refused; 5 minutes when 0.
	MaxSkew time.Duration
	// LowWater is the count of remaining leased numbers below which the
	// kiosk asks for another lease; 20 when 0.
	LowWater int
}

// ClockFloor is the earliest plausible kiosk time: a clock before it is a
// dead RTC battery (1970) and is never used to issue.
var ClockFloor = time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)

// Errors of Issue. Each says what the kiosk screen and technician need.
var (
	ErrClockImplausible = errors.New("store: kiosk clock is implausible (dead RTC battery?); refusing to issue until the clock is set or synced from the hall")
	ErrClockSkew        = errors.New("store: kiosk clock is too far from the hall's; refusing to issue until the clock is fixed or synced from the hall")
	ErrClockBackwards   = errors.New("store: kiosk clock went backwards; refusing to issue until it is synced from the hall")
	ErrNoNumbers        = errors.New("store: no ticket numbers left for this service today (leases and overflow range used up)")
	ErrNotEnrolled      = errors.New("store: no lease and no overflow range: kiosk not enrolled")
)

// Store is the kiosk's local database.
type Store struct {
	db       *sql.DB
	now      func() time.Time
	zone     *time.Location
	maxSkew  time.Duration
	lowWater int

	outboxed chan struct{} // a token after each commit that added outbox events (notify.go)

	mu      gosync.Mutex
	hallAt  time.Time // hall time measured at localAt
	localAt time.Time // local instant, with monotonic reading
}

const schema = `
CREATE TABLE IF NOT EXISTS meta(k TEXT PRIMARY KEY, v BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS outbox(seq INTEGER PRIMARY KEY, hlc INTEGER NOT NULL, kind TEXT NOT NULL, payload BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS leases(
  service TEXT NOT NULL, day TEXT NOT NULL, lo INTEGER NOT NULL, hi INTEGER NOT NULL, next INTEGER NOT NULL,
  overflow INTEGER NOT NULL DEFAULT 0, released INTEGER NOT NULL DEFAULT 0, PRIMARY KEY(service, day, lo));
CREATE TABLE IF NOT EXISTS tickets(
  service TEXT NOT NULL, day TEXT NOT NULL, number INTEGER NOT NULL, seq INTEGER NOT NULL, hlc INTEGER NOT NULL,
  state TEXT NOT NULL, PRIMARY KEY(service, day, number));
CREATE TABLE IF NOT EXISTS services(service TEXT PRIMARY KEY, prefix TEXT NOT NULL DEFAULT '');
`

// Open opens (creating if needed) the kiosk store at path.
func Open(path string, opts *Options) (*Store, error) {
	db, err := sql.Open("sqlite3", "file:"+path+"?_journal_mode=WAL&_synchronous=FULL&_busy_timeout=5000&_txlock=immediate")
	if err != nil {
		return nil, fmt.Errorf("store: open %s: %w", path, err)
	}
	db.SetMaxOpenConns(1)
	if _, err := db.Exec(schema); err != nil {
		db.Close()
		return nil, fmt.Errorf("store: schema: %w", err)
	}
	// Kiosks of an earlier version have leases without the released column.
	var hasReleased int
	if err := db.QueryRow(`SELECT count(*) FROM pragma_table_info('leases') WHERE name='released'`).Scan(&hasReleased); err != nil {
		db.Close()
		return nil, fmt.Errorf("store: schema: %w", err)
	}
	if hasReleased == 0 {
		if _, err := db.Exec(`ALTER TABLE leases ADD COLUMN released INTEGER NOT NULL DEFAULT 0`); err != nil {
			db.Close()
			return nil, fmt.Errorf("store: schema: %w", err)
		}
	}
	s := &Store{db: db, now: time.Now, zone: qsync.HallZone, maxSkew: 5 * time.Minute, lowWater: 20, outboxed: make(chan struct{}, 1)}
	if opts != nil {
		if opts.Now != nil {
			s.now = opts.Now
		}
		if opts.Zone != nil {
			s.zone = opts.Zone
		}
		if opts.MaxSkew != 0 {
			s.maxSkew = opts.MaxSkew
		}
		if opts.LowWater != 0 {
			s.lowWater = opts.LowWater
		}
	}
	return s, nil
}

// Close closes the database.
func (s *Store) Close() error { return s.db.Close() }

// queryer is what meta helpers need: a *sql.DB or a *sql.Tx.
type queryer interface {
	QueryRowContext(ctx context.Context, q string, args ...any) *sql.Row
	ExecContext(ctx context.Context, q string, args ...any) (sql.Result, error)
}

func getInt(ctx context.Context, q queryer, k string) (int64, error) {
	var v int64
	err := q.QueryRowContext(ctx, `SELECT v FROM meta WHERE k=?`, k).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("store: read %s: %w", k, err)
	}
	return v, nil
}

func getBytes(ctx context.Context, q queryer, k string) ([]byte, error) {
	var v []byte
	err := q.QueryRowContext(ctx, `SELECT v FROM meta WHERE k=?`, k).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("store: read %s: %w", k, err)
	}
	return v, nil
}

func set(ctx context.Context, q queryer, k string, v any) error {
	if _, err := q.ExecContext(ctx, `INSERT INTO meta(k, v) VALUES(?,?) ON CONFLICT(k) DO UPDATE SET v=excluded.v`, k, v); err != nil {
		return fmt.Errorf("store: write %s: %w", k, err)
	}
	return nil
}

// Identity implements sync.KioskStore. The key pair is made on first use
// (first boot) and kept in the store.
func (s *Store) Identity(ctx context.Context) (*qsync.Identity, error) {
	seed, err := getBytes(ctx, s.db, "key_seed")
	if err != nil {
		return nil, err
	}
	if len(seed) != ed25519.SeedSize {
		seed = make([]byte, ed25519.SeedSize)
		if _, err := rand.Read(seed); err != nil {
			return nil, fmt.Errorf("store: key pair: %w", err)
		}
		// First writer wins; re-read so that two callers agree.
		if _, err := s.db.ExecContext(ctx, `INSERT OR IGNORE INTO meta(k, v) VALUES('key_seed', ?)`, seed); err != nil {
			return nil, fmt.Errorf("store: save key pair: %w", err)
		}
		if seed, err = getBytes(ctx, s.db, "key_seed"); err != nil {
			return nil, err
		}
	}
	key := ed25519.NewKeyFromSeed(seed)
	id := &qsync.Identity{Device: qsync.DeviceID(key.Public().(ed25519.PublicKey)), Key: key}
	idx, err := getInt(ctx, s.db, "index")
	if err != nil {
		return nil, err
	}
	id.Index = int(idx)
	u, err := getBytes(ctx, s.db, "hall_url")
	if err != nil {
		return nil, err
	}
	p, err := getBytes(ctx, s.db, "hall_pin")
	if err != nil {
		return nil, err
	}
	id.HallURL, id.Pin = string(u), string(p)
	return id, nil
}

// SaveEnrolment implements sync.KioskStore.
func (s *Store) SaveEnrolment(ctx context.Context, hallURL, pin string, index int) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("store: enrolment: %w", err)
	}
	defer tx.Rollback()
	for k, v := range map[string]any{"hall_url": []byte(hallURL), "hall_pin": []byte(pin), "index": index} {
		if err := set(ctx, tx, k, v); err != nil {
			return err
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("store: enrolment: %w", err)
	}
	return nil
}

// SetServices sets the services this kiosk issues tickets for, so that it
// keeps leases for each of them. Each entry is a service id, or
// "id=prefix" to print the catalogue's letter prefix (e.g.
// "tax-filing=E"); without a prefix the id is printed.
func (s *Store) SetServices(ctx context.Context, services ...string) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("store: services: %w", err)
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `DELETE FROM services`); err != nil {
		return fmt.Errorf("store: services: %w", err)
	}
	for _, svc := range services {
		id, prefix, _ := strings.Cut(svc, "=")
		if _, err := tx.ExecContext(ctx, `INSERT OR IGNORE INTO services(service, prefix) VALUES(?,?)`, id, prefix); err != nil {
			return fmt.Errorf("store: services: %w", err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("store: services: %w", err)
	}
	return nil
}

// SetHallTime implements sync.KioskStore: from now on the kiosk's notion
// of time is the hall's, advanced by the local monotonic clock.
func (s *Store) SetHallTime(hall, local time.Time) {
	s.mu.Lock()
	s.hallAt, s.localAt = hall, local
	s.mu.Unlock()
	_ = set(context.Background(), s.db, "hall_offset_ms", hall.Sub(local).Milliseconds())
}

// Now returns the time the kiosk issues with, or why it cannot: the hall's
// time when it was measured in this process, otherwise the local clock if
// it is plausible, close to the hall's as last measured, and not behind
// the last timestamp used.
func (s *Store) Now(ctx context.Context) (time.Time, error) {
	local := s.now()
	s.mu.Lock()
	hallAt, localAt := s.hallAt, s.localAt
	s.mu.Unlock()
	var t time.Time
	if !localAt.IsZero() {
		t = hallAt.Add(local.Sub(localAt))
	} else {
		if local.Before(ClockFloor) {
			return time.Time{}, fmt.Errorf("%w (clock says %s)", ErrClockImplausible, local.UTC().Format(time.DateTime))
		}
		off, err := getInt(ctx, s.db, "hall_offset_ms")
		if err != nil {
			return time.Time{}, err
		}
		if d := time.Duration(off) * time.Millisecond; d > s.maxSkew || d < -s.maxSkew {
			dir := "behind"
			if d < 0 {
				d, dir = -d, "ahead of"
			}
			return time.Time{}, fmt.Errorf("%w (kiosk clock was %s %s the hall at the last sync)", ErrClockSkew, d.Round(time.Second), dir)
		}
		t = local
	}
	last, err := getInt(ctx, s.db, "hlc")
	if err != nil {
		return time.Time{}, err
	}
	if lw := qsync.HLC(last).Wall(); t.UnixMilli() < lw-s.maxSkew.Milliseconds() {
		return time.Time{}, fmt.Errorf("%w (now %s, last used %s)", ErrClockBackwards, t.UTC().Format(time.DateTime), time.UnixMilli(lw).UTC().Format(time.DateTime))
	}
	return t, nil
}

// nextHLC advances the stored clock for a local event at t (zero t: the
// clock is not trusted, only the logical part advances).
func nextHLC(ctx context.Context, tx *sql.Tx, t time.Time) (qsync.HLC, error) {
	last, err := getInt(ctx, tx, "hlc")
	if err != nil {
		return 0, err
	}
	h := qsync.HLC(last)
	ms := h.Wall()
	if !t.IsZero() {
		ms = t.UnixMilli()
	}
	n := h.Next(ms)
	return n, set(ctx, tx, "hlc", int64(n))
}

// appendTx adds an event to the outbox inside tx.
func appendTx(ctx context.Context, tx *sql.Tx, h qsync.HLC, kind string, payload []byte) (uint64, error) {
	seq, err := getInt(ctx, tx, "seq")
	if err != nil {
		return 0, err
	}
	seq++
	if _, err := tx.ExecContext(ctx, `INSERT INTO outbox(seq, hlc, kind, payload) VALUES(?,?,?,?)`, seq, int64(h), kind, payload); err != nil {
		return 0, fmt.Errorf("store: outbox: %w", err)
	}
	return uint64(seq), set(ctx, tx, "seq", seq)
}

// Append durably adds an event (evaluation, device health, audit entry)
// to the outbox and returns its sequence.
func (s *Store) Append(ctx context.Context, kind string, payload any) (uint64, error) {
	seqs, err := s.AppendMany(ctx, kind, []any{payload})
	if err != nil {
		return 0, err
	}
	return seqs[0], nil
}

// AppendMany adds several events of one kind in one transaction.
func (s *Store) AppendMany(ctx context.Context, kind string, payloads []any) ([]uint64, error) {
	if !qsync.KnownKind(kind) || kind == qsync.KindTicketIssued {
		return nil, fmt.Errorf("store: cannot append events of kind %q", kind)
	}
	t, err := s.Now(ctx)
	if err != nil {
		t = time.Time{} // untrusted clock: order by the logical part only
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("store: append: %w", err)
	}
	defer tx.Rollback()
	seqs := make([]uint64, 0, len(payloads))
	for _, p := range payloads {
		b, err := json.Marshal(p)
		if err != nil {
			return nil, fmt.Errorf("store: append: %w", err)
		}
		h, err := nextHLC(ctx, tx, t)
		if err != nil {
			return nil, err
		}
		seq, err := appendTx(ctx, tx, h, kind, b)
		if err != nil {
			return nil, err
		}
		seqs = append(seqs, seq)
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("store: append: %w", err)
	}
	s.notify()
	return seqs, nil
}

// Pending implements sync.KioskStore.
func (s *Store) Pending(ctx context.Context, limit int) ([]qsync.Event, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT seq, hlc, kind, payload FROM outbox ORDER BY seq LIMIT ?`, limit)
	if err != nil {
		return nil, fmt.Errorf("store: pending: %w", err)
	}
	defer rows.Close()
	out := make([]qsync.Event, 0, min(limit, 1024))
	for rows.Next() {
		var e qsync.Event
		var h int64
		var p []byte
		if err := rows.Scan(&e.Seq, &h, &e.Kind, &p); err != nil {
			return nil, fmt.Errorf("store: pending: %w", err)
		}
		e.HLC, e.Payload = qsync.HLC(h), p
		out = append(out, e)
	}
	return out, rows.Err()
}

// PendingCount implements sync.KioskStore.
func (s *Store) PendingCount(ctx context.Context) (int, error) {
	var n int
	if err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM outbox`).Scan(&n); err != nil {
		return 0, fmt.Errorf("store: pending count: %w", err)
	}
	return n, nil
}

// Ack implements sync.KioskStore.
func (s *Store) Ack(ctx context.Context, seq uint64) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("store: ack: %w", err)
	}
	defer tx.Rollback()
	acked, err := getInt(ctx, tx, "acked")
	if err != nil {
		return err
	}
	if int64(seq) <= acked {
		return nil
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM outbox WHERE seq<=?`, seq); err != nil {
		return fmt.Errorf("store: ack: %w", err)
	}
	if err := set(ctx, tx, "acked", int64(seq)); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("store: ack: %w", err)
	}
	return nil
}

// LastSeq returns the last sequence assigned and the last acknowledged.
func (s *Store) LastSeq(ctx context.Context) (last, acked uint64, err error) {
	l, err := getInt(ctx, s.db, "seq")
	if err != nil {
		return 0, 0, err
	}
	a, err := getInt(ctx, s.db, "acked")
	return uint64(l), uint64(a), err
}
