package invoices

import (
	"bytes"
	"context"
	_ "embed"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"os"
	"regexp"
	"strings"
	"sync"
	"time"
	"unicode/utf8"
)

// DemoCSV holds fictional invoices for the simulated ID cards (drivers/idcard/idcardsim),
// so that invoice pickup runs end to end in the demo.
//
//go:embed demo-invoices.csv
var DemoCSV []byte

// Record is one invoice the tax system has ready for pickup.
type Record struct {
	IDNumber string // holder's ID number (hashed before storage)
	Number   string // invoice number, 8..24 letters or digits
	Seller   string // seller's name
	Amount   string // yuan with two decimals, e.g. 86.50
	Issued   string // YYYY-MM-DD
}

var (
	numberRe  = regexp.MustCompile(`^[0-9A-Za-z]{8,24}$`)
	amountRe  = regexp.MustCompile(`^[0-9]{1,10}\.[0-9]{2}$`)
	maxSeller = 100
)

// ErrInvalid marks a record or file the desk refuses.
var ErrInvalid = errors.New("invoices: invalid")

// Validate reports whether r can be stored (nil) or what is wrong with it
// (wrapping ErrInvalid). The message never contains the ID number.
func (r Record) Validate() error {
	id := strings.TrimSpace(r.IDNumber)
	switch {
	case len(id) < 15 || len(id) > 18:
		return fmt.Errorf("%w: bad id_number", ErrInvalid)
	case !numberRe.MatchString(r.Number):
		return fmt.Errorf("%w: bad invoice number", ErrInvalid)
	case strings.TrimSpace(r.Seller) == "" || !utf8.ValidString(r.Seller) || utf8.RuneCountInString(r.Seller) > maxSeller:
		return fmt.Errorf("%w: bad seller", ErrInvalid)
	case !amountRe.MatchString(r.Amount):
		return fmt.Errorf("%w: amount must look like 86.50", ErrInvalid)
	}
	if _, err := time.Parse(time.DateOnly, r.Issued); err != nil {
		return fmt.Errorf("%w: issued must be YYYY-MM-DD", ErrInvalid)
	}
	return nil
}

// CSVHeader is the header line of the tax system's export file.
const CSVHeader = "id_number,number,seller,amount,issued"

// maxCSV bounds an export file.
const maxCSV = 8 << 20

// ParseCSV reads an export file: the header CSVHeader, then one invoice a
// row; lines starting with # are comments. Any bad row refuses the whole
// file with its line number (wrapping ErrInvalid).
func ParseCSV(r io.Reader) ([]Record, error) {
	cr := csv.NewReader(io.LimitReader(r, maxCSV))
	cr.Comment = '#'
	cr.FieldsPerRecord = 5
	head, err := cr.Read()
	if err != nil {
		return nil, fmt.Errorf("invoices: header: %w: %w", ErrInvalid, err)
	}
	if strings.Join(head, ",") != CSVHeader {
		return nil, fmt.Errorf("invoices: %w: header must be %s", ErrInvalid, CSVHeader)
	}
	var out []Record
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				// csv.ParseError quotes no field text, only positions.
				return nil, fmt.Errorf("invoices: %w: line %d: %v", ErrInvalid, pe.Line, pe.Err)
			}
			return nil, fmt.Errorf("invoices: %w", err)
		}
		line, _ := cr.FieldPos(0)
		r := Record{IDNumber: strings.TrimSpace(rec[0]), Number: rec[1], Seller: strings.TrimSpace(rec[2]), Amount: rec[3], Issued: rec[4]}
		if err := r.Validate(); err != nil {
			return nil, fmt.Errorf("invoices: line %d: %w", line, err)
		}
		out = append(out, r)
	}
}

// Feed is the adapter towards the tax system: Fetch returns the invoices
// ready for pickup ((nil, nil) when nothing changed since the last call).
// See the package documentation.
type Feed interface {
	Fetch(ctx context.Context) ([]Record, error)
}

// CSVFeed reads the tax system's export file at Path, again whenever its
// size or modification time changes.
type CSVFeed struct {
	Path string

	mu   sync.Mutex
	size int64
	mod  time.Time
}

var _ Feed = (*CSVFeed)(nil)

// Fetch returns the file's records when it changed since the last Fetch,
// (nil, nil) otherwise. A bad file is reported each time until it changes
// into a good one.
func (f *CSVFeed) Fetch(ctx context.Context) ([]Record, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	fi, err := os.Stat(f.Path)
	if err != nil {
		return nil, fmt.Errorf("invoices: feed: %w", err)
	}
	if fi.Size() == f.size && fi.ModTime().Equal(f.mod) {
		return nil, nil
	}
	data, err := os.ReadFile(f.Path)
	if err != nil {
		return nil, fmt.Errorf("invoices: feed: %w", err)
	}
	recs, err := ParseCSV(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("invoices: feed %s: %w", f.Path, err)
	}
	f.size, f.mod = fi.Size(), fi.ModTime()
	return recs, nil
}

// DemoFeed serves DemoCSV once, then reports nothing new.
type DemoFeed struct {
	once sync.Once
}

var _ Feed = (*DemoFeed)(nil)

// Fetch returns the demo invoices on the first call.
func (f *DemoFeed) Fetch(context.Context) ([]Record, error) {
	var recs []Record
	var err error
	f.once.Do(func() { recs, err = ParseCSV(bytes.NewReader(DemoCSV)) })
	return recs, err
}

// SyncOnce fetches from feed once and imports what it returns.
func SyncOnce(ctx context.Context, st *Store, feed Feed) (int, error) {
	recs, err := feed.Fetch(ctx)
	if err != nil || len(recs) == 0 {
		return 0, err
	}
	return st.Import(ctx, recs)
}

// Sync imports from feed at start and then every interval (with up to 10%
// jitter) until ctx ends. Failures are logged and retried at the next
// tick; it never stops on an error.
func Sync(ctx context.Context, st *Store, feed Feed, every time.Duration, log *slog.Logger) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if every <= 0 {
		every = 10 * time.Minute
	}
	for {
		if n, err := SyncOnce(ctx, st, feed); err != nil && ctx.Err() == nil {
			log.Error("invoices: feed", "err", err)
		} else if n > 0 {
			log.Info("invoices: imported from feed", "new", n)
		}
		jitter := time.Duration(rand.Int64N(int64(every)/10 + 1))
		select {
		case <-ctx.Done():
			return
		case <-time.After(every + jitter):
		}
	}
}
