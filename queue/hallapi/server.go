package hallapi

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"hallkiosk/internal/httpjson"
	"io"
	"log/slog"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"hallkiosk/queue/catalog"
	"hallkiosk/queue/engine"
)

// Config tunes the HTTP API.
type Config struct {
	// SessionTTL is how long a staff session lasts (default 12h).
	SessionTTL time.Duration
	// Kiosks maps kiosk device ids to shared secrets for "Authorization:
	// Device id:secret" on the kiosk routes.
	Kiosks map[string]string
	// Demo lets anyone issue tickets and check in (no kiosk key needed).
	Demo bool
	// Notices start the display ticker; nil uses the catalogue's notices.
	Notices []string
	// Log receives request errors (default: discard). Personal data is never logged.
	Log *slog.Logger
	// Now is the clock (default time.Now).
	Now func() time.Time
	// TicketCodes verifies a ticket's signed code (the ticket's QR, from
	// the hall or an enrolled kiosk) and returns the ticket id; nil uses
	// the engine's own key (engine.VerifyTicketCode).
	TicketCodes func(code string) (ticketID string, err error)
	// BookingsPerAddress bounds the bookings one client address makes per
	// hour (default DefaultBookingsPerAddress).
	BookingsPerAddress int
}

// DefaultBookingsPerAddress is the default of Config.BookingsPerAddress.
const DefaultBookingsPerAddress = 5

// Server serves the hall's HTTP API, pages, SSE stream and metrics.
type Server struct {
	e   *engine.Engine
	db  *sql.DB
	cfg Config
	log *slog.Logger
	now func() time.Time
	mux *http.ServeMux
	met *metrics
	hub *hub

	sessMu   sync.Mutex
	sessions map[string]cachedSession

	thr      *throttle
	bookings *rateLimit

	noticeMu sync.Mutex
	notices  []string
	// noticesEN are the notices' English texts by position.
	noticesEN []string

	keysMu sync.RWMutex
	keys   TicketKeys // ticket code keys for the progress page (progress.go)
}

// New returns a Server for e, creating its account tables in e's store.
func New(ctx context.Context, e *engine.Engine, cfg Config) (*Server, error) {
	if cfg.SessionTTL <= 0 {
		cfg.SessionTTL = 12 * time.Hour
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.BookingsPerAddress <= 0 {
		cfg.BookingsPerAddress = DefaultBookingsPerAddress
	}
	s := &Server{e: e, db: e.DB(), cfg: cfg, log: cfg.Log, now: cfg.Now, mux: http.NewServeMux(), sessions: map[string]cachedSession{},
		thr: newThrottle(), bookings: &rateLimit{n: cfg.BookingsPerAddress, span: time.Hour}}
	if s.cfg.TicketCodes == nil {
		s.cfg.TicketCodes = s.ticketOfCode
	}
	if err := s.migrate(ctx); err != nil {
		return nil, fmt.Errorf("hallapi: schema: %w", err)
	}
	s.notices = cfg.Notices
	if s.notices == nil {
		s.notices, s.noticesEN = e.Catalog().Hall.Notices, e.Catalog().Hall.NoticesEN
	}
	var stored string
	if err := s.db.QueryRowContext(ctx, `SELECT value FROM settings WHERE key='notices'`).Scan(&stored); err == nil {
		if ns, err := parseNotices([]byte(stored)); err == nil {
			s.notices, s.noticesEN = ns.split()
		}
	}
	s.met = newMetrics()
	s.hub = newHub(s)
	s.routes()
	return s, nil
}

// Run drives the live display stream, and every minute takes clerks whose
// session expired off their windows, until ctx ends. Call it once.
func (s *Server) Run(ctx context.Context) {
	go func() {
		t := time.NewTicker(time.Minute)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				s.expireSessions(ctx)
			}
		}
	}()
	s.hub.run(ctx)
}

// expireSessions deletes expired sessions and signs their clerks out of
// the windows they were bound to.
func (s *Server) expireSessions(ctx context.Context) {
	rows, err := s.db.QueryContext(ctx, `SELECT user, window FROM sessions WHERE expires <= ? AND window > 0`, s.now().Unix())
	if err != nil {
		return
	}
	type sw struct {
		user string
		n    int
	}
	var list []sw
	for rows.Next() {
		var x sw
		if rows.Scan(&x.user, &x.n) == nil {
			list = append(list, x)
		}
	}
	rows.Close()
	s.db.ExecContext(ctx, `DELETE FROM sessions WHERE expires <= ?`, s.now().Unix())
	for _, x := range list {
		s.e.SignOut(ctx, x.n, x.user)
	}
}

// Handle mounts an extra handler (e.g. sync under /api/v1/sync/).
func (s *Server) Handle(pattern string, h http.Handler) { s.mux.Handle(pattern, h) }

// ServeHTTP serves every route, counting requests for /metrics.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rw := &statusWriter{ResponseWriter: w, code: 200}
	start := time.Now()
	s.mux.ServeHTTP(rw, r)
	// ServeMux records the matched pattern in r.Pattern ("" when none).
	s.met.request(r.Pattern, rw.code, time.Since(start))
}

type statusWriter struct {
	http.ResponseWriter
	code int
}

func (w *statusWriter) WriteHeader(code int) { w.code = code; w.ResponseWriter.WriteHeader(code) }
func (w *statusWriter) Flush() {
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// Unwrap lets http.ResponseController reach the connection.
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

type who struct {
	user   *User
	sess   *session
	device string
}

// window is the window the session is bound to (0 none).
func (w who) window() int {
	if w.sess == nil {
		return 0
	}
	return w.sess.window
}

func (w who) actor(window int) engine.Actor {
	switch {
	case w.user != nil:
		return engine.Actor{Name: w.user.Name, Window: window}
	case w.device != "":
		return engine.Actor{Name: w.device, Window: window}
	}
	return engine.Actor{Name: "anonymous", Window: window}
}

type handler func(w http.ResponseWriter, r *http.Request, id who) error

// staff routes need a session with one of roles; kiosk routes accept a
// kiosk key, a staff session, or anyone in demo mode; public routes anyone.
func (s *Server) auth(roles []Role, kiosk bool, h handler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		var id who
		id.sess = s.sessionOf(r)
		if id.sess != nil {
			id.user = &id.sess.user
		}
		if kiosk {
			id.device = s.device(r)
		}
		if unsafeMethod(r.Method) {
			// A browser's state-changing request from another origin is
			// refused whatever it carries; one with a cookie session must
			// also carry the session's CSRF token.
			if ok, present := sameOrigin(r); present && !ok {
				writeErr(w, http.StatusForbidden, "cross_origin", "请求来源不符")
				return
			}
			if why := s.csrfOK(r, id.sess); why != "" {
				writeErr(w, http.StatusForbidden, "csrf", "页面已过期，请刷新后重试")
				return
			}
		}
		switch {
		case roles == nil && !kiosk:
		case kiosk && (id.device != "" || s.cfg.Demo || id.user != nil):
		case kiosk:
			writeErr(w, http.StatusUnauthorized, "unauthorised", "设备未授权")
			return
		case id.user == nil && roles != nil:
			writeErr(w, http.StatusUnauthorized, "unauthorised", "请先登录")
			return
		case id.user == nil || !allowed(id.user.Role, roles):
			writeErr(w, http.StatusForbidden, "forbidden", "没有权限")
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, 1<<20)
		if err := h(w, r, id); err != nil {
			s.fail(w, r, err)
		}
	}
}

var (
	public = []Role(nil)
	staff  = []Role{RoleStaff}
	superv = []Role{RoleSupervisor}
	techn  = []Role{RoleTechnician, RoleSupervisor}
	admin  = []Role{RoleAdmin}
)

func (s *Server) routes() {
	m := s.mux
	m.HandleFunc("GET /healthz", s.healthz)
	m.HandleFunc("GET /metrics", s.metrics)
	m.HandleFunc("GET /{$}", s.page("index.html"))
	m.HandleFunc("GET /caller", s.page("caller.html"))
	m.HandleFunc("GET /display", s.page("display.html"))
	m.HandleFunc("GET /booking", s.page("booking.html"))
	m.HandleFunc("GET /admin", s.page("admin.html"))
	m.HandleFunc("GET /static/", s.static)
	s.progressRoutes(m) // GET /q: the ticket progress page (progress.go)

	m.HandleFunc("POST /api/v1/login", s.auth(public, false, s.postLogin))
	m.HandleFunc("POST /api/v1/logout", s.auth(public, false, s.postLogout))
	m.HandleFunc("GET /api/v1/me", s.auth(staffOrTech(), false, s.getMe))
	m.HandleFunc("POST /api/v1/me/password", s.auth(staffOrTech(), false, s.postPassword))

	m.HandleFunc("GET /api/v1/catalog", s.auth(public, false, s.getCatalog))
	m.HandleFunc("PUT /api/v1/catalog", s.auth(admin, false, s.putCatalog))
	m.HandleFunc("GET /api/v1/status", s.auth(public, false, s.getStatus))
	m.HandleFunc("GET /api/v1/display", s.auth(public, false, s.getDisplay))
	m.HandleFunc("GET /api/v1/stream", s.hubStream)
	m.HandleFunc("GET /api/v1/qr", s.qrPNG)
	m.HandleFunc("GET /api/v1/notices", s.auth(public, false, s.getNotices))
	m.HandleFunc("PUT /api/v1/notices", s.auth(superv, false, s.putNotices))

	m.HandleFunc("POST /api/v1/tickets", s.auth(nil, true, s.postTicket))
	m.HandleFunc("GET /api/v1/tickets/{id}", s.auth(nil, true, s.getTicket))
	m.HandleFunc("POST /api/v1/tickets/{id}/cancel", s.auth(nil, true, s.ticketAction))
	m.HandleFunc("POST /api/v1/tickets/{id}/void", s.auth(nil, true, s.ticketAction))
	m.HandleFunc("POST /api/v1/tickets/{id}/confirm", s.auth(nil, true, s.postConfirm)) // confirm.go
	m.HandleFunc("POST /api/v1/tickets/served", s.auth(nil, true, s.postServed))        // served.go
	m.HandleFunc("POST /api/v1/tickets/{id}/rate", s.auth(nil, true, s.postKioskRate))
	m.HandleFunc("POST /api/v1/tickets/{id}/requeue", s.auth(staff, false, s.postRequeue))
	m.HandleFunc("POST /api/v1/checkin", s.auth(nil, true, s.postCheckIn))
	m.HandleFunc("POST /api/v1/checkin/person", s.auth(nil, true, s.postCheckInPerson))
	m.HandleFunc("GET /api/v1/public/ticket", s.auth(public, false, s.getPublicTicket))
	m.HandleFunc("POST /api/v1/public/rate", s.auth(public, false, s.postPublicRate))

	m.HandleFunc("GET /api/v1/windows", s.auth(staffOrTech(), false, s.getWindows))
	m.HandleFunc("GET /api/v1/windows/{n}", s.auth(staff, false, s.getWindow))
	m.HandleFunc("POST /api/v1/windows/{n}/{action}", s.auth(staff, false, s.windowAction))
	m.HandleFunc("GET /api/v1/parked", s.auth(staff, false, s.getParked))

	m.HandleFunc("GET /api/v1/appointments/slots", s.auth(public, false, s.getSlots))
	m.HandleFunc("POST /api/v1/appointments", s.auth(public, false, s.postAppointment))
	m.HandleFunc("GET /api/v1/appointments/{id}", s.auth(public, false, s.getAppointment))
	m.HandleFunc("POST /api/v1/appointments/{id}/cancel", s.auth(public, false, s.cancelAppointment))

	m.HandleFunc("GET /api/v1/stats", s.auth(superv, false, s.getStats))
	m.HandleFunc("GET /api/v1/ratings", s.auth(superv, false, s.getRatings))
	m.HandleFunc("GET /api/v1/cases", s.auth(superv, false, s.getCases))
	m.HandleFunc("POST /api/v1/cases/{id}/{action}", s.auth(superv, false, s.postCase))
	m.HandleFunc("GET /api/v1/events", s.auth(techn, false, s.getEvents))
	m.HandleFunc("GET /api/v1/audit", s.auth([]Role{RoleTechnician}, false, s.getAudit))
	m.HandleFunc("GET /api/v1/users", s.auth(superv, false, s.getUsers))
	m.HandleFunc("POST /api/v1/users", s.auth(admin, false, s.postUser))
	m.HandleFunc("PUT /api/v1/users/{name}", s.auth(admin, false, s.putUser))
	m.HandleFunc("PUT /api/v1/users/{name}/windows", s.auth(superv, false, s.putUserWindows))
	m.HandleFunc("POST /api/v1/users/{name}/{action}", s.auth(admin, false, s.userAction))
	m.HandleFunc("DELETE /api/v1/users/{name}", s.auth(admin, false, s.deleteUser))
}

func staffOrTech() []Role { return []Role{RoleStaff, RoleTechnician} }

// apiError is the JSON error body: {"error": {"code", "message"}}.
type apiError struct {
	Code    string `json:"code"`
	Message string `json:"message"` // Chinese, for screens
	Detail  string `json:"detail,omitempty"`
}

func writeJSON(w http.ResponseWriter, code int, v any) { httpjson.WriteJSON(w, code, v) }

func writeErr(w http.ResponseWriter, status int, code, msg string) {
	httpjson.WriteError(w, status, code, msg)
}

var statusOf = map[engine.Code]int{
	engine.CodeInvalid: 400, engine.CodeUnknownService: 404, engine.CodeClosed: 409, engine.CodeCapReached: 409,
	engine.CodeDuplicate: 409, engine.CodeNotAuthorised: 403, engine.CodeUnknownWindow: 404, engine.CodeWindowPaused: 409,
	engine.CodeWindowBusy: 409, engine.CodeNoTicket: 404, engine.CodeNotFound: 404, engine.CodeBadState: 409,
	engine.CodeRecallLimit: 409, engine.CodePriorityNotAllowed: 400, engine.CodeRealNameRequired: 400,
	engine.CodePersonLimit: 429, engine.CodeNotLeased: 409, engine.CodeSlotFull: 409, engine.CodeBadSlot: 409,
	engine.CodeBadCode: 400, engine.CodeUnavailable: 503,
}

type badRequest struct{ msg string }

func (b *badRequest) Error() string { return "hallapi: " + b.msg }

func (s *Server) fail(w http.ResponseWriter, r *http.Request, err error) {
	var br *badRequest
	if errors.As(err, &br) {
		writeJSON(w, 400, map[string]apiError{"error": {Code: "invalid", Message: "请求有误", Detail: br.msg}})
		return
	}
	var mt *errMediaType
	if errors.As(err, &mt) {
		writeJSON(w, http.StatusUnsupportedMediaType, map[string]apiError{"error": {Code: "media_type", Message: "请求格式有误", Detail: mt.Error()}})
		return
	}
	var et *errText
	if errors.As(err, &et) {
		writeJSON(w, 400, map[string]apiError{"error": {Code: "invalid_text", Message: "输入含有不可见的控制字符", Detail: et.Error()}})
		return
	}
	var fe *forbidden
	if errors.As(err, &fe) {
		writeJSON(w, fe.status(), map[string]apiError{"error": {Code: fe.code, Message: fe.msg}})
		return
	}
	code := engine.CodeOf(err)
	st := statusOf[code]
	if st == 0 {
		st = 500
	}
	if st >= 500 {
		s.log.Error("hallapi: request failed", "path", r.URL.Path, "err", err)
	}
	var ee *engine.Error
	detail := ""
	if errors.As(err, &ee) {
		detail = ee.Msg
	}
	writeJSON(w, st, map[string]apiError{"error": {Code: string(code), Message: code.Message(), Detail: detail}})
}

// forbidden is a refusal with its own code and message.
type forbidden struct {
	code, msg string
	st        int
}

func (f *forbidden) Error() string { return "hallapi: " + f.code }
func (f *forbidden) status() int {
	if f.st != 0 {
		return f.st
	}
	return http.StatusForbidden
}

func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	if err := s.e.Ping(ctx); err != nil {
		http.Error(w, "store: "+err.Error(), http.StatusServiceUnavailable)
		return
	}
	io.WriteString(w, "ok\n")
}

// Healthy reports whether the store answers (for the systemd watchdog).
func (s *Server) Healthy() bool {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	return s.e.Ping(ctx) == nil
}

func (s *Server) postLogin(w http.ResponseWriter, r *http.Request, _ who) error {
	var req struct {
		User     string `json:"user"`
		Password string `json:"password"`
		Window   int    `json:"window,omitempty"`
	}
	if err := decode(r, &req); err != nil {
		return err
	}
	ctx, addr, now := r.Context(), clientAddr(r), s.now()
	if !userRe.MatchString(req.User) {
		// No such account can exist: answer as a wrong password, without
		// filling the audit or the throttle with made-up names.
		s.thr.failed("", addr, now)
		writeErr(w, http.StatusUnauthorized, "bad_login", "用户名或密码错误")
		return nil
	}
	if wait := s.thr.wait(req.User, addr, now); wait > 0 {
		secs := int(wait.Round(time.Second).Seconds())
		s.audit(ctx, "login_throttled", req.User, req.User, addr, fmt.Sprintf("wait %ds", secs))
		w.Header().Set("Retry-After", strconv.Itoa(max(secs, 1)))
		writeJSON(w, http.StatusTooManyRequests, map[string]any{"error": apiError{Code: "too_many_attempts", Message: fmt.Sprintf("尝试过于频繁，请%d秒后再试", max(secs, 1))}, "retry_after": max(secs, 1)})
		return nil
	}
	tok, u, exp, err := s.login(ctx, req.User, req.Password, req.Window)
	switch {
	case errors.Is(err, errLogin):
		s.thr.failed(req.User, addr, now)
		s.met.loginFailures.Add(1)
		s.audit(ctx, "login_failed", req.User, req.User, addr, "")
		writeErr(w, http.StatusUnauthorized, "bad_login", "用户名或密码错误")
		return nil
	case errors.Is(err, errDisabled):
		s.audit(ctx, "login_disabled", req.User, req.User, addr, "")
		writeErr(w, http.StatusForbidden, "disabled", "该账号已停用")
		return nil
	case errors.Is(err, errNotYourWindow):
		s.audit(ctx, "window_refused", req.User, req.User, addr, fmt.Sprintf("window %d", req.Window))
		writeErr(w, http.StatusForbidden, "not_your_window", "该账号不能在此窗口登录")
		return nil
	case err != nil:
		return err
	}
	s.thr.succeeded(req.User, addr)
	s.audit(ctx, "login", u.Name, u.Name, addr, "")
	ss := &session{user: *u, th: tokenHash(tok)}
	if req.Window == 0 && u.Role == RoleStaff {
		// A clerk signs in at their default window (or their only one).
		if u.Window > 0 {
			req.Window = u.Window
		} else if len(u.Windows) == 1 {
			req.Window = u.Windows[0]
		}
	}
	if req.Window != 0 {
		if err := s.bindWindow(ctx, r, ss, req.Window); err != nil {
			return err
		}
	}
	http.SetCookie(w, &http.Cookie{Name: cookieName, Value: tok, Path: "/", MaxAge: int(s.cfg.SessionTTL.Seconds()), HttpOnly: true, SameSite: http.SameSiteStrictMode})
	writeJSON(w, 200, map[string]any{"token": tok, "user": u, "expires": exp, "csrf": csrfToken(ss.th), "window": ss.window})
	return nil
}

func (s *Server) postLogout(w http.ResponseWriter, r *http.Request, _ who) error {
	s.logout(r)
	http.SetCookie(w, &http.Cookie{Name: cookieName, Value: "", Path: "/", MaxAge: -1})
	writeJSON(w, 200, map[string]bool{"ok": true})
	return nil
}

// MeReply is GET /api/v1/me: the account, the window the session is bound
// to and the CSRF token the pages send in X-CSRF-Token.
type MeReply struct {
	User
	SessionWindow int    `json:"session_window"`
	CSRF          string `json:"csrf"`
}

func (s *Server) getMe(w http.ResponseWriter, r *http.Request, id who) error {
	writeJSON(w, 200, MeReply{User: *id.user, SessionWindow: id.window(), CSRF: csrfToken(id.sess.th)})
	return nil
}

func (s *Server) postPassword(w http.ResponseWriter, r *http.Request, id who) error {
	var req struct {
		Old string `json:"old"`
		New string `json:"new"`
	}
	if err := decode(r, &req); err != nil {
		return err
	}
	err := s.changePassword(r.Context(), id.user, req.Old, req.New)
	if errors.Is(err, errLogin) {
		writeErr(w, http.StatusUnauthorized, "bad_login", "原密码错误")
		return nil
	}
	if err != nil {
		return &badRequest{err.Error()}
	}
	writeJSON(w, 200, map[string]bool{"ok": true})
	return nil
}

func (s *Server) getCatalog(w http.ResponseWriter, r *http.Request, _ who) error {
	writeJSON(w, 200, s.e.Catalog())
	return nil
}

func (s *Server) putCatalog(w http.ResponseWriter, r *http.Request, id who) error {
	data, err := readJSON(r)
	if err != nil {
		return err
	}
	c, err := catalog.Parse(data)
	if err != nil {
		return &badRequest{err.Error()}
	}
	if err := s.e.SetCatalog(r.Context(), c, id.actor(0)); err != nil {
		return err
	}
	writeJSON(w, 200, c)
	return nil
}

// StatusReply is GET /api/v1/status: live queue per service for kiosks.
type StatusReply struct {
	Day      string                 `json:"day"`
	Now      time.Time              `json:"now"`
	Services []engine.ServiceStatus `json:"services"`
	Notices  []string               `json:"notices"`
	// NoticesEN holds the notices in English by position ("" where a
	// notice has none); absent when none has.
	NoticesEN []string `json:"notices_en,omitempty"`
}

func (s *Server) getStatus(w http.ResponseWriter, r *http.Request, _ who) error {
	zh, en := s.bilingualNotices()
	writeJSON(w, 200, StatusReply{Day: s.e.Today(), Now: s.now(), Services: s.e.Status(), Notices: zh, NoticesEN: en})
	return nil
}

// Notices returns the ticker notices.
func (s *Server) Notices() []string {
	s.noticeMu.Lock()
	defer s.noticeMu.Unlock()
	return append([]string{}, s.notices...)
}

// bilingualNotices returns the notices and their English texts (nil when
// none has one).
func (s *Server) bilingualNotices() (zh, en []string) {
	s.noticeMu.Lock()
	defer s.noticeMu.Unlock()
	zh = append([]string{}, s.notices...)
	for i := range zh {
		if i < len(s.noticesEN) && s.noticesEN[i] != "" {
			en = make([]string, len(zh))
			copy(en, s.noticesEN)
			break
		}
	}
	return zh, en
}

// getNotices serves GET /api/v1/notices: the notices as strings, or with
// ?with=en as [{"zh","en"}] (the admin page's editor).
func (s *Server) getNotices(w http.ResponseWriter, r *http.Request, _ who) error {
	if r.URL.Query().Get("with") == "en" {
		zh, en := s.bilingualNotices()
		out := make(noticeList, len(zh))
		for i := range zh {
			out[i].ZH = zh[i]
			if i < len(en) {
				out[i].EN = en[i]
			}
		}
		writeJSON(w, 200, out)
		return nil
	}
	writeJSON(w, 200, s.Notices())
	return nil
}

// putNotices serves PUT /api/v1/notices: a list of strings (Chinese only)
// or of {"zh","en"} objects, at most 20.
func (s *Server) putNotices(w http.ResponseWriter, r *http.Request, _ who) error {
	var raw json.RawMessage
	if err := decode(r, &raw); err != nil {
		return err
	}
	list, err := parseNotices(raw)
	if err != nil {
		return &badRequest{err.Error()}
	}
	if len(list) > 20 {
		return &badRequest{"at most 20 notices"}
	}
	data, _ := json.Marshal(list)
	if _, err := s.db.ExecContext(r.Context(), `INSERT INTO settings(key, value) VALUES ('notices', ?) ON CONFLICT(key) DO UPDATE SET value=excluded.value`, string(data)); err != nil {
		return fmt.Errorf("hallapi: save notices: %w", err)
	}
	zh, en := list.split()
	s.noticeMu.Lock()
	s.notices, s.noticesEN = zh, en
	s.noticeMu.Unlock()
	s.hub.poke()
	writeJSON(w, 200, zh)
	return nil
}

func (s *Server) postTicket(w http.ResponseWriter, r *http.Request, id who) error {
	var req engine.IssueRequest
	if err := decode(r, &req); err != nil {
		return err
	}
	if req.PersonHash != "" {
		return &badRequest{"person_hash is made by the hall: send id_number"}
	}
	if req.IDNumber != "" {
		if err := engine.CheckIDNumber(req.IDNumber, s.now()); err != nil {
			return &forbidden{code: "invalid_id", msg: "身份证号码有误", st: 400}
		}
	}
	if id.device != "" {
		req.DeviceID = id.device
	} else if req.DeviceID == "" {
		req.DeviceID = id.actor(0).Name
	}
	t, err := s.e.Issue(r.Context(), req)
	if err != nil {
		return err
	}
	if !t.Duplicate {
		s.met.issued.Add(1)
	}
	writeJSON(w, 201, ticketReply(t))
	return nil
}

// TicketReply is the reply of POST /api/v1/tickets, /api/v1/checkin and
// /api/v1/checkin/person: the Ticket with its place in its queue. Ahead
// (tickets called before it) and WaitMin (estimated minutes) are always
// present, 0 included, and on a repeat of the same key too, so a kiosk
// prints them from this reply alone.
type TicketReply struct {
	engine.Ticket
	Ahead   int `json:"ahead"`
	WaitMin int `json:"est_wait_min"`
}

func ticketReply(t *engine.Ticket) TicketReply {
	return TicketReply{Ticket: *t, Ahead: t.Ahead, WaitMin: t.WaitMin}
}

// getTicket serves GET /api/v1/tickets/{id} to kiosks and staff (the
// public see a ticket only through its signed code: /api/v1/public/ticket).
func (s *Server) getTicket(w http.ResponseWriter, r *http.Request, id who) error {
	if id.device == "" && id.user == nil {
		writeErr(w, http.StatusUnauthorized, "unauthorised", "设备未授权")
		return nil
	}
	t, err := s.e.Ticket(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	if id.user == nil {
		t.Staff = ""
		for i := range t.Steps {
			t.Steps[i].Staff = ""
		}
	}
	writeJSON(w, 200, t)
	return nil
}

func (s *Server) ticketAction(w http.ResponseWriter, r *http.Request, id who) error {
	tid := r.PathValue("id")
	action := r.URL.Path[strings.LastIndex(r.URL.Path, "/")+1:]
	var req struct {
		Reason string `json:"reason"`
		Window int    `json:"window"`
	}
	if err := decode(r, &req); err != nil {
		return err
	}
	var t *engine.Ticket
	var err error
	a := id.actor(req.Window)
	switch action {
	case "cancel":
		t, err = s.e.Cancel(r.Context(), tid, a)
	case "void":
		t, err = s.e.Void(r.Context(), tid, req.Reason, a)
	}
	if err != nil {
		return err
	}
	writeJSON(w, 200, t)
	return nil
}

func (s *Server) postCheckIn(w http.ResponseWriter, r *http.Request, id who) error {
	var req struct {
		Code string `json:"code"`
	}
	if err := decode(r, &req); err != nil {
		return err
	}
	t, err := s.e.CheckIn(r.Context(), req.Code, id.actor(0).Name)
	if err != nil {
		return err
	}
	writeJSON(w, 201, ticketReply(t))
	return nil
}

// decodeIDNumber reads a body {"id_number"} and checks the number against
// GB 11643 (400 invalid_id otherwise).
func (s *Server) decodeIDNumber(r *http.Request) (string, error) {
	var req struct {
		IDNumber string `json:"id_number"`
	}
	if err := decode(r, &req); err != nil {
		return "", err
	}
	if err := engine.CheckIDNumber(req.IDNumber, s.now()); err != nil {
		return "", &forbidden{code: "invalid_id", msg: "身份证号码有误", st: 400}
	}
	return req.IDNumber, nil
}

// postCheckInPerson checks in the booking of an ID card's holder (the kiosk
// sends the number as it does for real-name tickets; it is hashed at once).
func (s *Server) postCheckInPerson(w http.ResponseWriter, r *http.Request, id who) error {
	idNumber, err := s.decodeIDNumber(r)
	if err != nil {
		return err
	}
	t, err := s.e.CheckInPerson(r.Context(), idNumber, id.actor(0).Name)
	if err != nil {
		return err
	}
	writeJSON(w, 201, ticketReply(t))
	return nil
}

func (s *Server) getWindows(w http.ResponseWriter, r *http.Request, _ who) error {
	writeJSON(w, 200, s.e.Windows())
	return nil
}

func windowNumber(r *http.Request) (int, error) {
	n, err := strconv.Atoi(r.PathValue("n"))
	if err != nil || n <= 0 {
		return 0, &badRequest{"window number"}
	}
	return n, nil
}

// WindowReply is GET /api/v1/windows/{n}: the window, its own queue in
// call order and the parked tickets it may requeue.
type WindowReply struct {
	Window  engine.WindowStatus `json:"window"`
	Queue   []*engine.Ticket    `json:"queue"`
	Parked  []*engine.Ticket    `json:"parked"`
	Targets []TransferTarget    `json:"targets"`
}

// TransferTarget is a service a ticket can be transferred to, with the
// windows authorised for it.
type TransferTarget struct {
	Service string `json:"service"`
	Name    string `json:"name"`
	Windows []int  `json:"windows"`
}

var errOtherWindow = &forbidden{code: "not_your_window", msg: "只能操作本人登录的窗口"}

func (s *Server) getWindow(w http.ResponseWriter, r *http.Request, id who) error {
	n, err := windowNumber(r)
	if err != nil {
		return err
	}
	if !id.user.HallWide() && n != id.window() && !id.user.MayStaff(n) {
		return errOtherWindow
	}
	ws, err := s.e.Window(n)
	if err != nil {
		return err
	}
	q, _ := s.e.Waiting(n)
	if len(q) > 50 {
		q = q[:50]
	}
	cat := s.e.Catalog()
	var targets []TransferTarget
	for _, sv := range cat.Services() {
		targets = append(targets, TransferTarget{Service: sv.ID, Name: sv.Name, Windows: cat.WindowsFor(sv.ID)})
	}
	parked := s.e.ParkedFor(n)
	if q == nil {
		q = []*engine.Ticket{}
	}
	if parked == nil {
		parked = []*engine.Ticket{}
	}
	writeJSON(w, 200, WindowReply{Window: ws, Queue: q, Parked: parked, Targets: targets})
	return nil
}

func (s *Server) windowAction(w http.ResponseWriter, r *http.Request, id who) error {
	n, err := windowNumber(r)
	if err != nil {
		return err
	}
	var req struct {
		Service string `json:"service"`
		Window  int    `json:"window"`
		Reason  string `json:"reason"`
	}
	if err := decode(r, &req); err != nil {
		return err
	}
	ctx, who := r.Context(), id.user.Name
	action := r.PathValue("action")
	if action == "signin" {
		if err := s.bindWindow(ctx, r, id.sess, n); err != nil {
			if errors.Is(err, errNotYourWindow) {
				return errOtherWindow
			}
			return err
		}
		ws, _ := s.e.Window(n)
		writeJSON(w, 200, map[string]any{"ticket": nil, "window": ws})
		return nil
	}
	// Window actions only at the session's own window; supervisors and
	// admins act hall-wide.
	if !id.user.HallWide() && n != id.window() {
		return errOtherWindow
	}
	if err := checkText(req.Reason); err != nil {
		return err
	}
	if action == "park" && strings.TrimSpace(req.Reason) == "" {
		return &badRequest{"搁置 needs a reason"}
	}
	// A supervisor acting at someone else's window does not become its clerk.
	foreign := n != id.window()
	var before string
	if foreign {
		if ws, err := s.e.Window(n); err == nil {
			before = ws.Staff
		}
	}
	var t *engine.Ticket
	switch action {
	case "next":
		start := time.Now()
		t, err = s.e.CallNext(ctx, n, who)
		s.met.callNext(time.Since(start), err)
	case "recall":
		t, err = s.e.Recall(ctx, n, who)
	case "start":
		t, err = s.e.Start(ctx, n, who)
	case "no-show":
		t, err = s.e.NoShow(ctx, n, who)
	case "park":
		t, err = s.e.Park(ctx, n, who, req.Reason)
	case "transfer":
		t, err = s.e.Transfer(ctx, n, who, engine.TransferTo{Service: req.Service, Window: req.Window})
	case "finish":
		t, err = s.e.Finish(ctx, n, who)
	case "pause", "resume":
		err = s.e.SetPaused(ctx, n, who, r.PathValue("action") == "pause")
	case "signout":
		err = s.e.SignOut(ctx, n, who)
	default:
		writeErr(w, 404, "not_found", "没有该操作")
		return nil
	}
	if foreign {
		if ws, _ := s.e.Window(n); ws.Staff != before {
			if before == "" {
				s.e.SignOut(ctx, n, ws.Staff)
			} else {
				s.e.SignInAt(ctx, n, before)
			}
		}
	}
	if err != nil {
		return err
	}
	ws, _ := s.e.Window(n)
	writeJSON(w, 200, map[string]any{"ticket": t, "window": ws})
	return nil
}

// getParked lists the parked tickets: a clerk's window's own (parked there
// or of its services), every one for supervisors.
func (s *Server) getParked(w http.ResponseWriter, r *http.Request, id who) error {
	list := s.e.Parked()
	if !id.user.HallWide() {
		if id.window() == 0 {
			return errOtherWindow
		}
		list = s.e.ParkedFor(id.window())
	}
	if list == nil {
		list = []*engine.Ticket{}
	}
	writeJSON(w, 200, list)
	return nil
}

// postRequeue requeues a parked ticket: a clerk only one of their window's
// parked list.
func (s *Server) postRequeue(w http.ResponseWriter, r *http.Request, id who) error {
	var req struct {
		Window int `json:"window"`
	}
	if err := decode(r, &req); err != nil {
		return err
	}
	tid := r.PathValue("id")
	win := id.window()
	if !id.user.HallWide() {
		if win == 0 || !slices.ContainsFunc(s.e.ParkedFor(win), func(t *engine.Ticket) bool { return t.ID == tid }) {
			return errOtherWindow
		}
	} else if win == 0 {
		win = req.Window
	}
	t, err := s.e.Requeue(r.Context(), tid, id.actor(win))
	if err != nil {
		return err
	}
	writeJSON(w, 200, t)
	return nil
}

func (s *Server) getSlots(w http.ResponseWriter, r *http.Request, _ who) error {
	day := r.URL.Query().Get("day")
	if day == "" {
		day = s.e.Today()
	}
	slots, err := s.e.Slots(r.Context(), r.URL.Query().Get("service"), day)
	if err != nil {
		return err
	}
	writeJSON(w, 200, slots)
	return nil
}

var mobileRe = regexp.MustCompile(`^1[3-9][0-9]{9}$`)

// postAppointment books: a GB 11643 ID number, a name and a mobile number
// are required; one client address makes at most BookingsPerAddress
// bookings an hour.
func (s *Server) postAppointment(w http.ResponseWriter, r *http.Request, _ who) error {
	var req engine.BookRequest
	if err := decode(r, &req); err != nil {
		return err
	}
	req.Name, req.Phone = strings.TrimSpace(req.Name), strings.ReplaceAll(strings.TrimSpace(req.Phone), " ", "")
	switch {
	case engine.CheckIDNumber(req.IDNumber, s.now()) != nil:
		return &forbidden{code: "invalid_id", msg: "身份证号码有误", st: 400}
	case req.Name == "" || utf8.RuneCountInString(req.Name) > 30:
		return &forbidden{code: "invalid_name", msg: "请填写姓名", st: 400}
	case !mobileRe.MatchString(req.Phone):
		return &forbidden{code: "invalid_phone", msg: "请填写正确的手机号码", st: 400}
	}
	if !s.bookings.allow(clientAddr(r), s.now()) {
		writeErr(w, http.StatusTooManyRequests, "too_many_bookings", "预约过于频繁，请稍后再试")
		return nil
	}
	a, err := s.e.Book(r.Context(), req)
	if err != nil {
		return err
	}
	writeJSON(w, 201, a)
	return nil
}

func (s *Server) getAppointment(w http.ResponseWriter, r *http.Request, _ who) error {
	a, err := s.e.Appointment(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	a.Code = ""
	writeJSON(w, 200, a)
	return nil
}

// cancelAppointment cancels a booking: the citizen with the booking's
// code, or a supervisor.
func (s *Server) cancelAppointment(w http.ResponseWriter, r *http.Request, id who) error {
	var req struct {
		Code string `json:"code"`
	}
	if err := decode(r, &req); err != nil {
		return err
	}
	aid := r.PathValue("id")
	a := id.actor(0)
	if id.user == nil || !allowed(id.user.Role, superv) {
		got, err := s.e.AppointmentOfCode(req.Code)
		if err != nil || got != aid {
			return &forbidden{code: "bad_code", msg: "预约码无效"}
		}
		a.Name = "citizen"
	}
	if err := s.e.CancelAppointment(r.Context(), aid, a); err != nil {
		return err
	}
	writeJSON(w, 200, map[string]bool{"ok": true})
	return nil
}

func (s *Server) getStats(w http.ResponseWriter, r *http.Request, _ who) error {
	q := r.URL.Query()
	from, to := q.Get("from"), q.Get("to")
	if from == "" {
		from = s.e.Today()
	}
	if to == "" {
		to = from
	}
	rows, err := s.e.Stats(r.Context(), from, to)
	if err != nil {
		return err
	}
	if us, err := s.Users(r.Context()); err == nil {
		names := map[string]string{}
		for _, u := range us {
			names[u.Name] = u.Display
		}
		for i := range rows {
			if rows[i].Dimension == "staff" {
				rows[i].Name = names[rows[i].Key]
			}
		}
	}
	if q.Get("format") == "csv" {
		w.Header().Set("Content-Type", "text/csv; charset=utf-8")
		w.Header().Set("Content-Disposition", fmt.Sprintf("attachment; filename=\"stats-%s-%s.csv\"", from, to))
		return engine.WriteCSV(w, rows)
	}
	writeJSON(w, 200, rows)
	return nil
}

func (s *Server) getEvents(w http.ResponseWriter, r *http.Request, _ who) error {
	q := r.URL.Query()
	day := q.Get("day")
	if day == "" {
		day = s.e.Today()
	}
	after, _ := strconv.ParseInt(q.Get("after"), 10, 64)
	limit, _ := strconv.Atoi(q.Get("limit"))
	evs, err := s.e.Events(r.Context(), day, after, limit)
	if err != nil {
		return err
	}
	writeJSON(w, 200, evs)
	return nil
}

func (s *Server) getUsers(w http.ResponseWriter, r *http.Request, _ who) error {
	us, err := s.Users(r.Context())
	if err != nil {
		return err
	}
	writeJSON(w, 200, us)
	return nil
}
