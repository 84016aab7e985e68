package sync

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// SQLHall is a small Hall backed by SQLite: it records every kiosk event
// once, keeps tickets unique per service, day and number, counts numbers
// per service and day, and serves versioned documents. It stands in for
// the queue engine in tests, tools and demos, and shows what an engine
// adapter must guarantee.
type SQLHall struct {
	db  *sql.DB
	now func() time.Time
}

const sqlHallSchema = `
CREATE TABLE IF NOT EXISTS events(
  device TEXT NOT NULL, seq INTEGER NOT NULL, kind TEXT NOT NULL, hlc INTEGER NOT NULL, payload BLOB NOT NULL,
  PRIMARY KEY(device, seq));
CREATE TABLE IF NOT EXISTS tickets(
  service TEXT NOT NULL, day TEXT NOT NULL, number INTEGER NOT NULL, device TEXT NOT NULL, seq INTEGER NOT NULL,
  hlc INTEGER NOT NULL, state TEXT NOT NULL, PRIMARY KEY(service, day, number));
CREATE TABLE IF NOT EXISTS counters(service TEXT NOT NULL, day TEXT NOT NULL, next INTEGER NOT NULL, PRIMARY KEY(service, day));
CREATE TABLE IF NOT EXISTS documents(name TEXT PRIMARY KEY, version INTEGER NOT NULL, data BLOB NOT NULL);
`

// OpenSQLHall opens (creating if needed) a reference hall at path.
func OpenSQLHall(path string) (*SQLHall, error) {
	db, err := openSQLite(path, sqlHallSchema)
	if err != nil {
		return nil, err
	}
	return &SQLHall{db: db, now: time.Now}, nil
}

// Close closes the database.
func (s *SQLHall) Close() error { return s.db.Close() }

// ErrDuplicateNumber means two tickets with the same number on the same
// day reached the hall: the invariant the lease rule protects.
var ErrDuplicateNumber = errors.New("sync: ticket number issued twice")

// ImportEvents implements Hall.
func (s *SQLHall) ImportEvents(ctx context.Context, device string, events []Event) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("sync: import: %w", err)
	}
	defer tx.Rollback()
	ins, err := tx.PrepareContext(ctx, `INSERT OR IGNORE INTO events(device, seq, kind, hlc, payload) VALUES(?,?,?,?,?)`)
	if err != nil {
		return fmt.Errorf("sync: import: %w", err)
	}
	defer ins.Close()
	tick, err := tx.PrepareContext(ctx, `INSERT INTO tickets(service, day, number, device, seq, hlc, state) VALUES(?,?,?,?,?,?,'issued')`)
	if err != nil {
		return fmt.Errorf("sync: import: %w", err)
	}
	defer tick.Close()
	for _, e := range events {
		res, err := ins.ExecContext(ctx, device, e.Seq, e.Kind, int64(e.HLC), []byte(e.Payload))
		if err != nil {
			return fmt.Errorf("sync: import seq %d: %w", e.Seq, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			continue // seen before
		}
		if !isTicketKind(e.Kind) {
			continue
		}
		var t TicketPayload
		if err := json.Unmarshal(e.Payload, &t); err != nil {
			return fmt.Errorf("sync: import seq %d: %w", e.Seq, err)
		}
		switch e.Kind {
		case KindTicketIssued:
			if _, err := tick.ExecContext(ctx, t.Service, t.Day, t.Number, device, e.Seq, int64(e.HLC)); err != nil {
				var owner string
				var oseq uint64
				if tx.QueryRowContext(ctx, `SELECT device, seq FROM tickets WHERE service=? AND day=? AND number=?`, t.Service, t.Day, t.Number).Scan(&owner, &oseq) == nil {
					return fmt.Errorf("%w: %s%04d on %s by %s/%d and %s/%d", ErrDuplicateNumber, t.Service, t.Number, t.Day, owner, oseq, device, e.Seq)
				}
				return fmt.Errorf("sync: import seq %d: %w", e.Seq, err)
			}
		case KindTicketPrinted, KindTicketVoided:
			state := "live"
			if e.Kind == KindTicketVoided {
				state = "void"
			}
			if _, err := tx.ExecContext(ctx, `UPDATE tickets SET state=? WHERE service=? AND day=? AND number=? AND device=?`,
				state, t.Service, t.Day, t.Number, device); err != nil {
				return fmt.Errorf("sync: import seq %d: %w", e.Seq, err)
			}
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("sync: import: %w", err)
	}
	return nil
}

// ReserveNumbers implements Hall.
func (s *SQLHall) ReserveNumbers(ctx context.Context, device, service, day string, n int) (lo, hi int, err error) {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return 0, 0, fmt.Errorf("sync: reserve: %w", err)
	}
	defer tx.Rollback()
	next := 1
	if err := tx.QueryRowContext(ctx, `SELECT next FROM counters WHERE service=? AND day=?`, service, day).Scan(&next); err != nil && !errors.Is(err, sql.ErrNoRows) {
		return 0, 0, fmt.Errorf("sync: reserve: %w", err)
	}
	if next > LeaseMax {
		return 0, 0, ErrNoNumbers
	}
	lo, hi = next, min(next+n-1, LeaseMax)
	if _, err := tx.ExecContext(ctx, `INSERT INTO counters(service, day, next) VALUES(?,?,?) ON CONFLICT(service, day) DO UPDATE SET next=excluded.next`,
		service, day, hi+1); err != nil {
		return 0, 0, fmt.Errorf("sync: reserve: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return 0, 0, fmt.Errorf("sync: reserve: %w", err)
	}
	return lo, hi, nil
}

// SetDocument stores a new version of a named document.
func (s *SQLHall) SetDocument(ctx context.Context, name string, data json.RawMessage) (int64, error) {
	var v int64
	err := s.db.QueryRowContext(ctx, `INSERT INTO documents(name, version, data) VALUES(?,1,?)
		ON CONFLICT(name) DO UPDATE SET version=version+1, data=excluded.data RETURNING version`, name, []byte(data)).Scan(&v)
	if err != nil {
		return 0, fmt.Errorf("sync: set document %s: %w", name, err)
	}
	return v, nil
}

// Document implements Hall.
func (s *SQLHall) Document(ctx context.Context, name string, have int64) (*Versioned, error) {
	var v Versioned
	var data []byte
	err := s.db.QueryRowContext(ctx, `SELECT version, data FROM documents WHERE name=?`, name).Scan(&v.Version, &data)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && v.Version == have) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("sync: document %s: %w", name, err)
	}
	v.Data = data
	return &v, nil
}

// QueueStatus implements Hall: tickets waiting per service today.
func (s *SQLHall) QueueStatus(ctx context.Context) (json.RawMessage, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT service, COUNT(*) FROM tickets WHERE day=? AND state IN ('issued','live') GROUP BY service`, Day(s.now(), nil))
	if err != nil {
		return nil, fmt.Errorf("sync: queue status: %w", err)
	}
	defer rows.Close()
	waiting := map[string]int{}
	for rows.Next() {
		var svc string
		var n int
		if err := rows.Scan(&svc, &n); err != nil {
			return nil, fmt.Errorf("sync: queue status: %w", err)
		}
		waiting[svc] = n
	}
	b, err := json.Marshal(map[string]any{"waiting": waiting})
	return b, err
}

// HallTicket is a ticket as the reference hall holds it.
type HallTicket struct {
	Service, Day string
	Number       int
	Device       string
	Seq          uint64
	State        string
}

// Tickets returns every ticket of day, for checks.
func (s *SQLHall) Tickets(ctx context.Context, day string) ([]HallTicket, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT service, day, number, device, seq, state FROM tickets WHERE day=? ORDER BY hlc`, day)
	if err != nil {
		return nil, fmt.Errorf("sync: tickets: %w", err)
	}
	defer rows.Close()
	var out []HallTicket
	for rows.Next() {
		var t HallTicket
		if err := rows.Scan(&t.Service, &t.Day, &t.Number, &t.Device, &t.Seq, &t.State); err != nil {
			return nil, fmt.Errorf("sync: tickets: %w", err)
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

// EventCounts returns how many events of device the hall holds and the
// number of distinct sequences among them (equal unless something is
// doubled, which the primary key forbids), and the highest sequence.
func (s *SQLHall) EventCounts(ctx context.Context, device string) (n int, maxSeq uint64, err error) {
	err = s.db.QueryRowContext(ctx, `SELECT COUNT(*), COALESCE(MAX(seq),0) FROM events WHERE device=?`, device).Scan(&n, &maxSeq)
	if err != nil {
		return 0, 0, fmt.Errorf("sync: event counts: %w", err)
	}
	return n, maxSeq, nil
}

var _ Hall = (*SQLHall)(nil)
