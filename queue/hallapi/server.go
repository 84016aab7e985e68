package hallapi

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

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
}

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

	failMu   sync.Mutex
	failures map[string][]time.Time // user → recent failed logins

	noticeMu sync.Mutex
	notices  []string
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
	s := &Server{e: e, db: e.DB(), cfg: cfg, log: cfg.Log, now: cfg.Now, mux: http.NewServeMux(), sessions: map[string]cachedSession{}}
	if _, err := s.db.ExecContext(ctx, authSchema); err != nil {
		return nil, fmt.Errorf("hallapi: schema: %w", err)
	}
	s.notices = cfg.Notices
	if s.notices == nil {
		s.notices = e.Catalog().Hall.Notices
	}
	var stored string
	if err := s.db.QueryRowContext(ctx, `SELECT value FROM settings WHERE key='notices'`).Scan(&stored); err == nil {
		json.Unmarshal([]byte(stored), &s.notices)
	}
	s.met = newMetrics()
	s.hub = newHub(s)
	s.routes()
	return s, nil
}

// Run drives the live display stream until ctx ends. Call it once.
func (s *Server) Run(ctx context.Context) { s.hub.run(ctx) }

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
	device string
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
		id.user = s.userOf(r)
		if kiosk {
			id.device = s.device(r)
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
	m.HandleFunc("GET /api/v1/tickets/{id}", s.auth(public, false, s.getTicket))
	m.HandleFunc("POST /api/v1/tickets/{id}/cancel", s.auth(nil, true, s.ticketAction))
	m.HandleFunc("POST /api/v1/tickets/{id}/void", s.auth(nil, true, s.ticketAction))
	m.HandleFunc("POST /api/v1/tickets/{id}/confirm", s.auth(nil, true, s.postConfirm)) // confirm.go
	m.HandleFunc("POST /api/v1/tickets/{id}/rate", s.auth(nil, true, s.ticketAction))
	m.HandleFunc("POST /api/v1/tickets/{id}/requeue", s.auth(staff, false, s.ticketAction))
	m.HandleFunc("POST /api/v1/checkin", s.auth(nil, true, s.postCheckIn))
	m.HandleFunc("POST /api/v1/checkin/person", s.auth(nil, true, s.postCheckInPerson))

	m.HandleFunc("GET /api/v1/windows", s.auth(staffOrTech(), false, s.getWindows))
	m.HandleFunc("GET /api/v1/windows/{n}", s.auth(staff, false, s.getWindow))
	m.HandleFunc("POST /api/v1/windows/{n}/{action}", s.auth(staff, false, s.windowAction))
	m.HandleFunc("GET /api/v1/parked", s.auth(staff, false, s.getParked))

	m.HandleFunc("GET /api/v1/appointments/slots", s.auth(public, false, s.getSlots))
	m.HandleFunc("POST /api/v1/appointments", s.auth(public, false, s.postAppointment))
	m.HandleFunc("GET /api/v1/appointments/{id}", s.auth(public, false, s.getAppointment))
	m.HandleFunc("POST /api/v1/appointments/{id}/cancel", s.auth(public, false, s.cancelAppointment))

	m.HandleFunc("GET /api/v1/stats", s.auth(superv, false, s.getStats))
	m.HandleFunc("GET /api/v1/events", s.auth(techn, false, s.getEvents))
	m.HandleFunc("GET /api/v1/users", s.auth(admin, false, s.getUsers))
	m.HandleFunc("POST /api/v1/users", s.auth(admin, false, s.postUser))
}

func staffOrTech() []Role { return []Role{RoleStaff, RoleTechnician} }

// apiError is the JSON error body: {"error": {"code", "message"}}.
type apiError struct {
	Code    string `json:"code"`
	Message string `json:"message"` // Chinese, for screens
	Detail  string `json:"detail,omitempty"`
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(code)
	json.NewEncoder(w).Encode(v)
}

func writeErr(w http.ResponseWriter, status int, code, msg string) {
	writeJSON(w, status, map[string]apiError{"error": {Code: code, Message: msg}})
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

func decode(r *http.Request, v any) error {
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil && !errors.Is(err, io.EOF) {
		return &badRequest{"body: " + err.Error()}
	}
	return nil
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
	}
	if err := decode(r, &req); err != nil {
		return err
	}
	if s.lockedOut(req.User) {
		writeErr(w, http.StatusTooManyRequests, "too_many_attempts", "密码错误次数过多，请1分钟后再试")
		return nil
	}
	tok, u, exp, err := s.login(r.Context(), req.User, req.Password)
	if errors.Is(err, errLogin) {
		s.loginFailed(req.User)
		s.met.loginFailures.Add(1)
		writeErr(w, http.StatusUnauthorized, "bad_login", "用户名或密码错误")
		return nil
	}
	if err != nil {
		return err
	}
	http.SetCookie(w, &http.Cookie{Name: cookieName, Value: tok, Path: "/", MaxAge: int(s.cfg.SessionTTL.Seconds()), HttpOnly: true, SameSite: http.SameSiteStrictMode})
	writeJSON(w, 200, map[string]any{"token": tok, "user": u, "expires": exp})
	return nil
}

// Five failed logins of one user within five minutes lock it for a minute.
const (
	maxFailures  = 5
	failureSpan  = 5 * time.Minute
	lockDuration = time.Minute
)

func (s *Server) lockedOut(user string) bool {
	s.failMu.Lock()
	defer s.failMu.Unlock()
	f := s.failures[user]
	return len(f) >= maxFailures && s.now().Sub(f[len(f)-1]) < lockDuration
}

func (s *Server) loginFailed(user string) {
	s.failMu.Lock()
	defer s.failMu.Unlock()
	if s.failures == nil || len(s.failures) > 10000 {
		s.failures = map[string][]time.Time{}
	}
	now := s.now()
	var keep []time.Time
	for _, t := range s.failures[user] {
		if now.Sub(t) < failureSpan {
			keep = append(keep, t)
		}
	}
	s.failures[user] = append(keep, now)
}

func (s *Server) postLogout(w http.ResponseWriter, r *http.Request, _ who) error {
	s.logout(r)
	http.SetCookie(w, &http.Cookie{Name: cookieName, Value: "", Path: "/", MaxAge: -1})
	writeJSON(w, 200, map[string]bool{"ok": true})
	return nil
}

func (s *Server) getMe(w http.ResponseWriter, r *http.Request, id who) error {
	writeJSON(w, 200, id.user)
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
	data, err := io.ReadAll(r.Body)
	if err != nil {
		return &badRequest{err.Error()}
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
}

func (s *Server) getStatus(w http.ResponseWriter, r *http.Request, _ who) error {
	writeJSON(w, 200, StatusReply{Day: s.e.Today(), Now: s.now(), Services: s.e.Status(), Notices: s.Notices()})
	return nil
}

// Notices returns the ticker notices.
func (s *Server) Notices() []string {
	s.noticeMu.Lock()
	defer s.noticeMu.Unlock()
	return append([]string{}, s.notices...)
}

func (s *Server) getNotices(w http.ResponseWriter, r *http.Request, _ who) error {
	writeJSON(w, 200, s.Notices())
	return nil
}

func (s *Server) putNotices(w http.ResponseWriter, r *http.Request, _ who) error {
	var list []string
	if err := decode(r, &list); err != nil {
		return err
	}
	if len(list) > 20 {
		return &badRequest{"at most 20 notices"}
	}
	data, _ := json.Marshal(list)
	if _, err := s.db.ExecContext(r.Context(), `INSERT INTO settings(key, value) VALUES ('notices', ?) ON CONFLICT(key) DO UPDATE SET value=excluded.value`, string(data)); err != nil {
		return fmt.Errorf("hallapi: save notices: %w", err)
	}
	s.noticeMu.Lock()
	s.notices = list
	s.noticeMu.Unlock()
	s.hub.poke()
	writeJSON(w, 200, list)
	return nil
}

func (s *Server) postTicket(w http.ResponseWriter, r *http.Request, id who) error {
	var req engine.IssueRequest
	if err := decode(r, &req); err != nil {
		return err
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
	writeJSON(w, 201, t)
	return nil
}

func (s *Server) getTicket(w http.ResponseWriter, r *http.Request, _ who) error {
	t, err := s.e.Ticket(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, 200, t)
	return nil
}

func (s *Server) ticketAction(w http.ResponseWriter, r *http.Request, id who) error {
	tid := r.PathValue("id")
	action := r.URL.Path[strings.LastIndex(r.URL.Path, "/")+1:]
	var req struct {
		Reason string `json:"reason"`
		Score  int    `json:"score"`
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
	case "rate":
		t, err = s.e.Rate(r.Context(), tid, req.Score, a)
	case "requeue":
		t, err = s.e.Requeue(r.Context(), tid, a)
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
	writeJSON(w, 201, t)
	return nil
}

// postCheckInPerson checks in the booking of an ID card's holder (the kiosk
// sends the number as it does for real-name tickets; it is hashed at once).
func (s *Server) postCheckInPerson(w http.ResponseWriter, r *http.Request, id who) error {
	var req struct {
		IDNumber string `json:"id_number"`
	}
	if err := decode(r, &req); err != nil {
		return err
	}
	t, err := s.e.CheckInPerson(r.Context(), req.IDNumber, id.actor(0).Name)
	if err != nil {
		return err
	}
	writeJSON(w, 201, t)
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

func (s *Server) getWindow(w http.ResponseWriter, r *http.Request, _ who) error {
	n, err := windowNumber(r)
	if err != nil {
		return err
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
	parked := s.e.Parked()
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
	var t *engine.Ticket
	switch r.PathValue("action") {
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
	case "signin":
		err = s.e.SignIn(ctx, n, who)
	default:
		writeErr(w, 404, "not_found", "没有该操作")
		return nil
	}
	if err != nil {
		return err
	}
	ws, _ := s.e.Window(n)
	writeJSON(w, 200, map[string]any{"ticket": t, "window": ws})
	return nil
}

func (s *Server) getParked(w http.ResponseWriter, r *http.Request, _ who) error {
	writeJSON(w, 200, s.e.Parked())
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

func (s *Server) postAppointment(w http.ResponseWriter, r *http.Request, _ who) error {
	var req engine.BookRequest
	if err := decode(r, &req); err != nil {
		return err
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

func (s *Server) cancelAppointment(w http.ResponseWriter, r *http.Request, id who) error {
	if err := s.e.CancelAppointment(r.Context(), r.PathValue("id"), id.actor(0)); err != nil {
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

func (s *Server) postUser(w http.ResponseWriter, r *http.Request, _ who) error {
	var req struct {
		User
		Password string `json:"password"`
	}
	if err := decode(r, &req); err != nil {
		return err
	}
	if err := s.AddUser(r.Context(), req.User, req.Password); err != nil {
		return &badRequest{err.Error()}
	}
	writeJSON(w, 201, req.User)
	return nil
}
