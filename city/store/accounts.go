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
	Name string
	Role string // admin, supervisor, technician
	Hash string // bcrypt
}

// PutAccount creates or replaces an account.
func (s *Store) PutAccount(ctx context.Context, a Account) error {
	_, err := s.pool.Exec(ctx, `INSERT INTO accounts (name, role, hash) VALUES ($1,$2,$3)
ON CONFLICT (name) DO UPDATE SET role=excluded.role, hash=excluded.hash`, a.Name, a.Role, a.Hash)
	if err != nil {
		return fmt.Errorf("store: account: %w", err)
	}
	_, err = s.pool.Exec(ctx, `DELETE FROM sessions WHERE name=$1`, a.Name)
	return err
}

// Account returns one account.
func (s *Store) Account(ctx context.Context, name string) (*Account, error) {
	var a Account
	err := s.pool.QueryRow(ctx, `SELECT name, role, hash FROM accounts WHERE name=$1`, name).Scan(&a.Name, &a.Role, &a.Hash)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, ErrNotFound
	} else if err != nil {
		return nil, fmt.Errorf("store: account: %w", err)
	}
	return &a, nil
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

// Session returns the account of a live session.
func (s *Store) Session(ctx context.Context, tokenHash []byte, now time.Time) (*Account, error) {
	var a Account
	err := s.pool.QueryRow(ctx, `SELECT a.name, a.role, a.hash FROM sessions s JOIN accounts a ON a.name=s.name WHERE s.token_hash=$1 AND s.expires_at > $2`, tokenHash, now).Scan(&a.Name, &a.Role, &a.Hash)
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
