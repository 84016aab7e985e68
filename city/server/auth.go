package server

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strings"
	gosync "sync"
	"time"

	"golang.org/x/crypto/bcrypt"

	"hallkiosk/city/store"
)

// Session settings, as on the hall's pages: an HttpOnly, SameSite=Strict
// cookie (Secure over TLS) or a bearer token, 12 h at most and ended after
// Options.SessionIdle (30 min) unused, only its hash stored; five failed
// logins lock a name for a minute; writes need a JSON body, and with the
// cookie the session's CSRF token in X-CSRF-Token and this server as
// their Origin (or Referer).
const (
	sessionCookie = "hk_city_session"
	sessionTTL    = 12 * time.Hour
	sessionIdle   = 30 * time.Minute
	maxFails      = 5
	lockFor       = time.Minute
	// CSRFHeader carries the session's CSRF token on state-changing
	// requests made with the session cookie (a cross-site form cannot set it).
	CSRFHeader = "X-CSRF-Token"
)

// BcryptCost is the cost of new password hashes (tests lower it).
var BcryptCost = bcrypt.DefaultCost

type failures struct {
	mu    gosync.Mutex
	n     int
	until time.Time
}

func tokenHash(tok string) []byte {
	h := sha256.Sum256([]byte(tok))
	return h[:]
}

// csrfToken derives a session's CSRF token from its token hash.
func csrfToken(th []byte) string {
	m := hmac.New(sha256.New, []byte("hallkiosk city csrf"))
	m.Write(th)
	return hex.EncodeToString(m.Sum(nil))[:32]
}

// Roles are the city's roles.
var Roles = []string{"admin", "supervisor", "technician"}

// Bootstrap makes an admin account when there is none, with a random
// password that it returns (to be shown once); "" when accounts exist.
func (s *Server) Bootstrap(ctx context.Context, name string) (string, error) {
	n, err := s.st.Accounts(ctx)
	if err != nil || n > 0 {
		return "", err
	}
	var b [12]byte
	rand.Read(b[:])
	pw := base64.RawURLEncoding.EncodeToString(b[:])
	return pw, s.SetPassword(ctx, name, "admin", pw)
}

// SetPassword creates or replaces an account.
func (s *Server) SetPassword(ctx context.Context, name, role, password string) error {
	if name == "" || len(name) > 64 || !slices.Contains(Roles, role) || len(password) < 10 || len(password) > 72 {
		return errors.New("city: account: want a name, role admin|supervisor|technician and a password of 10..72 bytes")
	}
	h, err := bcrypt.GenerateFromPassword([]byte(password), BcryptCost)
	if err != nil {
		return err
	}
	return s.st.PutAccount(ctx, store.Account{Name: name, Role: role, Hash: string(h)})
}

func (s *Server) handleLogin(w http.ResponseWriter, r *http.Request) {
	var req struct {
		User     string `json:"user"`
		Password string `json:"password"`
	}
	if err := decodeStrict(r, 4096, &req); err != nil {
		apiError(w, http.StatusBadRequest, "malformed", "city: login: "+err.Error())
		return
	}
	now := s.opts.Now()
	fv, _ := s.fails.LoadOrStore(req.User, &failures{})
	f := fv.(*failures)
	f.mu.Lock()
	locked := now.Before(f.until)
	f.mu.Unlock()
	if locked {
		apiError(w, http.StatusTooManyRequests, "locked", "city: too many failed logins; wait a minute")
		return
	}
	a, err := s.st.Account(r.Context(), req.User)
	ok := err == nil && bcrypt.CompareHashAndPassword([]byte(a.Hash), []byte(req.Password)) == nil && !a.Disabled
	if !ok {
		f.mu.Lock()
		f.n++
		if f.n >= maxFails {
			f.n, f.until = 0, now.Add(lockFor)
			s.log.Warn("city: login locked for a minute after failed logins", "remote", r.RemoteAddr)
		}
		f.mu.Unlock()
		s.log.Warn("city: login failed", "remote", r.RemoteAddr)
		apiError(w, http.StatusUnauthorized, "bad_login", "city: wrong user or password")
		return
	}
	f.mu.Lock()
	f.n = 0
	f.mu.Unlock()
	var b [32]byte
	rand.Read(b[:])
	tok := base64.RawURLEncoding.EncodeToString(b[:])
	exp := now.Add(sessionTTL)
	if err := s.st.AddSession(r.Context(), tokenHash(tok), a.Name, exp); err != nil {
		apiError(w, http.StatusInternalServerError, "internal", "city: session")
		return
	}
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: tok, Path: "/", Expires: exp, HttpOnly: true, Secure: s.opts.SecureCookies, SameSite: http.SameSiteStrictMode})
	writeJSON(w, map[string]string{"token": tok, "role": a.Role, "expires": exp.In(s.opts.Zone).Format(time.RFC3339), "csrf": csrfToken(tokenHash(tok))})
}

func sessionToken(r *http.Request) string {
	if h := r.Header.Get("Authorization"); strings.HasPrefix(h, "Bearer ") {
		return strings.TrimPrefix(h, "Bearer ")
	}
	if c, err := r.Cookie(sessionCookie); err == nil {
		return c.Value
	}
	return ""
}

func (s *Server) handleLogout(w http.ResponseWriter, r *http.Request) {
	if tok := sessionToken(r); tok != "" {
		s.st.EndSession(r.Context(), tokenHash(tok))
	}
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: "", Path: "/", MaxAge: -1, HttpOnly: true, Secure: s.opts.SecureCookies, SameSite: http.SameSiteStrictMode})
	w.WriteHeader(http.StatusNoContent)
}

// account returns the signed-in account of r, nil when none.
func (s *Server) account(r *http.Request) *store.Account {
	a, _ := s.session(r)
	return a
}

// session returns the signed-in account of r (nil when none) and whether
// its token came in the cookie (a browser: CSRF checks apply).
func (s *Server) session(r *http.Request) (*store.Account, bool) {
	tok := sessionToken(r)
	if tok == "" {
		return nil, false
	}
	a, err := s.st.Session(r.Context(), tokenHash(tok), s.opts.Now(), s.opts.SessionIdle)
	if err != nil {
		return nil, false
	}
	return a, !strings.HasPrefix(r.Header.Get("Authorization"), "Bearer ")
}

// sameOrigin reports whether r's Origin (or, without one, its Referer)
// names this server.
func sameOrigin(r *http.Request) bool {
	src := r.Header.Get("Origin")
	if src == "" {
		src = r.Header.Get("Referer")
	}
	u, err := url.Parse(src)
	if src == "" || src == "null" || err != nil || u.Host == "" {
		return false
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return strings.EqualFold(u.Host, r.Host) && u.Scheme == scheme
}

// csrfOK checks a state-changing request made with the session cookie:
// this server as its origin and the session's CSRF token. "" when it
// passes, else the reason. Bearer tokens are no ambient credential.
func csrfOK(r *http.Request, cookie bool) string {
	if r.Method == http.MethodGet || r.Method == http.MethodHead || !cookie {
		return ""
	}
	if !sameOrigin(r) {
		return "origin"
	}
	if !hmac.Equal([]byte(r.Header.Get(CSRFHeader)), []byte(csrfToken(tokenHash(sessionToken(r))))) {
		return "token"
	}
	return ""
}

// need wraps h so that only accounts with one of roles (admin always) get
// through; state-changing requests need JSON and, with the cookie, the
// session's CSRF token.
func (s *Server) need(h http.HandlerFunc, roles ...string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		a, cookie := s.session(r)
		if a == nil {
			apiError(w, http.StatusUnauthorized, "unauthenticated", "city: sign in first")
			return
		}
		if a.Role != "admin" && !slices.Contains(roles, a.Role) {
			apiError(w, http.StatusForbidden, "forbidden", "city: your role may not do this")
			return
		}
		if why := csrfOK(r, cookie); why != "" {
			s.log.Warn("city: request refused without CSRF proof", "why", why, "path", r.URL.Path, "remote", r.RemoteAddr)
			apiError(w, http.StatusForbidden, "csrf", "city: state-changing request without this server's CSRF token ("+why+")")
			return
		}
		if r.Method == http.MethodPost && !strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
			apiError(w, http.StatusUnsupportedMediaType, "malformed", "city: want Content-Type application/json")
			return
		}
		h(w, r)
	}
}

// handleMe serves GET /api/v1/me: the signed-in account, its role and
// the session's CSRF token (for the pages' scripts).
func (s *Server) handleMe(w http.ResponseWriter, r *http.Request) {
	a := s.account(r)
	if a == nil {
		apiError(w, http.StatusUnauthorized, "unauthenticated", "city: sign in first")
		return
	}
	writeJSON(w, map[string]string{"user": a.Name, "role": a.Role, "csrf": csrfToken(tokenHash(sessionToken(r)))})
}
