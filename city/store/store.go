// Package store keeps the city tier's data in PostgreSQL (pgx): the sites
// and their enrolment, every site's event log in monthly partitions, the
// fleet of kiosks, the catalogue's 事项 codes and the reporters'
// checkpoints. The schema comes from embedded migrations (goose) and leads
// every key with site_id so it distributes by site on Citus.
package store

import (
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"errors"
	"fmt"
	"io/fs"
	gosync "sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"hallkiosk/city/wire"
)

// Store is the city database.
type Store struct {
	pool  *pgxpool.Pool
	mu    gosync.Mutex
	parts map[string]bool // partitions known to exist, by name
}

// Open connects to the database at url (a PostgreSQL URL such as
// postgres:///hallcity?host=/run/postgresql). It does not migrate.
func Open(ctx context.Context, url string) (*Store, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("store: database url: %w", err)
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("store: %w", err)
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("store: connect: %w", err)
	}
	return &Store{pool: pool, parts: map[string]bool{}}, nil
}

// Close closes the connections.
func (s *Store) Close() { s.pool.Close() }

// Pool returns the connection pool (benchmarks measure COPY on it).
func (s *Store) Pool() *pgxpool.Pool { return s.pool }

func mustSub() fs.FS {
	f, err := fs.Sub(migrations, "migrations")
	if err != nil {
		panic(err)
	}
	return f
}

// Errors callers branch on.
var (
	ErrNotFound    = errors.New("store: not found")
	ErrRevoked     = errors.New("store: site revoked")
	ErrBadCode     = errors.New("store: enrolment code unknown, expired or used by another key")
	ErrExists      = errors.New("store: already exists")
	ErrNotEnrolled = errors.New("store: site not enrolled")
)

// Site is one site (a hall or a township box) as the city knows it.
type Site struct {
	ID         string
	Name       string
	Kind       string // "hall" or "township"
	RegionCode string
	PublicKey  ed25519.PublicKey
	Revoked    bool
	LastSeq    int64
	LastHeard  time.Time
	SkewMS     int64
	Status     wire.Status
	Software   string
}

// AddSite registers a site before it enrols.
func (s *Store) AddSite(ctx context.Context, id, name, kind, region string) error {
	if !wire.ValidSite(id) {
		return fmt.Errorf("store: bad site id %q", id)
	}
	if kind != "hall" && kind != "township" {
		return fmt.Errorf("store: kind %q: want hall or township", kind)
	}
	tag, err := s.pool.Exec(ctx, `INSERT INTO sites (site_id, name, kind, region_code) VALUES ($1,$2,$3,$4) ON CONFLICT (site_id) DO NOTHING`, id, name, kind, region)
	if err != nil {
		return fmt.Errorf("store: add site: %w", err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("%w: site %s", ErrExists, id)
	}
	return nil
}

// AddCode stores the hash of a one-time enrolment secret for site.
func (s *Store) AddCode(ctx context.Context, site string, secret string, expires time.Time) error {
	h := sha256.Sum256([]byte(secret))
	tag, err := s.pool.Exec(ctx, `INSERT INTO enrol_codes (site_id, code_hash, expires_at) SELECT site_id, $2, $3 FROM sites WHERE site_id=$1 AND revoked_at IS NULL`, site, h[:], expires)
	if err != nil {
		return fmt.Errorf("store: add code: %w", err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("%w: site %s (or revoked)", ErrNotFound, site)
	}
	return nil
}

// Enrol binds pub to the site whose unexpired code has secret. The same key
// retrying gets the same answer; another key is refused.
func (s *Store) Enrol(ctx context.Context, secret string, pub ed25519.PublicKey, software string, now time.Time) (*Site, error) {
	h := sha256.Sum256([]byte(secret))
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return nil, fmt.Errorf("store: enrol: %w", err)
	}
	defer tx.Rollback(ctx)
	var site string
	var used []byte
	var expires time.Time
	err = tx.QueryRow(ctx, `SELECT site_id, used_key, expires_at FROM enrol_codes WHERE code_hash=$1 FOR UPDATE`, h[:]).Scan(&site, &used, &expires)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, ErrBadCode
	} else if err != nil {
		return nil, fmt.Errorf("store: enrol: %w", err)
	}
	if used != nil && string(used) != string(pub) {
		return nil, ErrBadCode
	}
	if used == nil && now.After(expires) {
		return nil, ErrBadCode
	}
	var revoked bool
	if err := tx.QueryRow(ctx, `SELECT revoked_at IS NOT NULL FROM sites WHERE site_id=$1 FOR UPDATE`, site).Scan(&revoked); err != nil {
		return nil, fmt.Errorf("store: enrol: %w", err)
	}
	if revoked {
		return nil, ErrRevoked
	}
	if _, err := tx.Exec(ctx, `UPDATE enrol_codes SET used_key=$2 WHERE code_hash=$1`, h[:], []byte(pub)); err != nil {
		return nil, fmt.Errorf("store: enrol: %w", err)
	}
	if _, err := tx.Exec(ctx, `UPDATE sites SET public_key=$2, enrolled_at=$3, software=$4 WHERE site_id=$1`, site, []byte(pub), now, software); err != nil {
		return nil, fmt.Errorf("store: enrol: %w", err)
	}
	if err := tx.Commit(ctx); err != nil {
		return nil, fmt.Errorf("store: enrol: %w", err)
	}
	return s.Site(ctx, site)
}

// Revoke refuses the site from now on.
func (s *Store) Revoke(ctx context.Context, site string, now time.Time) error {
	tag, err := s.pool.Exec(ctx, `UPDATE sites SET revoked_at=$2 WHERE site_id=$1 AND revoked_at IS NULL`, site, now)
	if err != nil {
		return fmt.Errorf("store: revoke: %w", err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("%w: site %s", ErrNotFound, site)
	}
	return nil
}

const siteCols = `site_id, name, kind, region_code, COALESCE(public_key, ''::bytea), revoked_at IS NOT NULL, last_seq, COALESCE(last_heard, 'epoch'), skew_ms, status, software`

func scanSite(row pgx.Row) (*Site, error) {
	var st Site
	var pub []byte
	if err := row.Scan(&st.ID, &st.Name, &st.Kind, &st.RegionCode, &pub, &st.Revoked, &st.LastSeq, &st.LastHeard, &st.SkewMS, &st.Status, &st.Software); err != nil {
		return nil, err
	}
	if len(pub) > 0 {
		st.PublicKey = ed25519.PublicKey(pub)
	}
	return &st, nil
}

// Site returns one site.
func (s *Store) Site(ctx context.Context, id string) (*Site, error) {
	st, err := scanSite(s.pool.QueryRow(ctx, `SELECT `+siteCols+` FROM sites WHERE site_id=$1`, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, fmt.Errorf("%w: site %s", ErrNotFound, id)
	} else if err != nil {
		return nil, fmt.Errorf("store: site: %w", err)
	}
	return st, nil
}

// Sites returns every site, by id.
func (s *Store) Sites(ctx context.Context) ([]*Site, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+siteCols+` FROM sites ORDER BY site_id`)
	if err != nil {
		return nil, fmt.Errorf("store: sites: %w", err)
	}
	defer rows.Close()
	var out []*Site
	for rows.Next() {
		st, err := scanSite(rows)
		if err != nil {
			return nil, fmt.Errorf("store: sites: %w", err)
		}
		out = append(out, st)
	}
	return out, rows.Err()
}
