// Package server is the city server's HTTP side: the uplink API that
// sites push their event logs to (enrolment with a one-time code, signed
// pushes), the supervisors' JSON API (sites, statistics, the 好差评
// export), administration (sites, codes, revocation, 事项 codes,
// accounts) and the pages (dashboard live over SSE).
package server

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"hallkiosk/internal/httpjson"
	"io"
	"log/slog"
	"net/http"
	"strings"
	gosync "sync"
	"time"

	"hallkiosk/city/store"
	"hallkiosk/city/wire"
)

// Options configure a Server.
type Options struct {
	Log *slog.Logger
	Now func() time.Time
	// Fingerprint is the SHA-256 (hex) of the city's TLS certificate; the
	// enrolment codes carry its first 16 digits so sites can pin it.
	Fingerprint string
	// RaterKey keys the hash that stands for 评价人 in the export.
	RaterKey []byte
	// RegionCode is the city's 行政区划 code, used for sites without their own.
	RegionCode string
	// Zone is the hall-local time zone for times shown to people (default Asia/Shanghai).
	Zone *time.Location
	// SecureCookies marks session cookies Secure (serving over TLS).
	SecureCookies bool
	// SessionIdle ends a session unused this long (default 30 min).
	SessionIdle time.Duration
}

// Server serves the city API and pages.
type Server struct {
	st    *store.Store
	opts  Options
	log   *slog.Logger
	mux   *http.ServeMux
	start time.Time

	nmu    gosync.Mutex
	nonces map[string]int64 // nonce → request time, within the window

	fails gosync.Map // login failures: name → *failures

	bmu  gosync.Mutex
	subs map[chan struct{}]bool
}

// SkewWindow bounds how far a signed request's (city-corrected) time may
// be from the city's clock.
const SkewWindow = 2 * time.Minute

// New returns a server on st.
func New(st *store.Store, opts *Options) *Server {
	s := &Server{st: st, mux: http.NewServeMux(), nonces: map[string]int64{}, subs: map[chan struct{}]bool{}}
	if opts != nil {
		s.opts = *opts
	}
	if s.opts.Log == nil {
		s.opts.Log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if s.opts.Now == nil {
		s.opts.Now = time.Now
	}
	if s.opts.SessionIdle == 0 {
		s.opts.SessionIdle = sessionIdle
	}
	if s.opts.Zone == nil {
		s.opts.Zone = time.FixedZone("CST", 8*3600)
	}
	if len(s.opts.RaterKey) == 0 {
		s.opts.RaterKey = make([]byte, 32)
		rand.Read(s.opts.RaterKey)
	}
	s.log = s.opts.Log
	s.start = s.opts.Now()
	s.routes()
	return s
}

// ServeHTTP implements http.Handler, with security headers on every answer.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Content-Security-Policy", "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'")
	h.Set("Cache-Control", "no-store")
	s.mux.ServeHTTP(w, r)
}

func (s *Server) routes() {
	m := s.mux
	m.HandleFunc("GET "+wire.PathTime, s.handleTime)
	m.HandleFunc("POST "+wire.PathEnrol, s.handleEnrol)
	m.HandleFunc("POST "+wire.PathPush, s.handlePush)
	m.HandleFunc("POST "+wire.PathCatalog, s.handleCatalogPull)
	m.HandleFunc("GET /api/v1/catalog/versions", s.need(s.handleCatalogVersions, "supervisor", "technician"))
	m.HandleFunc("POST /api/v1/admin/catalog", s.need(s.handlePublishCatalog))
	m.HandleFunc("POST /api/v1/admin/catalog/override", s.need(s.handleOverride))
	m.HandleFunc("POST /api/v1/login", s.handleLogin)
	m.HandleFunc("POST /api/v1/logout", s.handleLogout)
	m.HandleFunc("GET /api/v1/sites", s.need(s.handleSites, "supervisor", "technician"))
	m.HandleFunc("GET /api/v1/stats", s.need(s.handleStats, "supervisor"))
	m.HandleFunc("GET /api/v1/ratings/export", s.need(s.handleRatings, "supervisor"))
	m.HandleFunc("GET /api/v1/rectify", s.need(s.handleRectify, "supervisor"))
	m.HandleFunc("GET /api/v1/fleet", s.need(s.handleFleet, "supervisor", "technician"))
	m.HandleFunc("GET /api/v1/stream/sites", s.need(s.handleStream, "supervisor", "technician"))
	m.HandleFunc("POST /api/v1/admin/sites", s.need(s.handleAddSite))
	m.HandleFunc("POST /api/v1/admin/codes", s.need(s.handleCode))
	m.HandleFunc("POST /api/v1/admin/revoke", s.need(s.handleRevoke))
	m.HandleFunc("POST /api/v1/admin/items", s.need(s.handleItem))
	m.HandleFunc("POST /api/v1/admin/accounts", s.need(s.handleAccount))
	m.HandleFunc("GET /api/v1/admin/accounts", s.need(s.handleAccounts))
	m.HandleFunc("POST /api/v1/admin/accounts/{user}/{action}", s.need(s.handleAccountAction))
	m.HandleFunc("DELETE /api/v1/admin/accounts/{user}", s.need(s.handleAccountDelete))
	m.HandleFunc("GET /api/v1/admin/audit", s.need(s.handleAudit))
	m.HandleFunc("GET /api/v1/me", s.handleMe)
	s.pages()
}

// apiError writes the one error format of internal/httpjson
// ({"error": {"code", "message"}}; the city's messages are English, for
// technicians).
func apiError(w http.ResponseWriter, status int, code, msg string) {
	httpjson.WriteError(w, status, code, msg)
}

func writeJSON(w http.ResponseWriter, v any) { httpjson.WriteJSON(w, http.StatusOK, v) }

// decodeStrict reads a small JSON body: unknown fields and trailing data refused.
func decodeStrict(r *http.Request, max int64, dst any) error {
	if !strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
		return errors.New("want Content-Type application/json")
	}
	data, err := io.ReadAll(io.LimitReader(r.Body, max+1))
	if err != nil {
		return err
	}
	if int64(len(data)) > max {
		return errors.New("body too large")
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		return err
	}
	if dec.More() {
		return errors.New("trailing data")
	}
	return nil
}

func (s *Server) handleTime(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, map[string]int64{"city_time": s.opts.Now().UnixMilli()})
}

// security logs a refused uplink request (never the body).
func (s *Server) security(r *http.Request, code, msg string) {
	s.log.Warn("city: security event", "code", code, "message", msg, "path", r.URL.Path, "remote", r.RemoteAddr, "site", r.Header.Get(wire.HeaderSite))
}

func (s *Server) refuse(w http.ResponseWriter, r *http.Request, status int, code, msg string) {
	s.security(r, code, msg)
	apiError(w, status, code, msg)
}

func (s *Server) handleEnrol(w http.ResponseWriter, r *http.Request) {
	var req wire.Enrol
	if err := decodeStrict(r, 16<<10, &req); err != nil {
		s.refuse(w, r, http.StatusBadRequest, "malformed", "city: enrol: "+err.Error())
		return
	}
	secret, prefix, ok := strings.Cut(req.Code, ".")
	if !ok || secret == "" || len(prefix) < 16 || !strings.HasPrefix(s.opts.Fingerprint, strings.ToLower(prefix)) {
		s.refuse(w, r, http.StatusForbidden, "bad_enrolment_code", "city: enrolment code malformed or not for this city")
		return
	}
	if len(req.PublicKey) != ed25519.PublicKeySize || !ed25519.Verify(req.PublicKey, wire.EnrolText(req.Code), req.Signature) {
		s.refuse(w, r, http.StatusUnauthorized, "bad_signature", "city: enrolment not signed by the enrolling key")
		return
	}
	st, err := s.st.Enrol(r.Context(), secret, req.PublicKey, req.Software, s.opts.Now())
	switch {
	case errors.Is(err, store.ErrBadCode):
		s.refuse(w, r, http.StatusForbidden, "bad_enrolment_code", "city: enrolment code unknown, expired or used")
		return
	case errors.Is(err, store.ErrRevoked):
		s.refuse(w, r, http.StatusForbidden, "revoked", "city: site revoked")
		return
	case err != nil:
		s.log.Error("city: enrol", "err", err)
		apiError(w, http.StatusInternalServerError, "internal", "city: enrol failed")
		return
	}
	s.log.Info("city: site enrolled", "site", st.ID)
	writeJSON(w, wire.EnrolReply{Site: st.ID, Name: st.Name, Kind: st.Kind, CityTime: s.opts.Now().UnixMilli()})
}

// checkNonce refuses a nonce seen within the window and forgets old ones.
func (s *Server) checkNonce(site, nonce string, ts int64, now time.Time) bool {
	s.nmu.Lock()
	defer s.nmu.Unlock()
	cut := now.Add(-2 * SkewWindow).UnixMilli()
	if len(s.nonces) > 10000 {
		for k, t := range s.nonces {
			if t < cut {
				delete(s.nonces, k)
			}
		}
	}
	k := site + "/" + nonce
	if _, seen := s.nonces[k]; seen {
		return false
	}
	s.nonces[k] = ts
	return true
}

func (s *Server) handlePush(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(io.LimitReader(r.Body, wire.MaxBody+1))
	if err != nil {
		s.refuse(w, r, http.StatusBadRequest, "malformed", "city: push: "+err.Error())
		return
	}
	if len(body) > wire.MaxBody {
		s.refuse(w, r, http.StatusRequestEntityTooLarge, "too_large", "city: push: body too large")
		return
	}
	sig, err := wire.ParseSigned(r)
	if err != nil {
		s.refuse(w, r, http.StatusUnauthorized, "unauthenticated", "city: "+err.Error())
		return
	}
	site, err := s.st.Site(r.Context(), sig.Site)
	if errors.Is(err, store.ErrNotFound) || (err == nil && site.PublicKey == nil) {
		s.refuse(w, r, http.StatusUnauthorized, "unknown_site", "city: unknown or unenrolled site")
		return
	} else if err != nil {
		s.log.Error("city: push", "err", err)
		apiError(w, http.StatusInternalServerError, "internal", "city: push failed")
		return
	}
	if !sig.Verify(r, body, site.PublicKey) {
		s.refuse(w, r, http.StatusUnauthorized, "bad_signature", "city: signature does not match (forged or altered)")
		return
	}
	if site.Revoked {
		s.refuse(w, r, http.StatusForbidden, "revoked", "city: site revoked")
		return
	}
	now := s.opts.Now()
	if d := time.UnixMilli(sig.TimeMS).Sub(now); d > SkewWindow || d < -SkewWindow {
		s.refuse(w, r, http.StatusUnauthorized, "clock_skew", "city: request time too far from city time (measure GET time and retry)")
		return
	}
	if !s.checkNonce(sig.Site, sig.Nonce, sig.TimeMS, now) {
		s.refuse(w, r, http.StatusUnauthorized, "replay", "city: request replayed (nonce seen)")
		return
	}
	p, err := wire.DecodePush(bytes.NewReader(body))
	if errors.Is(err, wire.ErrTooLarge) {
		s.refuse(w, r, http.StatusRequestEntityTooLarge, "too_large", "city: "+err.Error())
		return
	} else if err != nil {
		s.refuse(w, r, http.StatusBadRequest, "malformed", "city: "+err.Error())
		return
	}
	if p.Site != sig.Site {
		s.refuse(w, r, http.StatusForbidden, "wrong_site", "city: batch names another site than the signer")
		return
	}
	reply, err := s.st.Ingest(r.Context(), p, now)
	if errors.Is(err, store.ErrRevoked) {
		s.refuse(w, r, http.StatusForbidden, "revoked", "city: site revoked")
		return
	} else if err != nil {
		s.log.Error("city: ingest", "site", p.Site, "err", err)
		apiError(w, http.StatusInternalServerError, "internal", "city: ingest failed")
		return
	}
	s.notify()
	writeJSON(w, reply)
}

func timeMS(ms int64) time.Time { return time.UnixMilli(ms) }

// notify wakes the dashboard streams.
func (s *Server) notify() {
	s.bmu.Lock()
	defer s.bmu.Unlock()
	for ch := range s.subs {
		select {
		case ch <- struct{}{}:
		default:
		}
	}
}

func (s *Server) subscribe() (chan struct{}, func()) {
	ch := make(chan struct{}, 1)
	s.bmu.Lock()
	s.subs[ch] = true
	s.bmu.Unlock()
	return ch, func() {
		s.bmu.Lock()
		delete(s.subs, ch)
		s.bmu.Unlock()
	}
}

// NewCode issues a one-time enrolment code for site, valid for ttl:
// a random secret and the first 16 hex digits of the city certificate's
// fingerprint, "SECRET.PIN".
func (s *Server) NewCode(ctx context.Context, site string, ttl time.Duration) (string, error) {
	var b [10]byte
	rand.Read(b[:])
	secret := strings.ToUpper(hex.EncodeToString(b[:]))
	secret = secret[:5] + "-" + secret[5:10] + "-" + secret[10:15] + "-" + secret[15:]
	if err := s.st.AddCode(ctx, site, secret, s.opts.Now().Add(ttl)); err != nil {
		return "", err
	}
	return secret + "." + s.opts.Fingerprint[:16], nil
}
