package invoices

import (
	"context"
	"crypto/rand"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/big"
	"time"

	_ "github.com/mattn/go-sqlite3" // SQLite driver

	"hallkiosk/internal/periodic"
	"hallkiosk/internal/pii"
)

// ErrNotWaiting is returned by Collect when an invoice is not waiting for
// the holder (unknown, another holder's, or already collected).
var ErrNotWaiting = errors.New("invoices: not waiting for this holder")

// Invoice is an invoice waiting for pickup, as shown to its holder.
type Invoice struct {
	Number string `json:"number"`
	Seller string `json:"seller"`
	Amount string `json:"amount"` // yuan, as printed
	Issued string `json:"issued"` // YYYY-MM-DD
}

// Store is the invoice desk's SQLite database. Holders are stored only as
// the keyed hash of their ID number.
type Store struct {
	db  *sql.DB
	h   *pii.Hasher
	now func() time.Time
}

// Open opens (creating if needed) the invoice database at path; h hashes
// ID numbers (its key must stay the same for the life of the database).
func Open(path string, h *pii.Hasher) (*Store, error) {
	db, err := sql.Open("sqlite3", "file:"+path+"?_journal_mode=WAL&_synchronous=FULL&_busy_timeout=5000")
	if err != nil {
		return nil, fmt.Errorf("invoices: %w", err)
	}
	db.SetMaxOpenConns(1)
	if _, err := db.Exec(`CREATE TABLE IF NOT EXISTS invoices(
		number TEXT PRIMARY KEY, holder TEXT NOT NULL, seller TEXT NOT NULL, amount TEXT NOT NULL,
		issued TEXT NOT NULL, collected_at TEXT, code TEXT);
		CREATE INDEX IF NOT EXISTS invoices_holder ON invoices(holder, collected_at)`); err != nil {
		db.Close()
		return nil, fmt.Errorf("invoices: open %s: %w", path, err)
	}
	return &Store{db: db, h: h, now: time.Now}, nil
}

// SetClock replaces the clock that stamps pickups (tests).
func (s *Store) SetClock(now func() time.Time) { s.now = now }

// Close closes the database.
func (s *Store) Close() error { return s.db.Close() }

// Import stores records not yet known (by invoice number) and returns how
// many were new; repeating an import adds nothing. A bad record refuses
// the whole batch (nothing stored).
func (s *Store) Import(ctx context.Context, recs []Record) (int, error) {
	for i, r := range recs {
		if err := r.Validate(); err != nil {
			return 0, fmt.Errorf("invoices: record %d: %w", i+1, err)
		}
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return 0, fmt.Errorf("invoices: import: %w", err)
	}
	defer tx.Rollback()
	n := 0
	for _, r := range recs {
		res, err := tx.ExecContext(ctx, `INSERT OR IGNORE INTO invoices(number, holder, seller, amount, issued) VALUES(?,?,?,?,?)`,
			r.Number, s.h.Hash(r.IDNumber), r.Seller, r.Amount, r.Issued)
		if err != nil {
			return 0, fmt.Errorf("invoices: import: %w", err)
		}
		if k, _ := res.RowsAffected(); k > 0 {
			n++
		}
	}
	if err := tx.Commit(); err != nil {
		return 0, fmt.Errorf("invoices: import: %w", err)
	}
	return n, nil
}

// ImportCSV parses an export file (ParseCSV) and imports it.
func (s *Store) ImportCSV(ctx context.Context, r io.Reader) (int, error) {
	recs, err := ParseCSV(r)
	if err != nil {
		return 0, err
	}
	return s.Import(ctx, recs)
}

// Pending lists the invoices waiting for the holder of idNumber, oldest
// first.
func (s *Store) Pending(ctx context.Context, idNumber string) ([]Invoice, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT number, seller, amount, issued FROM invoices
		WHERE holder=? AND collected_at IS NULL ORDER BY issued, number`, s.h.Hash(idNumber))
	if err != nil {
		return nil, fmt.Errorf("invoices: pending: %w", err)
	}
	defer rows.Close()
	out := []Invoice{}
	for rows.Next() {
		var inv Invoice
		if err := rows.Scan(&inv.Number, &inv.Seller, &inv.Amount, &inv.Issued); err != nil {
			return nil, fmt.Errorf("invoices: pending: %w", err)
		}
		out = append(out, inv)
	}
	return out, rows.Err()
}

// Collect marks the holder's invoices numbers collected and returns the
// pickup code (P and six digits). If any of them is not waiting for this
// holder nothing is marked and the error wraps ErrNotWaiting.
func (s *Store) Collect(ctx context.Context, idNumber string, numbers []string) (string, error) {
	if len(numbers) == 0 {
		return "", fmt.Errorf("invoices: collect: %w: no invoice numbers", ErrInvalid)
	}
	n, err := rand.Int(rand.Reader, big.NewInt(1000000))
	if err != nil {
		return "", fmt.Errorf("invoices: collect: %w", err)
	}
	code := fmt.Sprintf("P%06d", n.Int64())
	holder := s.h.Hash(idNumber)
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return "", fmt.Errorf("invoices: collect: %w", err)
	}
	defer tx.Rollback()
	at := s.now().UTC().Format(time.RFC3339)
	for _, num := range numbers {
		res, err := tx.ExecContext(ctx, `UPDATE invoices SET collected_at=?, code=? WHERE number=? AND holder=? AND collected_at IS NULL`,
			at, code, num, holder)
		if err != nil {
			return "", fmt.Errorf("invoices: collect: %w", err)
		}
		if k, _ := res.RowsAffected(); k != 1 {
			return "", fmt.Errorf("invoices: invoice %.24q: %w", num, ErrNotWaiting)
		}
	}
	if err := tx.Commit(); err != nil {
		return "", fmt.Errorf("invoices: collect: %w", err)
	}
	return code, nil
}

// PurgeCollected forgets who collected the invoices collected before the
// given time: the holder's ID-number hash and the pickup code are cleared;
// the invoice row stays, so that a repeated import does not offer it
// again. It returns how many invoices it cleared.
func (s *Store) PurgeCollected(ctx context.Context, before time.Time) (int64, error) {
	res, err := s.db.ExecContext(ctx, `UPDATE invoices SET holder='', code=NULL
		WHERE collected_at IS NOT NULL AND collected_at < ? AND (holder<>'' OR code IS NOT NULL)`,
		before.UTC().Format(time.RFC3339))
	if err != nil {
		return 0, fmt.Errorf("invoices: purge: %w", err)
	}
	n, _ := res.RowsAffected()
	return n, nil
}

// RunPurge purges pickups older than days days at start and hourly until
// ctx ends.
func (s *Store) RunPurge(ctx context.Context, days int, log *slog.Logger) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	periodic.Run(ctx, time.Hour, func(ctx context.Context) {
		if n, err := s.PurgeCollected(ctx, s.now().AddDate(0, 0, -days)); err != nil && ctx.Err() == nil {
			log.Error("invoices: purge collected", "err", err)
		} else if n > 0 {
			log.Info("invoices: personal data of collected invoices purged", "invoices", n)
		}
	})
}
