package engine

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"sync"
	"sync/atomic"

	_ "github.com/mattn/go-sqlite3" // SQLite driver
)

// schema is applied at Open; statements are idempotent.
const schema = `
CREATE TABLE IF NOT EXISTS settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS tickets (
	id TEXT PRIMARY KEY,
	day TEXT NOT NULL,
	issue_service TEXT NOT NULL,
	number INTEGER NOT NULL,
	service TEXT NOT NULL,
	state TEXT NOT NULL,
	idem_key TEXT UNIQUE,
	person_hash TEXT,
	issued_at INTEGER NOT NULL,
	data TEXT NOT NULL,
	UNIQUE (day, issue_service, number)
);
CREATE INDEX IF NOT EXISTS tickets_live ON tickets(state, day);
CREATE INDEX IF NOT EXISTS tickets_person ON tickets(day, person_hash);
CREATE TABLE IF NOT EXISTS events (
	seq INTEGER PRIMARY KEY AUTOINCREMENT,
	at INTEGER NOT NULL,
	day TEXT NOT NULL,
	kind TEXT NOT NULL,
	ticket TEXT,
	label TEXT,
	service TEXT,
	window INTEGER,
	actor TEXT,
	state TEXT,
	detail TEXT
);
CREATE INDEX IF NOT EXISTS events_day ON events(day);
CREATE TABLE IF NOT EXISTS counters (
	day TEXT NOT NULL, service TEXT NOT NULL, next INTEGER NOT NULL,
	PRIMARY KEY (day, service)
);
CREATE TABLE IF NOT EXISTS leases (
	day TEXT NOT NULL, service TEXT NOT NULL, device TEXT NOT NULL,
	first INTEGER NOT NULL, last INTEGER NOT NULL, at INTEGER NOT NULL,
	released_from INTEGER
);
CREATE INDEX IF NOT EXISTS leases_dev ON leases(day, service, device);
CREATE TABLE IF NOT EXISTS appointments (
	id TEXT PRIMARY KEY,
	service TEXT NOT NULL,
	day TEXT NOT NULL,
	slot_start INTEGER NOT NULL,
	state TEXT NOT NULL,
	person_hash TEXT,
	data TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS appointments_slot ON appointments(service, slot_start);
CREATE TABLE IF NOT EXISTS windows (
	number INTEGER PRIMARY KEY, paused INTEGER NOT NULL, staff TEXT, current TEXT, streak INTEGER NOT NULL
);
`

// DSN returns the SQLite data source name the engine uses for path: WAL,
// synchronous=FULL (each commit durable), a busy timeout and immediate
// write transactions. Benchmarks use it to measure the fsync floor.
func DSN(path string) string {
	v := url.Values{}
	v.Set("_journal_mode", "WAL")
	v.Set("_synchronous", "FULL")
	v.Set("_busy_timeout", "5000")
	v.Set("_txlock", "immediate")
	v.Set("_foreign_keys", "1")
	return "file:" + path + "?" + v.Encode()
}

const insertEvent = `INSERT INTO events(at, day, kind, ticket, label, service, window, actor, state, detail) VALUES (?,?,?,?,?,?,?,?,?,?)`

// stmt is one write of a batch.
type stmt struct {
	q    string
	args []any
}

// op is one engine operation's writes, committed in a group.
type op struct {
	stmts  []stmt
	events []*Event
	done   chan error
}

// committer batches operations into one transaction (group commit): every
// operation is durable before its caller returns, and concurrent callers
// share one fsync.
type committer struct {
	db      *sql.DB
	mu      sync.Mutex
	pending []*op
	wake    chan struct{}
	stop    chan struct{}
	stopped chan struct{}
	after   func(ops []*op, err error) // runs after each batch, in order

	batches, ops atomic.Int64 // committed batches and operations

	stmts map[string]*sql.Stmt // prepared on db, used only by run's goroutine
}

// prepared returns a prepared statement for q (cached).
func (c *committer) prepared(ctx context.Context, q string) (*sql.Stmt, error) {
	if st, ok := c.stmts[q]; ok {
		return st, nil
	}
	st, err := c.db.PrepareContext(ctx, q)
	if err != nil {
		return nil, err
	}
	c.stmts[q] = st
	return st, nil
}

func newCommitter(db *sql.DB, after func([]*op, error)) *committer {
	c := &committer{db: db, wake: make(chan struct{}, 1), stop: make(chan struct{}), stopped: make(chan struct{}), after: after, stmts: map[string]*sql.Stmt{}}
	go c.run()
	return c
}

// submit queues o; the caller must hold the engine lock so that batches keep
// the order of the in-memory changes.
func (c *committer) submit(o *op) {
	c.mu.Lock()
	c.pending = append(c.pending, o)
	c.mu.Unlock()
	select {
	case c.wake <- struct{}{}:
	default:
	}
}

func (c *committer) run() {
	defer close(c.stopped)
	for {
		select {
		case <-c.wake:
		case <-c.stop:
			c.flush()
			return
		}
		c.flush()
	}
}

func (c *committer) flush() {
	for {
		c.mu.Lock()
		ops := c.pending
		c.pending = nil
		c.mu.Unlock()
		if len(ops) == 0 {
			return
		}
		err := c.commit(ops)
		c.batches.Add(1)
		c.ops.Add(int64(len(ops)))
		c.after(ops, err)
		for _, o := range ops {
			o.done <- err
		}
	}
}

func (c *committer) commit(ops []*op) error {
	ctx := context.Background()
	// Prepare new statements before the transaction takes the only connection.
	if _, err := c.prepared(ctx, insertEvent); err != nil {
		return fmt.Errorf("engine: prepare: %w", err)
	}
	for _, o := range ops {
		for _, s := range o.stmts {
			if _, err := c.prepared(ctx, s.q); err != nil {
				return fmt.Errorf("engine: prepare: %w", err)
			}
		}
	}
	tx, err := c.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("engine: begin: %w", err)
	}
	exec := func(q string, args ...any) (sql.Result, error) {
		st, err := c.prepared(ctx, q)
		if err != nil {
			return nil, err
		}
		return tx.StmtContext(ctx, st).ExecContext(ctx, args...)
	}
	for _, o := range ops {
		for _, s := range o.stmts {
			if _, err := exec(s.q, s.args...); err != nil {
				tx.Rollback()
				return fmt.Errorf("engine: write: %w", err)
			}
		}
		for _, ev := range o.events {
			res, err := exec(insertEvent,
				ev.At.UnixMilli(), ev.Day, string(ev.Kind), ev.Ticket, ev.Label, ev.Service, ev.Window, ev.Actor, string(ev.State), ev.Detail)
			if err != nil {
				tx.Rollback()
				return fmt.Errorf("engine: write event: %w", err)
			}
			ev.Seq, _ = res.LastInsertId()
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("engine: commit: %w", err)
	}
	return nil
}

func (c *committer) close() {
	close(c.stop)
	<-c.stopped
	for _, st := range c.stmts {
		st.Close()
	}
}
