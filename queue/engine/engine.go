package engine

import (
	"context"
	"crypto/ed25519"
	crand "crypto/rand"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"time"

	"hallkiosk/internal/codesign"
	"hallkiosk/internal/pii"
	"hallkiosk/queue/catalog"
)

// Options configure an Engine. Zero values take the documented defaults.
type Options struct {
	// Catalog is used when the store holds none yet; nil means catalog.Default().
	Catalog *catalog.Catalog
	// Now is the clock (default time.Now).
	Now func() time.Time
	// Log receives operational messages (default: discard).
	Log *slog.Logger
	// Hasher turns ID numbers into keyed hashes for real-name tickets.
	// Nil: a random key per process (limits then hold only until restart).
	Hasher *pii.Hasher
	// Signer and Verifier make and check appointment codes. Nil Signer: a
	// random key per process.
	Signer   *codesign.Signer
	Verifier *codesign.Verifier
	// MaxRecalls bounds recalls of one call (default 3).
	MaxRecalls int
	// StarvationK: after K consecutive priority calls at a window, a
	// waiting normal ticket is called next (default 3).
	StarvationK int
	// AppointmentEarly and AppointmentLate widen an appointment's slot for
	// check-in and priority (defaults 30 min early, 15 min late). A booking
	// not checked in by slot start + AppointmentLate is a no-show and its
	// place is released.
	AppointmentEarly time.Duration
	AppointmentLate  time.Duration
	// LeaseMax bounds one lease's size (default 200).
	LeaseMax int
	// NumberMax is the last number of a service and day that the hall
	// issues itself or leases to kiosks (default 4999). Numbers above it
	// belong to the kiosks' offline overflow ranges (queue/sync), recorded
	// with LeaseRange, so the two series never meet.
	NumberMax int
	// IgnoreHours issues tickets outside opening hours (demo mode).
	IgnoreHours bool
	// ReRateWindow is how long after a step's first rating the citizen may
	// re-rate it once (评价次数 2; default 24h, and never past the day).
	ReRateWindow time.Duration
	// RectifyWorkingDays is the deadline of a rectification case opened by
	// a poor rating, in working days (default 15).
	RectifyWorkingDays int
	// PersonBookingsPerDay bounds one person's live bookings on one day
	// across services (default 2).
	PersonBookingsPerDay int
}

// DefaultOptions holds the defaults of Options' numbers and durations,
// taken where a field is zero (or negative); the hall's configuration
// (hall.DefaultConfig) starts from them.
var DefaultOptions = Options{
	MaxRecalls: 3, StarvationK: 3,
	AppointmentEarly: 30 * time.Minute, AppointmentLate: 15 * time.Minute,
	LeaseMax: 200, NumberMax: 4999, ReRateWindow: 24 * time.Hour,
	RectifyWorkingDays: 15, PersonBookingsPerDay: 2,
}

func (o *Options) defaults() {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	if o.Hasher == nil {
		// A key for this process only: ID hashes then match within the
		// run and nowhere else. crypto/rand, so the key cannot be guessed
		// from the process's math/rand state.
		k := make([]byte, 32)
		crand.Read(k) // never fails (crypto/rand, Go ≥ 1.24)
		o.Hasher = pii.NewHasher(k)
	}
	d := DefaultOptions
	for _, p := range []struct{ v, d *int }{
		{&o.MaxRecalls, &d.MaxRecalls}, {&o.StarvationK, &d.StarvationK}, {&o.LeaseMax, &d.LeaseMax},
		{&o.NumberMax, &d.NumberMax}, {&o.RectifyWorkingDays, &d.RectifyWorkingDays},
		{&o.PersonBookingsPerDay, &d.PersonBookingsPerDay},
	} {
		if *p.v <= 0 {
			*p.v = *p.d
		}
	}
	for _, p := range []struct{ v, d *time.Duration }{
		{&o.AppointmentEarly, &d.AppointmentEarly}, {&o.AppointmentLate, &d.AppointmentLate},
		{&o.ReRateWindow, &d.ReRateWindow},
	} {
		if *p.v <= 0 {
			*p.v = *p.d
		}
	}
}

type winState struct {
	paused  bool
	staff   string
	current *Ticket
	streak  int // consecutive priority calls
}

type svcQueue struct {
	byClass map[catalog.Priority][]*Ticket // waiting tickets, sorted by (QueuedAt, ID)
}

type finish struct {
	at  time.Time
	dur time.Duration
}

// Engine is the queue authority of one hall. Its methods are safe for
// concurrent use.
type Engine struct {
	opts Options
	wdb  *sql.DB // one connection, writes
	rdb  *sql.DB // readers (WAL)
	com  *committer
	log  *slog.Logger

	mu       sync.Mutex
	broken   bool
	sweep    bool // tickets of an earlier day may be live: expire them
	cat      *catalog.Catalog
	loc      *time.Location
	day      string
	tickets  map[string]*Ticket // today's tickets (and live older ones until expired)
	keys     map[string]*Ticket // idempotency key → ticket (today)
	queues   map[string]*svcQueue
	targeted map[int]int    // window → waiting tickets transferred to it
	counters map[string]int // service → next free number today
	issued   map[string]int // service → tickets issued today
	persons  map[string]int // service|hash → real-name tickets today
	windows  map[int]*winState
	finishes map[string][]finish     // service → recent finishes
	calls    []Event                 // recent call/recall events, newest last
	spans    map[string][]span       // day|service → leased blocks of the hall's series, by first
	appts    map[string]*Appointment // bookings of today and later, loaded on first use

	closeOnce sync.Once
	subMu     sync.Mutex
	subs      map[int]chan Event
	nextID    int
}

// Open opens (creating if needed) the store at path and loads today's state.
func Open(ctx context.Context, path string, opts Options) (*Engine, error) {
	opts.defaults()
	if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
		return nil, fmt.Errorf("engine: %w", err)
	}
	wdb, err := sql.Open("sqlite3", DSN(path))
	if err != nil {
		return nil, fmt.Errorf("engine: open: %w", err)
	}
	wdb.SetMaxOpenConns(1)
	if _, err := wdb.ExecContext(ctx, schema); err != nil {
		wdb.Close()
		return nil, fmt.Errorf("engine: schema: %w", err)
	}
	if err := addColumn(ctx, wdb, "leases", "released_from", "INTEGER"); err != nil {
		wdb.Close()
		return nil, fmt.Errorf("engine: schema: %w", err)
	}
	if _, err := wdb.ExecContext(ctx, ratingsSchema); err != nil {
		wdb.Close()
		return nil, fmt.Errorf("engine: ratings schema: %w", err)
	}
	rdb, err := sql.Open("sqlite3", DSN(path)+"&mode=ro")
	if err != nil {
		wdb.Close()
		return nil, fmt.Errorf("engine: open: %w", err)
	}
	rdb.SetMaxOpenConns(4)
	e := &Engine{opts: opts, wdb: wdb, rdb: rdb, log: opts.Log, subs: map[int]chan Event{}}
	if opts.Signer == nil {
		e.opts.Signer, e.opts.Verifier = randomSigner()
	} else if opts.Verifier == nil {
		e.opts.Verifier = codesign.NewVerifier(map[string]ed25519.PublicKey{opts.Signer.KeyID(): opts.Signer.Public()})
	}
	if err := e.loadCatalog(ctx); err != nil {
		e.closeDBs()
		return nil, err
	}
	e.com = newCommitter(wdb, e.afterCommit)
	if err := e.load(ctx); err != nil {
		e.com.close()
		e.closeDBs()
		return nil, err
	}
	// Expire what an earlier day left behind.
	if err := e.do(ctx, func(time.Time, *op) error { return nil }); err != nil {
		e.Close()
		return nil, err
	}
	return e, nil
}

func (e *Engine) closeDBs() {
	e.wdb.Close()
	e.rdb.Close()
}

// Close stops the engine after pending writes are committed.
func (e *Engine) Close() error {
	first := false
	e.closeOnce.Do(func() { first = true })
	if !first {
		return nil
	}
	e.com.close()
	e.subMu.Lock()
	for id, ch := range e.subs {
		close(ch)
		delete(e.subs, id)
	}
	e.subMu.Unlock()
	err1 := e.wdb.Close()
	err2 := e.rdb.Close()
	return errors.Join(err1, err2)
}

// CommitStats returns how many write batches (one transaction and fsync
// each) and operations the engine committed since Open.
func (e *Engine) CommitStats() (batches, ops int64) { return e.com.batches.Load(), e.com.ops.Load() }

// DB returns the engine's write handle, for companion tables of the same
// store (staff accounts, sessions). Keep such transactions short.
func (e *Engine) DB() *sql.DB { return e.wdb }

// Ping checks that the store answers.
func (e *Engine) Ping(ctx context.Context) error {
	var n int
	return e.rdb.QueryRowContext(ctx, `SELECT 1`).Scan(&n)
}

func (e *Engine) loadCatalog(ctx context.Context) error {
	var text string
	err := e.wdb.QueryRowContext(ctx, `SELECT value FROM settings WHERE key='catalog'`).Scan(&text)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		c := e.opts.Catalog
		if c == nil {
			c = catalog.Default()
		}
		if err := c.Validate(); err != nil {
			return err
		}
		data, _ := c.JSON()
		if _, err := e.wdb.ExecContext(ctx, `INSERT INTO settings(key, value) VALUES ('catalog', ?)`, string(data)); err != nil {
			return fmt.Errorf("engine: store catalogue: %w", err)
		}
		e.cat = c.Clone()
	case err != nil:
		return fmt.Errorf("engine: read catalogue: %w", err)
	default:
		c, err := catalog.Parse([]byte(text))
		if err != nil {
			return fmt.Errorf("engine: stored catalogue: %w", err)
		}
		e.cat = c
	}
	e.loc = e.cat.Location()
	return nil
}

// dayOf returns the hall-local date of t.
func (e *Engine) dayOf(t time.Time) string { return t.In(e.loc).Format(time.DateOnly) }

// Today returns the hall-local date now (YYYY-MM-DD).
func (e *Engine) Today() string { return e.dayOf(e.opts.Now()) }

// Location returns the hall's time zone.
func (e *Engine) Location() *time.Location { return e.loc }

func (e *Engine) load(ctx context.Context) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	now := e.opts.Now()
	e.day = e.dayOf(now)
	e.tickets = map[string]*Ticket{}
	e.keys = map[string]*Ticket{}
	e.queues = map[string]*svcQueue{}
	e.targeted = map[int]int{}
	e.counters = map[string]int{}
	if err := e.loadSpansLocked(ctx); err != nil {
		return err
	}
	e.issued = map[string]int{}
	e.persons = map[string]int{}
	e.windows = map[int]*winState{}
	e.finishes = map[string][]finish{}
	e.calls = nil
	e.appts = nil
	e.sweep = true
	for _, w := range e.cat.Windows {
		e.windows[w.Number] = &winState{}
	}
	if err := e.loadCountersLocked(); err != nil {
		return err
	}
	rows, err := e.wdb.QueryContext(ctx, `SELECT data, COALESCE(person_hash,'') FROM tickets WHERE day=? OR state IN ('waiting','called','serving','parked')`, e.day)
	if err != nil {
		return fmt.Errorf("engine: load tickets: %w", err)
	}
	var list []*Ticket
	for rows.Next() {
		var data, ph string
		if err := rows.Scan(&data, &ph); err != nil {
			rows.Close()
			return fmt.Errorf("engine: load tickets: %w", err)
		}
		t := &Ticket{}
		if err := json.Unmarshal([]byte(data), t); err != nil {
			rows.Close()
			return fmt.Errorf("engine: load ticket: %w", err)
		}
		t.PersonHash = ph
		list = append(list, t)
	}
	rows.Close()
	slices.SortFunc(list, func(a, b *Ticket) int { return a.IssuedAt.Compare(b.IssuedAt) })
	for _, t := range list {
		e.tickets[t.ID] = t
		if t.Day != e.day {
			continue
		}
		if t.Key != "" {
			e.keys[t.Key] = t
		}
		if t.State != StateVoid && t.State != StateLapsed {
			e.issued[t.IssueService]++
		}
		if t.PersonHash != "" && t.State != StateVoid && t.State != StateCancelled && t.State != StateLapsed {
			e.persons[t.Services[0]+"|"+t.PersonHash]++
		}
		if t.State == StateWaiting {
			e.enqueue(t)
		}
		if t.State == StateDone && !t.ServedAt.IsZero() {
			e.finishes[t.Service] = append(e.finishes[t.Service], finish{t.EndedAt, t.EndedAt.Sub(t.ServedAt)})
		}
	}
	rows, err = e.wdb.QueryContext(ctx, `SELECT number, paused, COALESCE(staff,''), COALESCE(current,''), streak FROM windows`)
	if err != nil {
		return fmt.Errorf("engine: load windows: %w", err)
	}
	for rows.Next() {
		var n, paused, streak int
		var staff, cur string
		if err := rows.Scan(&n, &paused, &staff, &cur, &streak); err != nil {
			rows.Close()
			return fmt.Errorf("engine: load windows: %w", err)
		}
		w, ok := e.windows[n]
		if !ok {
			continue
		}
		w.paused, w.staff, w.streak = paused != 0, staff, streak
		if t := e.tickets[cur]; t != nil && (t.State == StateCalled || t.State == StateServing) && t.Window == n {
			w.current = t
		}
	}
	rows.Close()
	return nil
}

// loadCountersLocked fills today's counters (the hall's own last numbers)
// from the store; leased blocks are spans (loadSpansLocked).
func (e *Engine) loadCountersLocked() error {
	rows, err := e.rdb.Query(`SELECT service, next FROM counters WHERE day=?`, e.day)
	if err != nil {
		return fmt.Errorf("engine: load counters: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var s string
		var n int
		if err := rows.Scan(&s, &n); err != nil {
			return fmt.Errorf("engine: load counters: %w", err)
		}
		e.counters[s] = max(e.counters[s], n)
	}
	return rows.Err()
}

// reload rebuilds the in-memory state from the store after a failed commit.
func (e *Engine) reload() {
	if err := e.load(context.Background()); err != nil {
		e.log.Error("engine: reload after failed commit", "err", err)
		return
	}
	e.mu.Lock()
	e.broken = false
	e.mu.Unlock()
}

func (e *Engine) afterCommit(ops []*op, err error) {
	if err != nil {
		e.log.Error("engine: commit failed; reloading state", "err", err, "ops", len(ops))
		e.mu.Lock()
		e.broken = true
		e.mu.Unlock()
		go e.reload()
		return
	}
	for _, o := range ops {
		for _, ev := range o.events {
			e.publish(*ev)
		}
	}
}

// do runs fn under the engine lock with the current time and an op to fill
// with writes and events, then waits until they are durable. fn must check
// everything before changing memory: an error return means nothing changed.
func (e *Engine) do(ctx context.Context, fn func(now time.Time, o *op) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	e.mu.Lock()
	if e.broken {
		e.mu.Unlock()
		return errf(CodeUnavailable, "store recovering from a failed write")
	}
	now := e.opts.Now()
	o := &op{done: make(chan error, 1)}
	e.rollLocked(now, o)
	ferr := fn(now, o)
	if len(o.stmts) == 0 && len(o.events) == 0 {
		e.mu.Unlock()
		return ferr
	}
	e.com.submit(o)
	e.mu.Unlock()
	if err := <-o.done; err != nil {
		return &Error{Code: CodeUnavailable, Msg: "store write failed", Err: err}
	}
	return ferr
}

// rollLocked ends earlier days: live tickets of another day expire (parked
// ones become no-shows) and per-day counters restart.
func (e *Engine) rollLocked(now time.Time, o *op) {
	today := e.dayOf(now)
	if today != e.day {
		e.day = today
		e.sweep = true
		e.counters = map[string]int{}
		if err := e.loadCountersLocked(); err != nil {
			e.log.Error("engine: new day: counters", "err", err)
		}
		e.pruneSpansLocked()
		e.issued = map[string]int{}
		e.persons = map[string]int{}
		e.keys = map[string]*Ticket{}
		e.finishes = map[string][]finish{}
		e.calls = nil
		for _, w := range e.windows {
			w.current = nil
			w.streak = 0
		}
		o.stmts = append(o.stmts, stmt{`UPDATE windows SET current=NULL, streak=0`, nil})
	}
	if !e.sweep {
		return
	}
	e.sweep = false
	for id, t := range e.tickets {
		if t.Day == today {
			continue
		}
		if !t.State.Terminal() {
			e.dequeue(t)
			if t.State == StateParked {
				t.State = StateNoShow
			} else {
				t.State = StateExpired
			}
			t.EndedAt = now
			kind := EvExpire
			e.saveTicket(o, t)
			e.event(o, now, kind, t, Actor{Name: "system"}, "day ended")
		}
		delete(e.tickets, id)
	}
}

func (e *Engine) saveTicket(o *op, t *Ticket) {
	data, err := json.Marshal(t)
	if err != nil {
		panic(err) // plain struct: cannot fail
	}
	var key, ph any
	if t.Key != "" {
		key = t.Key
	}
	if t.PersonHash != "" {
		ph = t.PersonHash
	}
	o.stmts = append(o.stmts, stmt{`INSERT INTO tickets(id, day, issue_service, number, service, state, idem_key, person_hash, issued_at, data)
VALUES (?,?,?,?,?,?,?,?,?,?) ON CONFLICT(id) DO UPDATE SET service=excluded.service, state=excluded.state, data=excluded.data`,
		[]any{t.ID, t.Day, t.IssueService, t.Number, t.Service, string(t.State), key, ph, t.IssuedAt.UnixMilli(), string(data)}})
}

func (e *Engine) saveWindow(o *op, n int, w *winState) {
	var cur any
	if w.current != nil {
		cur = w.current.ID
	}
	paused := 0
	if w.paused {
		paused = 1
	}
	o.stmts = append(o.stmts, stmt{`INSERT INTO windows(number, paused, staff, current, streak) VALUES (?,?,?,?,?)
ON CONFLICT(number) DO UPDATE SET paused=excluded.paused, staff=excluded.staff, current=excluded.current, streak=excluded.streak`,
		[]any{n, paused, w.staff, cur, w.streak}})
}

func (e *Engine) event(o *op, now time.Time, kind EventKind, t *Ticket, a Actor, detail string) *Event {
	ev := &Event{Kind: kind, At: now, Day: e.dayOf(now), Window: a.Window, Actor: a.Name, Detail: detail}
	if t != nil {
		ev.Ticket, ev.Label, ev.Service, ev.State = t.ID, t.Label, t.Service, t.State
	}
	o.events = append(o.events, ev)
	if kind == EvCall || kind == EvRecall {
		e.calls = append(e.calls, *ev)
		if len(e.calls) > 50 {
			e.calls = slices.Delete(e.calls, 0, len(e.calls)-50)
		}
	}
	return ev
}

// Subscribe returns a channel of committed events (every kind; filter on
// Kind, e.g. call, recall, transfer, no_show, finish for displays and
// voice) and a cancel function. A subscriber that falls more than buf
// events behind misses events rather than slowing the engine.
func (e *Engine) Subscribe(buf int) (<-chan Event, func()) {
	if buf <= 0 {
		buf = 64
	}
	ch := make(chan Event, buf)
	e.subMu.Lock()
	id := e.nextID
	e.nextID++
	e.subs[id] = ch
	e.subMu.Unlock()
	return ch, func() {
		e.subMu.Lock()
		if c, ok := e.subs[id]; ok {
			close(c)
			delete(e.subs, id)
		}
		e.subMu.Unlock()
	}
}

func (e *Engine) publish(ev Event) {
	e.subMu.Lock()
	defer e.subMu.Unlock()
	for _, ch := range e.subs {
		select {
		case ch <- ev:
		default:
		}
	}
}

// Catalog returns a copy of the current catalogue.
func (e *Engine) Catalog() *catalog.Catalog {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.cat.Clone()
}

// SetCatalog validates and stores a new catalogue (admin edit). Services
// or windows that disappear keep their existing tickets until day end.
func (e *Engine) SetCatalog(ctx context.Context, c *catalog.Catalog, a Actor) error {
	if err := c.Validate(); err != nil {
		return &Error{Code: CodeInvalid, Msg: "catalogue", Err: err}
	}
	data, _ := c.JSON()
	return e.do(ctx, func(now time.Time, o *op) error {
		e.cat = c.Clone()
		e.loc = e.cat.Location()
		for _, w := range e.cat.Windows {
			if e.windows[w.Number] == nil {
				e.windows[w.Number] = &winState{}
			}
		}
		o.stmts = append(o.stmts, stmt{`INSERT INTO settings(key, value) VALUES ('catalog', ?) ON CONFLICT(key) DO UPDATE SET value=excluded.value`, []any{string(data)}})
		e.event(o, now, EvCatalog, nil, a, "catalogue replaced")
		return nil
	})
}

// Events returns stored events of a day after seq (at most limit), oldest
// first: the audit trail.
func (e *Engine) Events(ctx context.Context, day string, afterSeq int64, limit int) ([]Event, error) {
	if limit <= 0 || limit > 10000 {
		limit = 1000
	}
	rows, err := e.rdb.QueryContext(ctx, `SELECT seq, at, day, kind, COALESCE(ticket,''), COALESCE(label,''), COALESCE(service,''), COALESCE(window,0), COALESCE(actor,''), COALESCE(state,''), COALESCE(detail,'')
FROM events WHERE day=? AND seq>? ORDER BY seq LIMIT ?`, day, afterSeq, limit)
	if err != nil {
		return nil, fmt.Errorf("engine: events: %w", err)
	}
	defer rows.Close()
	var out []Event
	for rows.Next() {
		var ev Event
		var at int64
		var kind, state string
		if err := rows.Scan(&ev.Seq, &at, &ev.Day, &kind, &ev.Ticket, &ev.Label, &ev.Service, &ev.Window, &ev.Actor, &state, &ev.Detail); err != nil {
			return nil, fmt.Errorf("engine: events: %w", err)
		}
		ev.At, ev.Kind, ev.State = time.UnixMilli(at), EventKind(kind), State(state)
		out = append(out, ev)
	}
	return out, rows.Err()
}

// RecentCalls returns up to n of today's latest call and recall events, newest first.
func (e *Engine) RecentCalls(n int) []Event {
	e.mu.Lock()
	defer e.mu.Unlock()
	out := make([]Event, 0, n)
	for i := len(e.calls) - 1; i >= 0 && len(out) < n; i-- {
		out = append(out, e.calls[i])
	}
	return out
}
