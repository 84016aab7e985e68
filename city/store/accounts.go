package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// Account is a person's account on the city server.
type Account struct {
	Name     string
	Role     string // admin, supervisor, technician
	Hash     string // bcrypt
	Disabled bool
	Created  time.Time
}

// ErrLastAdmin refuses a change that would leave no enabled admin.
var ErrLastAdmin = errors.New("store: the last enabled admin cannot be removed, demoted or disabled")

// otherAdmin locks the accounts against concurrent changes (so two admins
// cannot each remove the other) and reports whether an enabled admin other than
// name remains.
func otherAdmin(ctx context.Context, tx pgx.Tx, name string) (bool, error) {
	if _, err := tx.Exec(ctx, `LOCK TABLE accounts IN SHARE ROW EXCLUSIVE MODE`); err != nil {
		return false, err
	}
	var n int
	err := tx.QueryRow(ctx, `SELECT count(*) FROM accounts WHERE role = 'admin' AND NOT disabled AND name <> $1`, name).Scan(&n)
	return n > 0, err
}

// change runs f on the account name in a transaction; when the change
// takes away an enabled admin (removes reports so), the last one is kept.
func (s *Store) change(ctx context.Context, name string, f func(tx pgx.Tx, a *Account) (removesAdmin bool, err error)) error {
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		others, err := otherAdmin(ctx, tx, name)
		if err != nil {
			return err
		}
		var a Account
		err = tx.QueryRow(ctx, `SELECT name, role, hash, disabled, created_at FROM accounts WHERE name=$1`, name).Scan(&a.Name, &a.Role, &a.Hash, &a.Disabled, &a.Created)
		if errors.Is(err, pgx.ErrNoRows) {
			return ErrNotFound
		} else if err != nil {
			return err
		}
		removes, err := f(tx, &a)
		if err != nil {
			return err
		}
		if removes && a.Role == "admin" && !a.Disabled && !others {
			return ErrLastAdmin
		}
		// Any change ends the account's sessions: it signs in again.
		_, err = tx.Exec(ctx, `DELETE FROM sessions WHERE name=$1`, name)
		return err
	})
	if err != nil && !errors.Is(err, ErrNotFound) && !errors.Is(err, ErrLastAdmin) {
		return fmt.Errorf("store: account: %w", err)
	}
	return err
}

// PutAccount creates or replaces an account (role and password; an
// existing account keeps its disabled mark). Demoting the last enabled
// admin is refused with ErrLastAdmin.
func (s *Store) PutAccount(ctx context.Context, a Account) error {
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		others, err := otherAdmin(ctx, tx, a.Name)
		if err != nil {
			return err
		}
		var role string
		var disabled bool
		err = tx.QueryRow(ctx, `SELECT role, disabled FROM accounts WHERE name=$1`, a.Name).Scan(&role, &disabled)
		if err == nil && role == "admin" && !disabled && a.Role != "admin" && !others {
			return ErrLastAdmin
		} else if err != nil && !errors.Is(err, pgx.ErrNoRows) {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO accounts (name, role, hash) VALUES ($1,$2,$3)
ON CONFLICT (name) DO UPDATE SET role=excluded.role, hash=excluded.hash`, a.Name, a.Role, a.Hash); err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `DELETE FROM sessions WHERE name=$1`, a.Name)
		return err
	})
	if err != nil && !errors.Is(err, ErrLastAdmin) {
		return fmt.Errorf("store: account: %w", err)
	}
	return err
}

// SetRole changes an account's role and ends its sessions.
func (s *Store) SetRole(ctx context.Context, name, role string) error {
	return s.change(ctx, name, func(tx pgx.Tx, a *Account) (bool, error) {
		_, err := tx.Exec(ctx, `UPDATE accounts SET role=$2 WHERE name=$1`, name, role)
		return role != "admin", err
	})
}

// SetHash replaces an account's password hash and ends its sessions.
func (s *Store) SetHash(ctx context.Context, name, hash string) error {
	return s.change(ctx, name, func(tx pgx.Tx, a *Account) (bool, error) {
		_, err := tx.Exec(ctx, `UPDATE accounts SET hash=$2 WHERE name=$1`, name, hash)
		return false, err
	})
}

// SetDisabled disables or enables an account; disabling ends its sessions.
func (s *Store) SetDisabled(ctx context.Context, name string, disabled bool) error {
	return s.change(ctx, name, func(tx pgx.Tx, a *Account) (bool, error) {
		_, err := tx.Exec(ctx, `UPDATE accounts SET disabled=$2 WHERE name=$1`, name, disabled)
		return disabled, err
	})
}

// DeleteAccount deletes an account and its sessions.
func (s *Store) DeleteAccount(ctx context.Context, name string) error {
	return s.change(ctx, name, func(tx pgx.Tx, a *Account) (bool, error) {
		_, err := tx.Exec(ctx, `DELETE FROM accounts WHERE name=$1`, name)
		return true, err
	})
}

// Account returns one account.
func (s *Store) Account(ctx context.Context, name string) (*Account, error) {
	var a Account
	err := s.pool.QueryRow(ctx, `SELECT name, role, hash, disabled, created_at FROM accounts WHERE name=$1`, name).Scan(&a.Name, &a.Role, &a.Hash, &a.Disabled, &a.Created)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, ErrNotFound
	} else if err != nil {
		return nil, fmt.Errorf("store: account: %w", err)
	}
	return &a, nil
}

// AccountList returns every account by name (hashes left out).
func (s *Store) AccountList(ctx context.Context) ([]Account, error) {
	rows, err := s.pool.Query(ctx, `SELECT name, role, disabled, created_at FROM accounts ORDER BY name`)
	if err != nil {
		return nil, fmt.Errorf("store: accounts: %w", err)
	}
	defer rows.Close()
	out := []Account{}
	for rows.Next() {
		var a Account
		if err := rows.Scan(&a.Name, &a.Role, &a.Disabled, &a.Created); err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

// Accounts counts the accounts.
func (s *Store) Accounts(ctx context.Context) (int, error) {
	var n int
	err := s.pool.QueryRow(ctx, `SELECT count(*) FROM accounts`).Scan(&n)
	return n, err
}

// AddSession stores a session by the hash of its token.
func (s *Store) AddSession(ctx context.Context, tokenHash []byte, name string, expires time.Time) error {
	_, err := s.pool.Exec(ctx, `INSERT INTO sessions (token_hash, name, expires_at) VALUES ($1,$2,$3)`, tokenHash, name, expires)
	return err
}

// Session returns the account of a live session: not expired, used
// within idle of now (idle 0: no idle limit), of an enabled account. It
// marks the session used at now.
func (s *Store) Session(ctx context.Context, tokenHash []byte, now time.Time, idle time.Duration) (*Account, error) {
	since := time.Time{}
	if idle > 0 {
		since = now.Add(-idle)
	}
	var a Account
	err := s.pool.QueryRow(ctx, `UPDATE sessions s SET last_seen = $2 FROM accounts a
WHERE a.name = s.name AND s.token_hash = $1 AND s.expires_at > $2 AND s.last_seen > $3 AND NOT a.disabled
RETURNING a.name, a.role, a.hash, a.disabled, a.created_at`, tokenHash, now, since).Scan(&a.Name, &a.Role, &a.Hash, &a.Disabled, &a.Created)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, ErrNotFound
	}
	return &a, err
}

// EndSession deletes a session.
func (s *Store) EndSession(ctx context.Context, tokenHash []byte) error {
	_, err := s.pool.Exec(ctx, `DELETE FROM sessions WHERE token_hash=$1`, tokenHash)
	return err
}

// AuditEntry is one audited account change.
type AuditEntry struct {
	ID     int64     `json:"id"`
	At     time.Time `json:"at"`
	Actor  string    `json:"actor"`
	Kind   string    `json:"kind"`
	Target string    `json:"target"`
	Remote string    `json:"remote"`
	Detail string    `json:"detail"`
}

// AddAudit records an account change.
func (s *Store) AddAudit(ctx context.Context, e AuditEntry) error {
	_, err := s.pool.Exec(ctx, `INSERT INTO account_audit (at, actor, kind, target, remote, detail) VALUES ($1,$2,$3,$4,$5,$6)`,
		e.At, e.Actor, e.Kind, e.Target, e.Remote, e.Detail)
	if err != nil {
		return fmt.Errorf("store: audit: %w", err)
	}
	return nil
}

// Audit returns the newest limit audit entries, newest first.
func (s *Store) Audit(ctx context.Context, limit int) ([]AuditEntry, error) {
	rows, err := s.pool.Query(ctx, `SELECT id, at, actor, kind, target, remote, detail FROM account_audit ORDER BY id DESC LIMIT $1`, limit)
	if err != nil {
		return nil, fmt.Errorf("store: audit: %w", err)
	}
	defer rows.Close()
	out := []AuditEntry{}
	for rows.Next() {
		var e AuditEntry
		if err := rows.Scan(&e.ID, &e.At, &e.Actor, &e.Kind, &e.Target, &e.Remote, &e.Detail); err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, rows.Err()
}
