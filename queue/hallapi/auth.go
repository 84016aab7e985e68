package hallapi

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"time"

	"golang.org/x/crypto/bcrypt"
)

// Role is a staff account's role.
type Role string

// Roles. Admin may do everything; supervisor everything staff may plus
// statistics, notices and requeueing any ticket; technician reads status,
// metrics and the audit trail.
const (
	RoleStaff      Role = "staff"
	RoleSupervisor Role = "supervisor"
	RoleTechnician Role = "technician"
	RoleAdmin      Role = "admin"
)

// Valid reports whether r is a known role.
func (r Role) Valid() bool {
	return slices.Contains([]Role{RoleStaff, RoleSupervisor, RoleTechnician, RoleAdmin}, r)
}

// User is a staff account (the password hash never leaves the store).
type User struct {
	Name    string `json:"name"`
	Display string `json:"display"`
	Role    Role   `json:"role"`
	Window  int    `json:"window,omitempty"` // default window of the caller page
}

const authSchema = `
CREATE TABLE IF NOT EXISTS users (
	name TEXT PRIMARY KEY, display TEXT NOT NULL, role TEXT NOT NULL, hash TEXT NOT NULL,
	window INTEGER NOT NULL DEFAULT 0, created INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS sessions (
	token_hash TEXT PRIMARY KEY, user TEXT NOT NULL, expires INTEGER NOT NULL
);
`

// bcryptCost is the cost of new password hashes (tests lower it).
var bcryptCost = bcrypt.DefaultCost

var userRe = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{0,31}$`)

// AddUser creates or replaces an account with a bcrypt hash of password.
func (s *Server) AddUser(ctx context.Context, u User, password string) error {
	if !userRe.MatchString(u.Name) {
		return fmt.Errorf("hallapi: user name %q: want lowercase letters, digits, . _ -", u.Name)
	}
	if !u.Role.Valid() {
		return fmt.Errorf("hallapi: unknown role %q", u.Role)
	}
	if len(password) < 8 {
		return errors.New("hallapi: password shorter than 8 characters")
	}
	h, err := bcrypt.GenerateFromPassword([]byte(password), bcryptCost)
	if err != nil {
		return fmt.Errorf("hallapi: hash password: %w", err)
	}
	return s.addUserHash(ctx, u, string(h))
}

func (s *Server) addUserHash(ctx context.Context, u User, hash string) error {
	if u.Display == "" {
		u.Display = u.Name
	}
	_, err := s.db.ExecContext(ctx, `INSERT INTO users(name, display, role, hash, window, created) VALUES (?,?,?,?,?,?)
ON CONFLICT(name) DO UPDATE SET display=excluded.display, role=excluded.role, hash=excluded.hash, window=excluded.window`,
		u.Name, u.Display, string(u.Role), hash, u.Window, s.now().Unix())
	if err != nil {
		return fmt.Errorf("hallapi: save user: %w", err)
	}
	s.sessMu.Lock()
	clear(s.sessions)
	s.sessMu.Unlock()
	return nil
}

// Users lists the accounts.
func (s *Server) Users(ctx context.Context) ([]User, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT name, display, role, window FROM users ORDER BY name`)
	if err != nil {
		return nil, fmt.Errorf("hallapi: users: %w", err)
	}
	defer rows.Close()
	var out []User
	for rows.Next() {
		var u User
		var role string
		if err := rows.Scan(&u.Name, &u.Display, &role, &u.Window); err != nil {
			return nil, fmt.Errorf("hallapi: users: %w", err)
		}
		u.Role = Role(role)
		out = append(out, u)
	}
	return out, rows.Err()
}

// Bootstrap makes sure an admin account exists. With no accounts at all it
// creates user (default "admin") from a configured bcrypt hash, or with a
// random one-time password that it returns (to be printed once).
func (s *Server) Bootstrap(ctx context.Context, user, bcryptHash string) (password string, err error) {
	var n int
	if err := s.db.QueryRowContext(ctx, `SELECT count(*) FROM users`).Scan(&n); err != nil {
		return "", fmt.Errorf("hallapi: count users: %w", err)
	}
	if n > 0 {
		return "", nil
	}
	if user == "" {
		user = "admin"
	}
	u := User{Name: user, Display: "管理员", Role: RoleAdmin}
	if bcryptHash != "" {
		if _, err := bcrypt.Cost([]byte(bcryptHash)); err != nil {
			return "", fmt.Errorf("hallapi: admin password hash: %w", err)
		}
		return "", s.addUserHash(ctx, u, bcryptHash)
	}
	password = randomToken(9)
	return password, s.AddUser(ctx, u, password)
}

func randomToken(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}

func tokenHash(tok string) string {
	h := sha256.Sum256([]byte(tok))
	return hex.EncodeToString(h[:])
}

// login checks a password and opens a session.
func (s *Server) login(ctx context.Context, name, password string) (string, *User, time.Time, error) {
	var u User
	var role, hash string
	err := s.db.QueryRowContext(ctx, `SELECT name, display, role, hash, window FROM users WHERE name=?`, name).Scan(&u.Name, &u.Display, &role, &hash, &u.Window)
	if errors.Is(err, sql.ErrNoRows) {
		// Spend the same time as a wrong password.
		bcrypt.CompareHashAndPassword([]byte("$2a$10$7EqJtq98hPqEX7fNZaFWoOhi5BWX4Z6YTCoQ9Ar8JmhwuTALUKQXG"), []byte(password))
		return "", nil, time.Time{}, errLogin
	}
	if err != nil {
		return "", nil, time.Time{}, fmt.Errorf("hallapi: login: %w", err)
	}
	if bcrypt.CompareHashAndPassword([]byte(hash), []byte(password)) != nil {
		return "", nil, time.Time{}, errLogin
	}
	u.Role = Role(role)
	tok := randomToken(32)
	exp := s.now().Add(s.cfg.SessionTTL)
	if _, err := s.db.ExecContext(ctx, `INSERT INTO sessions(token_hash, user, expires) VALUES (?,?,?)`, tokenHash(tok), u.Name, exp.Unix()); err != nil {
		return "", nil, time.Time{}, fmt.Errorf("hallapi: session: %w", err)
	}
	s.db.ExecContext(ctx, `DELETE FROM sessions WHERE expires < ?`, s.now().Unix())
	return tok, &u, exp, nil
}

var errLogin = errors.New("hallapi: wrong user name or password")

const cookieName = "hk_session"

func sessionToken(r *http.Request) string {
	if h := r.Header.Get("Authorization"); strings.HasPrefix(h, "Bearer ") {
		return strings.TrimPrefix(h, "Bearer ")
	}
	if c, err := r.Cookie(cookieName); err == nil {
		return c.Value
	}
	return ""
}

// userOf returns the session's user, nil when not signed in or expired.
func (s *Server) userOf(r *http.Request) *User {
	tok := sessionToken(r)
	if tok == "" {
		return nil
	}
	th := tokenHash(tok)
	s.sessMu.Lock()
	c, ok := s.sessions[th]
	s.sessMu.Unlock()
	if ok {
		if s.now().Before(c.exp) {
			u := c.user
			return &u
		}
		s.sessMu.Lock()
		delete(s.sessions, th)
		s.sessMu.Unlock()
		return nil
	}
	var u User
	var role string
	var exp int64
	err := s.db.QueryRowContext(r.Context(), `SELECT u.name, u.display, u.role, u.window, s.expires FROM sessions s JOIN users u ON u.name = s.user WHERE s.token_hash=?`, tokenHash(tok)).
		Scan(&u.Name, &u.Display, &role, &u.Window, &exp)
	if err != nil || s.now().Unix() >= exp {
		return nil
	}
	u.Role = Role(role)
	s.sessMu.Lock()
	s.sessions[th] = cachedSession{user: u, exp: time.Unix(exp, 0)}
	s.sessMu.Unlock()
	return &u
}

type cachedSession struct {
	user User
	exp  time.Time
}

func (s *Server) logout(r *http.Request) {
	if tok := sessionToken(r); tok != "" {
		s.sessMu.Lock()
		delete(s.sessions, tokenHash(tok))
		s.sessMu.Unlock()
		s.db.ExecContext(r.Context(), `DELETE FROM sessions WHERE token_hash=?`, tokenHash(tok))
	}
}

// allowed reports whether role may use a route needing one of need.
func allowed(role Role, need []Role) bool {
	if role == RoleAdmin {
		return true
	}
	for _, n := range need {
		if n == role || n == RoleStaff && role == RoleSupervisor {
			return true
		}
	}
	return false
}

// device returns the kiosk id of a request carrying "Authorization: Device
// id:secret" that matches the configured kiosk keys.
func (s *Server) device(r *http.Request) string {
	h := r.Header.Get("Authorization")
	if !strings.HasPrefix(h, "Device ") {
		return ""
	}
	id, secret, ok := strings.Cut(strings.TrimPrefix(h, "Device "), ":")
	if !ok {
		return ""
	}
	want, found := s.cfg.Kiosks[id]
	if !found || !constantEq(want, secret) {
		return ""
	}
	return id
}

func constantEq(a, b string) bool {
	ha, hb := sha256.Sum256([]byte(a)), sha256.Sum256([]byte(b))
	return ha == hb
}

// HasRole reports whether the request carries a live staff session with
// one of roles (admin always qualifies; supervisor qualifies for staff).
// Mounted handlers (e.g. the registry's imports) use it.
func (s *Server) HasRole(r *http.Request, roles ...Role) bool {
	u := s.userOf(r)
	return u != nil && allowed(u.Role, roles)
}

// changePassword sets a new password after checking the old one, and ends
// the user's other sessions.
func (s *Server) changePassword(ctx context.Context, u *User, old, new string) error {
	var hash string
	if err := s.db.QueryRowContext(ctx, `SELECT hash FROM users WHERE name=?`, u.Name).Scan(&hash); err != nil {
		return fmt.Errorf("hallapi: password: %w", err)
	}
	if bcrypt.CompareHashAndPassword([]byte(hash), []byte(old)) != nil {
		return errLogin
	}
	if err := s.AddUser(ctx, *u, new); err != nil {
		return err
	}
	if _, err := s.db.ExecContext(ctx, `DELETE FROM sessions WHERE user=?`, u.Name); err != nil {
		return fmt.Errorf("hallapi: password: %w", err)
	}
	s.sessMu.Lock()
	clear(s.sessions)
	s.sessMu.Unlock()
	return nil
}
