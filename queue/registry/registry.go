package registry

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	_ "github.com/mattn/go-sqlite3" // SQLite driver
)

// Errors.
var (
	ErrNotFound    = errors.New("registry: not found")
	ErrInvalid     = errors.New("registry: invalid record")
	ErrUnavailable = errors.New("registry: hall unreachable and nothing cached")
)

// Permit kinds commonly loaded onto a 一照通 licence.
const (
	PermitFoodSale   = "food_sale"
	PermitCatering   = "catering"
	PermitDrugRetail = "drug_retail"
)

// Permit is one permit carried by a licence.
type Permit struct {
	Kind      string `json:"kind"`
	Number    string `json:"number"`
	Scope     string `json:"scope,omitempty"`
	ValidFrom string `json:"valid_from,omitempty"` // YYYY-MM-DD
	ValidTo   string `json:"valid_to,omitempty"`   // YYYY-MM-DD, empty: no end
}

// Licence is a business licence and its permits.
type Licence struct {
	USCC    string   `json:"uscc"`
	Name    string   `json:"name"`
	Address string   `json:"address,omitempty"`
	Permits []Permit `json:"permits"`
}

// Property is a real-estate certificate.
type Property struct {
	Number   string  `json:"number"` // normalised: half-width brackets
	Location string  `json:"location"`
	AreaM2   float64 `json:"area_m2,omitempty"`
	Usage    string  `json:"usage,omitempty"`
	Status   string  `json:"status,omitempty"` // e.g. 正常, 抵押, 查封
}

// Store is the registry database.
type Store struct {
	db *sql.DB
}

const schema = `
CREATE TABLE IF NOT EXISTS licences(
	uscc TEXT PRIMARY KEY,
	name TEXT NOT NULL,
	address TEXT NOT NULL DEFAULT '',
	updated INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS permits(
	uscc TEXT NOT NULL REFERENCES licences(uscc) ON DELETE CASCADE,
	kind TEXT NOT NULL,
	number TEXT NOT NULL,
	scope TEXT NOT NULL DEFAULT '',
	valid_from TEXT NOT NULL DEFAULT '',
	valid_to TEXT NOT NULL DEFAULT '',
	PRIMARY KEY(uscc, kind, number)
);
CREATE TABLE IF NOT EXISTS properties(
	number TEXT PRIMARY KEY,
	location TEXT NOT NULL,
	area_m2 REAL NOT NULL DEFAULT 0,
	usage TEXT NOT NULL DEFAULT '',
	status TEXT NOT NULL DEFAULT '',
	updated INTEGER NOT NULL
);`

// Open opens (creating if needed) the registry database at path.
func Open(path string) (*Store, error) {
	db, err := openDB(path)
	if err != nil {
		return nil, err
	}
	if _, err := db.Exec(schema); err != nil {
		db.Close()
		return nil, fmt.Errorf("registry: schema: %w", err)
	}
	return &Store{db: db}, nil
}

func openDB(path string) (*sql.DB, error) {
	v := url.Values{}
	v.Set("_journal_mode", "WAL")
	v.Set("_synchronous", "FULL")
	v.Set("_busy_timeout", "5000")
	v.Set("_foreign_keys", "1")
	v.Set("_txlock", "immediate")
	db, err := sql.Open("sqlite3", "file:"+path+"?"+v.Encode())
	if err != nil {
		return nil, fmt.Errorf("registry: open %s: %w", path, err)
	}
	if err := db.Ping(); err != nil {
		db.Close()
		return nil, fmt.Errorf("registry: open %s: %w", path, err)
	}
	return db, nil
}

// Close closes the database.
func (s *Store) Close() error { return s.db.Close() }

// PutLicence adds or replaces a licence and all its permits.
func (s *Store) PutLicence(ctx context.Context, l Licence) error {
	return s.tx(ctx, func(tx *sql.Tx) error { return putLicence(ctx, tx, l, true) })
}

// PutProperty adds or replaces a certificate.
func (s *Store) PutProperty(ctx context.Context, p Property) error {
	return s.tx(ctx, func(tx *sql.Tx) error { return putProperty(ctx, tx, p) })
}

func (s *Store) tx(ctx context.Context, f func(tx *sql.Tx) error) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("registry: %w", err)
	}
	if err := f(tx); err != nil {
		tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("registry: commit: %w", err)
	}
	return nil
}

func putLicence(ctx context.Context, tx *sql.Tx, l Licence, replacePermits bool) error {
	if err := l.normalise(); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO licences(uscc, name, address, updated) VALUES(?,?,?,?)
		ON CONFLICT(uscc) DO UPDATE SET name=excluded.name, address=excluded.address, updated=excluded.updated`,
		l.USCC, l.Name, l.Address, time.Now().Unix()); err != nil {
		return fmt.Errorf("registry: licence %s: %w", l.USCC, err)
	}
	if replacePermits {
		if _, err := tx.ExecContext(ctx, `DELETE FROM permits WHERE uscc=?`, l.USCC); err != nil {
			return fmt.Errorf("registry: %w", err)
		}
	}
	for _, p := range l.Permits {
		if err := putPermit(ctx, tx, l.USCC, p); err != nil {
			return err
		}
	}
	return nil
}

func putPermit(ctx context.Context, tx *sql.Tx, uscc string, p Permit) error {
	if err := p.normalise(); err != nil {
		return fmt.Errorf("%w (licence %s)", err, uscc)
	}
	var one int
	if err := tx.QueryRowContext(ctx, `SELECT 1 FROM licences WHERE uscc=?`, uscc).Scan(&one); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("%w: permit %s for unknown licence %s", ErrInvalid, p.Number, uscc)
		}
		return fmt.Errorf("registry: %w", err)
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO permits(uscc, kind, number, scope, valid_from, valid_to) VALUES(?,?,?,?,?,?)
		ON CONFLICT(uscc, kind, number) DO UPDATE SET scope=excluded.scope, valid_from=excluded.valid_from, valid_to=excluded.valid_to`,
		uscc, p.Kind, p.Number, p.Scope, p.ValidFrom, p.ValidTo)
	if err != nil {
		return fmt.Errorf("registry: permit %s: %w", p.Number, err)
	}
	return nil
}

func putProperty(ctx context.Context, tx *sql.Tx, p Property) error {
	if err := p.normalise(); err != nil {
		return err
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO properties(number, location, area_m2, usage, status, updated) VALUES(?,?,?,?,?,?)
		ON CONFLICT(number) DO UPDATE SET location=excluded.location, area_m2=excluded.area_m2, usage=excluded.usage, status=excluded.status, updated=excluded.updated`,
		p.Number, p.Location, p.AreaM2, p.Usage, p.Status, time.Now().Unix())
	if err != nil {
		return fmt.Errorf("registry: property %s: %w", p.Number, err)
	}
	return nil
}

// Licence returns the licence with the given credit code.
func (s *Store) Licence(ctx context.Context, uscc string) (*Licence, error) {
	uscc = strings.ToUpper(strings.TrimSpace(uscc))
	l := Licence{Permits: []Permit{}}
	err := s.db.QueryRowContext(ctx, `SELECT uscc, name, address FROM licences WHERE uscc=?`, uscc).Scan(&l.USCC, &l.Name, &l.Address)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("%w: licence %s", ErrNotFound, uscc)
	}
	if err != nil {
		return nil, fmt.Errorf("registry: %w", err)
	}
	rows, err := s.db.QueryContext(ctx, `SELECT kind, number, scope, valid_from, valid_to FROM permits WHERE uscc=? ORDER BY kind, number`, uscc)
	if err != nil {
		return nil, fmt.Errorf("registry: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var p Permit
		if err := rows.Scan(&p.Kind, &p.Number, &p.Scope, &p.ValidFrom, &p.ValidTo); err != nil {
			return nil, fmt.Errorf("registry: %w", err)
		}
		l.Permits = append(l.Permits, p)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("registry: %w", err)
	}
	return &l, nil
}

// Property returns the certificate with the given number (full- or
// half-width brackets).
func (s *Store) Property(ctx context.Context, number string) (*Property, error) {
	number = NormalisePropertyNumber(number)
	var p Property
	err := s.db.QueryRowContext(ctx, `SELECT number, location, area_m2, usage, status FROM properties WHERE number=?`, number).
		Scan(&p.Number, &p.Location, &p.AreaM2, &p.Usage, &p.Status)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("%w: certificate %s", ErrNotFound, number)
	}
	if err != nil {
		return nil, fmt.Errorf("registry: %w", err)
	}
	return &p, nil
}

// Export is the whole registry, as served to kiosks for their cache.
type Export struct {
	Licences   []Licence  `json:"licences"`
	Properties []Property `json:"properties"`
}

// Export returns every record.
func (s *Store) Export(ctx context.Context) (*Export, error) {
	e := &Export{Licences: []Licence{}, Properties: []Property{}}
	rows, err := s.db.QueryContext(ctx, `SELECT uscc FROM licences ORDER BY uscc`)
	if err != nil {
		return nil, fmt.Errorf("registry: %w", err)
	}
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return nil, fmt.Errorf("registry: %w", err)
		}
		ids = append(ids, id)
	}
	rows.Close()
	for _, id := range ids {
		l, err := s.Licence(ctx, id)
		if err != nil {
			return nil, err
		}
		e.Licences = append(e.Licences, *l)
	}
	prow, err := s.db.QueryContext(ctx, `SELECT number, location, area_m2, usage, status FROM properties ORDER BY number`)
	if err != nil {
		return nil, fmt.Errorf("registry: %w", err)
	}
	defer prow.Close()
	for prow.Next() {
		var p Property
		if err := prow.Scan(&p.Number, &p.Location, &p.AreaM2, &p.Usage, &p.Status); err != nil {
			return nil, fmt.Errorf("registry: %w", err)
		}
		e.Properties = append(e.Properties, p)
	}
	return e, prow.Err()
}

// Import stores every record of e in one transaction (all or none); a
// licence's permits are replaced by those given.
func (s *Store) Import(ctx context.Context, e *Export) (ImportResult, error) {
	var res ImportResult
	err := s.tx(ctx, func(tx *sql.Tx) error {
		for i, l := range e.Licences {
			if err := putLicence(ctx, tx, l, true); err != nil {
				return fmt.Errorf("licence %d: %w", i+1, err)
			}
			res.Licences++
			res.Permits += len(l.Permits)
		}
		for i, p := range e.Properties {
			if err := putProperty(ctx, tx, p); err != nil {
				return fmt.Errorf("property %d: %w", i+1, err)
			}
			res.Properties++
		}
		return nil
	})
	if err != nil {
		return ImportResult{}, err
	}
	return res, nil
}
