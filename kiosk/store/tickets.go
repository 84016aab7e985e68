package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	qsync "hallkiosk/queue/sync"
)

// Ticket is a ticket this kiosk issued.
type Ticket struct {
	Service  string    `json:"service"`
	Prefix   string    `json:"prefix"` // printed letter(s); the service id when none is set
	Day      string    `json:"day"`
	Number   int       `json:"number"`
	Seq      uint64    `json:"seq"` // outbox sequence of its ticket.issued event
	HLC      qsync.HLC `json:"hlc"`
	Overflow bool      `json:"overflow"` // issued from the kiosk's overflow range
	State    string    `json:"state"`    // issued, printed, voided
}

// Label is the printed number: the service's prefix and at least three
// digits, as the hall prints its own (engine.Label).
func (t *Ticket) Label() string {
	p := t.Prefix
	if p == "" {
		p = t.Service
	}
	return fmt.Sprintf("%s%03d", p, t.Number)
}

// Issue takes the next number of service from today's leases (or, when
// they are used up, from the kiosk's own overflow range), writes the
// ticket and its ticket.issued event durably, and returns it. Print only
// after Issue returned. It refuses while the clock is not trustworthy.
func (s *Store) Issue(ctx context.Context, service string) (*Ticket, error) {
	now, err := s.Now(ctx)
	if err != nil {
		return nil, err
	}
	day := qsync.Day(now, s.zone)
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("store: issue: %w", err)
	}
	defer tx.Rollback()
	t := &Ticket{Service: service, Day: day, State: "issued"}
	if err := tx.QueryRowContext(ctx, `SELECT prefix FROM services WHERE service=?`, service).Scan(&t.Prefix); err != nil && !errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("store: issue: %w", err)
	}
	var lo int
	err = tx.QueryRowContext(ctx, `SELECT lo, next, overflow FROM leases WHERE service=? AND day=? AND next<=hi ORDER BY overflow, lo LIMIT 1`,
		service, day).Scan(&lo, &t.Number, &t.Overflow)
	if errors.Is(err, sql.ErrNoRows) {
		// Offline rule: fall back to this device's own overflow range.
		idx, ierr := getInt(ctx, tx, "index")
		if ierr != nil {
			return nil, ierr
		}
		if idx == 0 {
			return nil, ErrNotEnrolled
		}
		olo, ohi, oerr := qsync.OverflowRange(int(idx))
		if oerr != nil {
			return nil, fmt.Errorf("store: issue: %w", oerr)
		}
		if _, err := tx.ExecContext(ctx, `INSERT OR IGNORE INTO leases(service, day, lo, hi, next, overflow) VALUES(?,?,?,?,?,1)`,
			service, day, olo, ohi, olo); err != nil {
			return nil, fmt.Errorf("store: issue: %w", err)
		}
		err = tx.QueryRowContext(ctx, `SELECT lo, next, overflow FROM leases WHERE service=? AND day=? AND next<=hi ORDER BY overflow, lo LIMIT 1`,
			service, day).Scan(&lo, &t.Number, &t.Overflow)
		if errors.Is(err, sql.ErrNoRows) {
			return nil, fmt.Errorf("%w: %s on %s", ErrNoNumbers, service, day)
		}
	}
	if err != nil {
		return nil, fmt.Errorf("store: issue: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `UPDATE leases SET next=next+1 WHERE service=? AND day=? AND lo=?`, service, day, lo); err != nil {
		return nil, fmt.Errorf("store: issue: %w", err)
	}
	if t.HLC, err = nextHLC(ctx, tx, now); err != nil {
		return nil, err
	}
	src := "lease"
	if t.Overflow {
		src = "overflow"
	}
	p, _ := json.Marshal(qsync.TicketPayload{Service: service, Day: day, Number: t.Number, Label: t.Label(), Lease: src,
		Replaces: replacesFrom(ctx)})
	if t.Seq, err = appendTx(ctx, tx, t.HLC, qsync.KindTicketIssued, p); err != nil {
		return nil, err
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO tickets(service, day, number, seq, hlc, state) VALUES(?,?,?,?,?,'issued')`,
		service, day, t.Number, t.Seq, int64(t.HLC)); err != nil {
		// The primary key makes a second issue of a number impossible.
		return nil, fmt.Errorf("store: issue %s: %w", t.Label(), err)
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("store: issue: %w", err)
	}
	s.notify()
	return t, nil
}

// MarkPrinted records that the printer confirmed t: the ticket is live.
func (s *Store) MarkPrinted(ctx context.Context, t *Ticket) error {
	return s.transition(ctx, t, "printed", qsync.KindTicketPrinted)
}

// Void records that printing t failed; its number is burnt.
func (s *Store) Void(ctx context.Context, t *Ticket) error {
	return s.transition(ctx, t, "voided", qsync.KindTicketVoided)
}

func (s *Store) transition(ctx context.Context, t *Ticket, state, kind string) error {
	now, err := s.Now(ctx)
	if err != nil {
		now = time.Time{}
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("store: %s: %w", state, err)
	}
	defer tx.Rollback()
	res, err := tx.ExecContext(ctx, `UPDATE tickets SET state=? WHERE service=? AND day=? AND number=? AND state='issued'`, state, t.Service, t.Day, t.Number)
	if err != nil {
		return fmt.Errorf("store: %s: %w", state, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("store: %s %s: ticket not in state issued", state, t.Label())
	}
	h, err := nextHLC(ctx, tx, now)
	if err != nil {
		return err
	}
	p, _ := json.Marshal(qsync.TicketPayload{Service: t.Service, Day: t.Day, Number: t.Number, Label: t.Label()})
	if _, err := appendTx(ctx, tx, h, kind, p); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("store: %s: %w", state, err)
	}
	s.notify()
	t.State = state
	return nil
}

// Tickets returns the tickets issued on day, in issue order.
func (s *Store) Tickets(ctx context.Context, day string) ([]Ticket, error) {
	return s.queryTickets(ctx, "tickets", `WHERE day=? ORDER BY seq`, day)
}

// queryTickets reads tickets matching where (a WHERE ... ORDER BY clause);
// op names the caller in errors.
func (s *Store) queryTickets(ctx context.Context, op, where string, args ...any) ([]Ticket, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT service, day, number, seq, hlc, state FROM tickets `+where, args...)
	if err != nil {
		return nil, fmt.Errorf("store: %s: %w", op, err)
	}
	defer rows.Close()
	var out []Ticket
	for rows.Next() {
		var t Ticket
		var h int64
		if err := rows.Scan(&t.Service, &t.Day, &t.Number, &t.Seq, &h, &t.State); err != nil {
			return nil, fmt.Errorf("store: %s: %w", op, err)
		}
		t.HLC = qsync.HLC(h)
		t.Overflow = t.Number > qsync.LeaseMax
		out = append(out, t)
	}
	return out, rows.Err()
}

// LeaseWants implements sync.KioskStore: every configured service, and
// every service with a lease today, whose remaining leased numbers fell
// below the low-water mark.
func (s *Store) LeaseWants(ctx context.Context, day string) ([]qsync.LeaseWant, error) {
	rows, err := s.db.QueryContext(ctx, `
		SELECT sv.service,
		  COALESCE((SELECT SUM(hi-next+1) FROM leases l WHERE l.service=sv.service AND l.day=? AND l.overflow=0 AND l.next<=l.hi),0),
		  COALESCE((SELECT MAX(lo) FROM leases l WHERE l.service=sv.service AND l.day=? AND l.overflow=0),0)
		FROM (SELECT service FROM services UNION SELECT service FROM leases WHERE day=?) sv ORDER BY sv.service`, day, day, day)
	if err != nil {
		return nil, fmt.Errorf("store: lease wants: %w", err)
	}
	defer rows.Close()
	var out []qsync.LeaseWant
	for rows.Next() {
		w := qsync.LeaseWant{Day: day}
		if err := rows.Scan(&w.Service, &w.Remaining, &w.HaveMaxLo); err != nil {
			return nil, fmt.Errorf("store: lease wants: %w", err)
		}
		if w.Remaining < s.lowWater {
			out = append(out, w)
		}
	}
	return out, rows.Err()
}

// Released returns the blocks of day the kiosk cut short when the hall
// asked them back, for the hall to issue their unused numbers.
func (s *Store) Released(ctx context.Context, day string) ([]qsync.LeaseRelease, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT service, lo, released FROM leases WHERE day=? AND released>0 AND overflow=0 ORDER BY service, lo`, day)
	if err != nil {
		return nil, fmt.Errorf("store: released: %w", err)
	}
	defer rows.Close()
	var out []qsync.LeaseRelease
	for rows.Next() {
		r := qsync.LeaseRelease{Day: day}
		if err := rows.Scan(&r.Service, &r.Lo, &r.From); err != nil {
			return nil, fmt.Errorf("store: released: %w", err)
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// Remaining returns how many leased (non-overflow) numbers of service are
// left for day.
func (s *Store) Remaining(ctx context.Context, service, day string) (int, error) {
	var n int
	err := s.db.QueryRowContext(ctx, `SELECT COALESCE(SUM(hi-next+1),0) FROM leases WHERE service=? AND day=? AND overflow=0 AND next<=hi`, service, day).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("store: remaining: %w", err)
	}
	return n, nil
}

// Versions implements sync.KioskStore.
func (s *Store) Versions(ctx context.Context) (qsync.Versions, error) {
	var v qsync.Versions
	var err error
	if v.Catalog, err = getInt(ctx, s.db, "ver:catalog"); err != nil {
		return v, err
	}
	if v.Config, err = getInt(ctx, s.db, "ver:config"); err != nil {
		return v, err
	}
	v.Notices, err = getInt(ctx, s.db, "ver:notices")
	return v, err
}

// Document returns a document pulled from the hall ("catalog", "config",
// "notices") and its version; nil data when none was pulled yet.
func (s *Store) Document(ctx context.Context, name string) (json.RawMessage, int64, error) {
	v, err := getInt(ctx, s.db, "ver:"+name)
	if err != nil {
		return nil, 0, err
	}
	b, err := getBytes(ctx, s.db, "doc:"+name)
	return b, v, err
}

// ApplyPull implements sync.KioskStore: documents and leases in one
// transaction; leases of past days are dropped (they expire at the day
// boundary).
func (s *Store) ApplyPull(ctx context.Context, p *qsync.PullResponse) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("store: apply pull: %w", err)
	}
	defer tx.Rollback()
	for name, d := range map[string]*qsync.Versioned{"catalog": p.Catalog, "config": p.Config, "notices": p.Notices} {
		if d == nil {
			continue
		}
		if err := set(ctx, tx, "ver:"+name, d.Version); err != nil {
			return err
		}
		if err := set(ctx, tx, "doc:"+name, []byte(d.Data)); err != nil {
			return err
		}
	}
	// Blocks the hall asks back are cut at their next unused number before
	// the replacement is stored: from now on the kiosk never issues them.
	for _, l := range p.Release {
		if _, err := tx.ExecContext(ctx, `UPDATE leases SET released=next, hi=next-1 WHERE service=? AND day=? AND lo=? AND overflow=0 AND released=0`,
			l.Service, l.Day, l.Lo); err != nil {
			return fmt.Errorf("store: apply pull: %w", err)
		}
	}
	for _, l := range p.Leases {
		if l.Lo < 1 || l.Hi > qsync.LeaseMax || l.Hi < l.Lo {
			return fmt.Errorf("store: apply pull: lease %d..%d outside 1..%d", l.Lo, l.Hi, qsync.LeaseMax)
		}
		if _, err := tx.ExecContext(ctx, `INSERT OR IGNORE INTO leases(service, day, lo, hi, next, overflow) VALUES(?,?,?,?,?,0)`,
			l.Service, l.Day, l.Lo, l.Hi, l.Lo); err != nil {
			return fmt.Errorf("store: apply pull: %w", err)
		}
	}
	if p.Day != "" {
		if _, err := tx.ExecContext(ctx, `DELETE FROM leases WHERE day<?`, p.Day); err != nil {
			return fmt.Errorf("store: apply pull: %w", err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("store: apply pull: %w", err)
	}
	return nil
}

var _ qsync.KioskStore = (*Store)(nil)

// Unconfirmed returns tickets still in state issued: written, but neither
// printed nor voided (the kiosk stopped between the two). On start the
// kiosk resolves each: MarkPrinted if the printer has it, else Void.
func (s *Store) Unconfirmed(ctx context.Context) ([]Ticket, error) {
	return s.queryTickets(ctx, "unconfirmed", `WHERE state='issued' ORDER BY seq`)
}
