package adapters

import (
	"context"
	"crypto/rand"
	"database/sql"
	_ "embed"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math/big"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	_ "github.com/mattn/go-sqlite3" // SQLite driver

	"hallkiosk/internal/pii"
	"hallkiosk/kiosk/flow"
)

// DemoInvoicesCSV holds fictional invoices for the simulated ID cards, so
// that invoice pickup runs end to end in the demo.
//
//go:embed demo-invoices.csv
var DemoInvoicesCSV []byte

// Invoices is the kiosk's tax-invoice pickup desk: invoices ready for
// pickup in SQLite, filed under the keyed hash of the holder's ID number
// (the number itself is never stored). Invoices come in through ImportCSV,
// the adapter towards the tax system's export; pickup marks them collected
// with a pickup code for the invoice locker.
type Invoices struct {
	db  *sql.DB
	h   *pii.Hasher
	now func() time.Time
}

var _ flow.InvoiceDesk = (*Invoices)(nil)

// OpenInvoices opens (creating if needed) the invoice database at path.
func OpenInvoices(path string, h *pii.Hasher) (*Invoices, error) {
	db, err := sql.Open("sqlite3", "file:"+path+"?_journal_mode=WAL&_synchronous=FULL&_busy_timeout=5000")
	if err != nil {
		return nil, fmt.Errorf("adapters: invoices: %w", err)
	}
	db.SetMaxOpenConns(1)
	if _, err := db.Exec(`CREATE TABLE IF NOT EXISTS invoices(
		number TEXT PRIMARY KEY, holder TEXT NOT NULL, seller TEXT NOT NULL, amount TEXT NOT NULL,
		issued TEXT NOT NULL, collected_at TEXT, code TEXT);
		CREATE INDEX IF NOT EXISTS invoices_holder ON invoices(holder, collected_at)`); err != nil {
		db.Close()
		return nil, fmt.Errorf("adapters: invoices: %w", err)
	}
	return &Invoices{db: db, h: h, now: time.Now}, nil
}

// Close closes the database.
func (x *Invoices) Close() error { return x.db.Close() }

var (
	invoiceNumber = regexp.MustCompile(`^[0-9A-Za-z]{8,24}$`)
	invoiceAmount = regexp.MustCompile(`^[0-9]{1,10}\.[0-9]{2}$`)
	maxSeller     = 100
)

// ImportCSV reads invoices (header id_number,number,seller,amount,issued;
// lines starting with # are comments). Rows already imported are skipped,
// so an import can be repeated. Any bad row stops the import with its line;
// nothing of a bad file is stored.
func (x *Invoices) ImportCSV(ctx context.Context, r io.Reader) (int, error) {
	cr := csv.NewReader(io.LimitReader(r, 8<<20))
	cr.Comment = '#'
	cr.FieldsPerRecord = 5
	head, err := cr.Read()
	if err != nil {
		return 0, fmt.Errorf("adapters: invoices: header: %w", err)
	}
	if strings.Join(head, ",") != "id_number,number,seller,amount,issued" {
		return 0, errors.New("adapters: invoices: header must be id_number,number,seller,amount,issued")
	}
	tx, err := x.db.BeginTx(ctx, nil)
	if err != nil {
		return 0, fmt.Errorf("adapters: invoices: %w", err)
	}
	defer tx.Rollback()
	n := 0
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return 0, fmt.Errorf("adapters: invoices: %w", err)
		}
		line, _ := cr.FieldPos(0)
		id, num, seller, amount, issued := strings.TrimSpace(rec[0]), rec[1], strings.TrimSpace(rec[2]), rec[3], rec[4]
		switch {
		case len(id) < 15 || len(id) > 18:
			return 0, fmt.Errorf("adapters: invoices: line %d: bad id_number", line)
		case !invoiceNumber.MatchString(num):
			return 0, fmt.Errorf("adapters: invoices: line %d: bad invoice number", line)
		case seller == "" || !utf8.ValidString(seller) || utf8.RuneCountInString(seller) > maxSeller:
			return 0, fmt.Errorf("adapters: invoices: line %d: bad seller", line)
		case !invoiceAmount.MatchString(amount):
			return 0, fmt.Errorf("adapters: invoices: line %d: amount must look like 86.50", line)
		}
		if _, err := time.Parse("2006-01-02", issued); err != nil {
			return 0, fmt.Errorf("adapters: invoices: line %d: issued must be YYYY-MM-DD", line)
		}
		res, err := tx.ExecContext(ctx, `INSERT OR IGNORE INTO invoices(number, holder, seller, amount, issued) VALUES(?,?,?,?,?)`,
			num, x.h.Hash(id), seller, amount, issued)
		if err != nil {
			return 0, fmt.Errorf("adapters: invoices: %w", err)
		}
		if k, _ := res.RowsAffected(); k > 0 {
			n++
		}
	}
	if err := tx.Commit(); err != nil {
		return 0, fmt.Errorf("adapters: invoices: %w", err)
	}
	return n, nil
}

// PendingInvoices lists the card holder's invoices not yet collected.
func (x *Invoices) PendingInvoices(ctx context.Context, c flow.Citizen) ([]flow.Invoice, error) {
	rows, err := x.db.QueryContext(ctx, `SELECT number, seller, amount, issued FROM invoices
		WHERE holder=? AND collected_at IS NULL ORDER BY issued, number`, x.h.Hash(c.IDNumber))
	if err != nil {
		return nil, fmt.Errorf("adapters: invoices: %w", err)
	}
	defer rows.Close()
	var out []flow.Invoice
	for rows.Next() {
		var inv flow.Invoice
		var issued string
		if err := rows.Scan(&inv.Number, &inv.Seller, &inv.Amount, &issued); err != nil {
			return nil, fmt.Errorf("adapters: invoices: %w", err)
		}
		inv.ID = inv.Number
		inv.Issued, _ = time.Parse("2006-01-02", issued)
		out = append(out, inv)
	}
	return out, rows.Err()
}

// MarkCollected marks the holder's invoices ids collected and returns the
// pickup code. Invoices of another holder or already collected are refused.
func (x *Invoices) MarkCollected(ctx context.Context, c flow.Citizen, ids []string) (string, error) {
	n, err := rand.Int(rand.Reader, big.NewInt(1000000))
	if err != nil {
		return "", err
	}
	code := fmt.Sprintf("P%06d", n.Int64())
	holder := x.h.Hash(c.IDNumber)
	tx, err := x.db.BeginTx(ctx, nil)
	if err != nil {
		return "", fmt.Errorf("adapters: invoices: %w", err)
	}
	defer tx.Rollback()
	at := x.now().UTC().Format(time.RFC3339)
	for _, id := range ids {
		res, err := tx.ExecContext(ctx, `UPDATE invoices SET collected_at=?, code=? WHERE number=? AND holder=? AND collected_at IS NULL`,
			at, code, id, holder)
		if err != nil {
			return "", fmt.Errorf("adapters: invoices: %w", err)
		}
		if k, _ := res.RowsAffected(); k != 1 {
			return "", fmt.Errorf("adapters: invoice %s is not waiting for this holder: %w", id, flow.ErrNotFound)
		}
	}
	if err := tx.Commit(); err != nil {
		return "", fmt.Errorf("adapters: invoices: %w", err)
	}
	return code, nil
}

// PurgeCollected forgets who collected the invoices collected before the
// given time: the holder's ID-number hash and the pickup code are cleared,
// the invoice row stays (so that a repeated import does not offer it
// again). It returns how many invoices it cleared.
func (x *Invoices) PurgeCollected(ctx context.Context, before time.Time) (int64, error) {
	res, err := x.db.ExecContext(ctx, `UPDATE invoices SET holder='', code=NULL
		WHERE collected_at IS NOT NULL AND collected_at < ? AND (holder<>'' OR code IS NOT NULL)`,
		before.UTC().Format(time.RFC3339))
	if err != nil {
		return 0, fmt.Errorf("adapters: invoices: purge: %w", err)
	}
	n, _ := res.RowsAffected()
	return n, nil
}
