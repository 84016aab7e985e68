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
	"strconv"
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
	// Windows are the windows the account may staff (with Window);
	// supervisors and admins may sign in at any window.
	Windows  []int `json:"windows,omitempty"`
	Disabled bool  `json:"disabled,omitempty"`
}

// MayStaff reports whether u may sign in at window n.
func (u *User) MayStaff(n int) bool {
	if u.Role == RoleSupervisor || u.Role == RoleAdmin {
		return true
	}
	return u.Role == RoleStaff && n > 0 && (n == u.Window || slices.Contains(u.Windows, n))
}

// HallWide reports whether u may act on every window (supervisor, admin).
func (u *User) HallWide() bool { return u.Role == RoleSupervisor || u.Role == RoleAdmin }

func windowsText(ws []int) string {
	parts := make([]string, 0, len(ws))
	for _, w := range ws {
		parts = append(parts, strconv.Itoa(w))
	}
	return strings.Join(parts, ",")
}

func parseWindows(s string) []int {
	var out []int
	for _, p := range strings.Split(s, ",") {
		if n, err := strconv.Atoi(strings.TrimSpace(p)); err == nil && n > 0 {
			out = append(out, n)
		}
	}
	return out
}

const authSchema = `
CREATE TABLE IF NOT EXISTS users (
	name TEXT PRIMARY KEY, display TEXT NOT NULL, role TEXT NOT NULL, hash TEXT NOT NULL,
	window INTEGER NOT NULL DEFAULT 0, created INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS sessions (
	token_hash TEXT PRIMARY KEY, user TEXT NOT NULL, expires INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS auth_audit (
	seq INTEGER PRIMARY KEY AUTOINCREMENT, at INTEGER NOT NULL, kind TEXT NOT NULL, actor TEXT NOT NULL,
	user TEXT NOT NULL, address TEXT NOT NULL, detail TEXT NOT NULL
);
`

// authColumns are added to tables of an earlier version (guarded, so an
// existing database opens).
var authColumns = []struct{ table, column, decl string }{
	{"users", "windows", "TEXT NOT NULL DEFAULT ''"},
	{"users", "disabled", "INTEGER NOT NULL DEFAULT 0"},
	{"sessions", "window", "INTEGER NOT NULL DEFAULT 0"},
}

func (s *Server) migrate(ctx context.Context) error {
	if _, err := s.db.ExecContext(ctx, authSchema); err != nil {
		return err
	}
	for _, c := range authColumns {
		var n int
		if err := s.db.QueryRowContext(ctx, `SELECT count(*) FROM pragma_table_info(?) WHERE name=?`, c.table, c.column).Scan(&n); err != nil {
			return err
		}
		if n == 0 {
			if _, err := s.db.ExecContext(ctx, `ALTER TABLE `+c.table+` ADD COLUMN "`+c.column+`" `+c.decl); err != nil {
				return err
			}
		}
	}
	return nil
}

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
	if err := checkText(u.Display); err != nil {
		return err
	}
	var existed int
	s.db.QueryRowContext(ctx, `SELECT count(*) FROM users WHERE name=?`, u.Name).Scan(&existed)
	_, err := s.db.ExecContext(ctx, `INSERT INTO users(name, display, role, hash, window, created, windows, disabled) VALUES (?,?,?,?,?,?,?,?)
ON CONFLICT(name) DO UPDATE SET display=excluded.display, role=excluded.role, hash=excluded.hash, window=excluded.window, windows=excluded.windows, disabled=excluded.disabled`,
		u.Name, u.Display, string(u.Role), hash, u.Window, s.now().Unix(), windowsText(u.Windows), boolInt(u.Disabled))
	if err != nil {
		return fmt.Errorf("hallapi: save user: %w", err)
	}
	if existed > 0 {
		// A replaced account (new password, role or windows) starts afresh.
		return s.endSessions(ctx, u.Name, "")
	}
	return nil
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// Users lists the accounts.
func (s *Server) Users(ctx context.Context) ([]User, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT name, display, role, window, windows, disabled FROM users ORDER BY name`)
	if err != nil {
		return nil, fmt.Errorf("hallapi: users: %w", err)
	}
	defer rows.Close()
	out := []User{}
	for rows.Next() {
		var u User
		var role, ws string
		var dis int
		if err := rows.Scan(&u.Name, &u.Display, &role, &u.Window, &ws, &dis); err != nil {
			return nil, fmt.Errorf("hallapi: users: %w", err)
		}
		u.Role, u.Windows, u.Disabled = Role(role), parseWindows(ws), dis != 0
		out = append(out, u)
	}
	return out, rows.Err()
}

// user returns one account, nil when none.
func (s *Server) user(ctx context.Context, name string) (*User, string, error) {
	var u User
	var role, ws, hash string
	var dis int
	err := s.db.QueryRowContext(ctx, `SELECT name, display, role, window, windows, disabled, hash FROM users WHERE name=?`, name).
		Scan(&u.Name, &u.Display, &role, &u.Window, &ws, &dis, &hash)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, "", nil
	}
	if err != nil {
		return nil, "", fmt.Errorf("hallapi: user: %w", err)
	}
	u.Role, u.Windows, u.Disabled = Role(role), parseWindows(ws), dis != 0
	return &u, hash, nil
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

// login checks a password and opens a session, bound to window when it
// is not 0 (the account must be allowed to staff it).
func (s *Server) login(ctx context.Context, name, password string, window int) (string, *User, time.Time, error) {
	u, hash, err := s.user(ctx, name)
	if err != nil {
		return "", nil, time.Time{}, err
	}
	if u == nil {
		// Spend the same time as a wrong password.
		bcrypt.CompareHashAndPassword([]byte("$2a$10$7EqJtq98hPqEX7fNZaFWoOhi5BWX4Z6YTCoQ9Ar8JmhwuTALUKQXG"), []byte(password))
		return "", nil, time.Time{}, errLogin
	}
	if bcrypt.CompareHashAndPassword([]byte(hash), []byte(password)) != nil {
		return "", nil, time.Time{}, errLogin
	}
	if u.Disabled {
		return "", nil, time.Time{}, errDisabled
	}
	if window != 0 && !u.MayStaff(window) {
		return "", nil, time.Time{}, errNotYourWindow
	}
	tok := randomToken(32)
	exp := s.now().Add(s.cfg.SessionTTL)
	if _, err := s.db.ExecContext(ctx, `INSERT INTO sessions(token_hash, user, expires) VALUES (?,?,?)`, tokenHash(tok), u.Name, exp.Unix()); err != nil {
		return "", nil, time.Time{}, fmt.Errorf("hallapi: session: %w", err)
	}
	s.db.ExecContext(ctx, `DELETE FROM sessions WHERE expires < ?`, s.now().Unix())
	return tok, u, exp, nil
}

var (
	errDisabled      = errors.New("hallapi: account disabled")
	errNotYourWindow = errors.New("hallapi: the account may not staff that window")
)

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

// session is a live staff session.
type session struct {
	user   User
	window int    // the window the session is bound to, 0 none
	th     string // token hash
	cookie bool   // the token came in the cookie (browser): CSRF checks apply
}

// sessionOf returns the request's live session, nil when not signed in,
// expired or ended.
func (s *Server) sessionOf(r *http.Request) *session {
	tok := sessionToken(r)
	if tok == "" {
		return nil
	}
	_, bearer := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	th := tokenHash(tok)
	s.sessMu.Lock()
	c, ok := s.sessions[th]
	s.sessMu.Unlock()
	if ok {
		if s.now().Before(c.exp) {
			return &session{user: c.user, window: c.window, th: th, cookie: !bearer}
		}
		s.sessMu.Lock()
		delete(s.sessions, th)
		s.sessMu.Unlock()
		return nil
	}
	var u User
	var role, ws string
	var exp int64
	var win, dis int
	err := s.db.QueryRowContext(r.Context(), `SELECT u.name, u.display, u.role, u.window, u.windows, u.disabled, s.expires, s.window FROM sessions s JOIN users u ON u.name = s.user WHERE s.token_hash=?`, th).
		Scan(&u.Name, &u.Display, &role, &u.Window, &ws, &dis, &exp, &win)
	if err != nil || s.now().Unix() >= exp || dis != 0 {
		return nil
	}
	u.Role, u.Windows = Role(role), parseWindows(ws)
	s.sessMu.Lock()
	s.sessions[th] = cachedSession{user: u, exp: time.Unix(exp, 0), window: win}
	s.sessMu.Unlock()
	return &session{user: u, window: win, th: th, cookie: !bearer}
}

// userOf returns the session's user, nil when not signed in or expired.
func (s *Server) userOf(r *http.Request) *User {
	if ss := s.sessionOf(r); ss != nil {
		return &ss.user
	}
	return nil
}

type cachedSession struct {
	user   User
	exp    time.Time
	window int
}

// endSessions ends every session of user (except the one with token hash
// keep) at once and takes the user off the windows those sessions staffed.
func (s *Server) endSessions(ctx context.Context, user, keep string) error {
	rows, err := s.db.QueryContext(ctx, `SELECT window FROM sessions WHERE user=? AND token_hash != ? AND window > 0`, user, keep)
	if err != nil {
		return fmt.Errorf("hallapi: sessions: %w", err)
	}
	var wins []int
	for rows.Next() {
		var n int
		if rows.Scan(&n) == nil {
			wins = append(wins, n)
		}
	}
	rows.Close()
	if _, err := s.db.ExecContext(ctx, `DELETE FROM sessions WHERE user=? AND token_hash != ?`, user, keep); err != nil {
		return fmt.Errorf("hallapi: sessions: %w", err)
	}
	s.sessMu.Lock()
	clear(s.sessions)
	s.sessMu.Unlock()
	for _, n := range wins {
		s.e.SignOut(ctx, n, user)
	}
	return nil
}

// bindWindow binds session ss to window n: an earlier session of the same
// account at another window, and any other session at n, end (a takeover,
// audited); the engine puts the account at n and off its other windows.
func (s *Server) bindWindow(ctx context.Context, r *http.Request, ss *session, n int) error {
	if !ss.user.MayStaff(n) {
		s.audit(ctx, "window_refused", ss.user.Name, ss.user.Name, clientAddr(r), fmt.Sprintf("window %d", n))
		return errNotYourWindow
	}
	if _, err := s.e.Window(n); err != nil {
		return err
	}
	rows, err := s.db.QueryContext(ctx, `SELECT token_hash, user, window FROM sessions WHERE token_hash != ? AND window > 0 AND (user=? OR window=?)`, ss.th, ss.user.Name, n)
	if err != nil {
		return fmt.Errorf("hallapi: sessions: %w", err)
	}
	type old struct {
		th, user string
		window   int
	}
	var olds []old
	for rows.Next() {
		var o old
		if rows.Scan(&o.th, &o.user, &o.window) == nil {
			olds = append(olds, o)
		}
	}
	rows.Close()
	for _, o := range olds {
		s.db.ExecContext(ctx, `DELETE FROM sessions WHERE token_hash=?`, o.th)
		s.audit(ctx, "takeover", ss.user.Name, o.user, clientAddr(r), fmt.Sprintf("session at window %d ended by a sign-in at window %d", o.window, n))
		if o.user != ss.user.Name && o.window == n {
			continue // the engine's sign-in below replaces them at n
		}
		if o.window != n {
			s.e.SignOut(ctx, o.window, o.user)
		}
	}
	if _, err := s.db.ExecContext(ctx, `UPDATE sessions SET window=? WHERE token_hash=?`, n, ss.th); err != nil {
		return fmt.Errorf("hallapi: sessions: %w", err)
	}
	s.sessMu.Lock()
	clear(s.sessions)
	s.sessMu.Unlock()
	if _, _, err := s.e.SignInAt(ctx, n, ss.user.Name); err != nil {
		return err
	}
	ss.window = n
	s.audit(ctx, "signin", ss.user.Name, ss.user.Name, clientAddr(r), fmt.Sprintf("window %d", n))
	return nil
}

// audit records an account or session decision.
func (s *Server) audit(ctx context.Context, kind, actor, user, addr, detail string) {
	if _, err := s.db.ExecContext(ctx, `INSERT INTO auth_audit(at, kind, actor, user, address, detail) VALUES (?,?,?,?,?,?)`,
		s.now().UnixMilli(), kind, actor, user, addr, detail); err != nil {
		s.log.Error("hallapi: audit", "err", err)
	}
}

// AuditEntry is one account or session decision.
type AuditEntry struct {
	Seq     int64     `json:"seq"`
	At      time.Time `json:"at"`
	Kind    string    `json:"kind"`
	Actor   string    `json:"actor"`
	User    string    `json:"user"`
	Address string    `json:"address"`
	Detail  string    `json:"detail"`
}

// Audit returns the account and session decisions after seq (at most 1000).
func (s *Server) Audit(ctx context.Context, after int64) ([]AuditEntry, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT seq, at, kind, actor, user, address, detail FROM auth_audit WHERE seq > ? ORDER BY seq LIMIT 1000`, after)
	if err != nil {
		return nil, fmt.Errorf("hallapi: audit: %w", err)
	}
	defer rows.Close()
	out := []AuditEntry{}
	for rows.Next() {
		var a AuditEntry
		var at int64
		if err := rows.Scan(&a.Seq, &at, &a.Kind, &a.Actor, &a.User, &a.Address, &a.Detail); err != nil {
			return nil, fmt.Errorf("hallapi: audit: %w", err)
		}
		a.At = time.UnixMilli(at)
		out = append(out, a)
	}
	return out, rows.Err()
}

func (s *Server) logout(r *http.Request) {
	ss := s.sessionOf(r)
	if tok := sessionToken(r); tok != "" {
		s.sessMu.Lock()
		delete(s.sessions, tokenHash(tok))
		s.sessMu.Unlock()
		s.db.ExecContext(r.Context(), `DELETE FROM sessions WHERE token_hash=?`, tokenHash(tok))
	}
	if ss != nil && ss.window > 0 {
		s.e.SignOut(r.Context(), ss.window, ss.user.Name)
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
// A browser request that changes state must pass the CSRF check too.
func (s *Server) HasRole(r *http.Request, roles ...Role) bool {
	ss := s.sessionOf(r)
	if ss == nil || !allowed(ss.user.Role, roles) {
		return false
	}
	return s.csrfOK(r, ss) == ""
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
	cur, _, err := s.user(ctx, u.Name)
	if err != nil || cur == nil {
		return fmt.Errorf("hallapi: password: %w", err)
	}
	if err := s.AddUser(ctx, *cur, new); err != nil {
		return err
	}
	return s.endSessions(ctx, u.Name, "")
}
