package hallapi

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"hallkiosk/internal/pii"
	"hallkiosk/queue/catalog"
	"hallkiosk/queue/engine"
)

func init() { bcryptCost = bcrypt.MinCost }

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

type testHall struct {
	t   *testing.T
	e   *engine.Engine
	s   *Server
	ts  *httptest.Server
	clk *clock
}

var loc = catalog.Default().Location()

func newHall(t *testing.T, demo bool) *testHall {
	t.Helper()
	clk := &clock{t: time.Date(2026, 11, 25, 10, 0, 0, 0, loc)}
	e, err := engine.Open(context.Background(), filepath.Join(t.TempDir(), "hall.db"), engine.Options{Now: clk.Now, Hasher: pii.NewHasher([]byte("0123456789abcdef0123"))})
	if err != nil {
		t.Fatal(err)
	}
	s, err := New(context.Background(), e, Config{Demo: demo, Now: clk.Now, SessionTTL: time.Hour, Kiosks: map[string]string{"kiosk1": "secret-of-kiosk-one"}})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	go s.Run(ctx)
	ts := httptest.NewServer(s)
	t.Cleanup(func() { ts.CloseClientConnections(); ts.Close(); cancel(); e.Close() })
	for _, u := range []struct {
		u  User
		pw string
	}{
		{User{Name: "staff1", Role: RoleStaff, Window: 19}, "staff1-demo"},
		{User{Name: "super1", Role: RoleSupervisor}, "super1-demo"},
		{User{Name: "tech1", Role: RoleTechnician}, "tech1-demo"},
		{User{Name: "admin", Role: RoleAdmin}, "admin-demo"},
	} {
		if err := s.AddUser(context.Background(), u.u, u.pw); err != nil {
			t.Fatal(err)
		}
	}
	return &testHall{t: t, e: e, s: s, ts: ts, clk: clk}
}

// call does one request; auth is "" (none), a bearer token or "Device id:secret".
func (h *testHall) call(method, path, auth string, body any, out any) int {
	h.t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, h.ts.URL+path, rd)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if auth != "" {
		if strings.HasPrefix(auth, "Device ") {
			req.Header.Set("Authorization", auth)
		} else {
			req.Header.Set("Authorization", "Bearer "+auth)
		}
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	if out != nil {
		if err := json.Unmarshal(data, out); err != nil {
			h.t.Fatalf("%s %s: %d %s: %v", method, path, resp.StatusCode, data, err)
		}
	}
	return resp.StatusCode
}

func (h *testHall) login(user, pw string) string {
	h.t.Helper()
	var r struct{ Token string }
	if code := h.call("POST", "/api/v1/login", "", map[string]string{"user": user, "password": pw}, &r); code != 200 {
		h.t.Fatalf("login %s: %d", user, code)
	}
	return r.Token
}

type errReply struct {
	Error apiError `json:"error"`
}

const kioskAuth = "Device kiosk1:secret-of-kiosk-one"

func TestAuthAndRoles(t *testing.T) {
	h := newHall(t, false)
	var e errReply
	if code := h.call("POST", "/api/v1/login", "", map[string]string{"user": "staff1", "password": "wrong-password"}, &e); code != 401 || e.Error.Code != "bad_login" {
		t.Errorf("bad login: %d %+v", code, e)
	}
	if code := h.call("GET", "/api/v1/windows/19", "", nil, nil); code != 401 {
		t.Errorf("no session: %d", code)
	}
	staff := h.login("staff1", "staff1-demo")
	if code := h.call("GET", "/api/v1/windows/19", staff, nil, nil); code != 200 {
		t.Errorf("staff window: %d", code)
	}
	if code := h.call("GET", "/api/v1/stats", staff, nil, nil); code != 403 {
		t.Errorf("staff stats: %d", code)
	}
	if code := h.call("PUT", "/api/v1/catalog", h.login("super1", "super1-demo"), catalog.Default(), nil); code != 403 {
		t.Errorf("supervisor catalogue: %d", code)
	}
	tech := h.login("tech1", "tech1-demo")
	if code := h.call("POST", "/api/v1/windows/19/next", tech, nil, nil); code != 403 {
		t.Errorf("technician calls: %d", code)
	}
	if code := h.call("GET", "/api/v1/events", tech, nil, nil); code != 200 {
		t.Errorf("technician events: %d", code)
	}
	adm := h.login("admin", "admin-demo")
	if code := h.call("POST", "/api/v1/users", adm, map[string]any{"name": "staff9", "role": "staff", "password": "staff9-password"}, nil); code != 201 {
		t.Errorf("add user: %d", code)
	}
	h.login("staff9", "staff9-password")
	// Kiosk routes need a kiosk key outside demo mode.
	if code := h.call("POST", "/api/v1/tickets", "", map[string]string{"service": "tax-invoice"}, &e); code != 401 {
		t.Errorf("anonymous issue: %d", code)
	}
	if code := h.call("POST", "/api/v1/tickets", "Device kiosk1:wrong-secret-xxxx", map[string]string{"service": "tax-invoice"}, nil); code != 401 {
		t.Errorf("bad kiosk key: %d", code)
	}
	var tk engine.Ticket
	if code := h.call("POST", "/api/v1/tickets", kioskAuth, map[string]string{"service": "tax-invoice"}, &tk); code != 201 || tk.DeviceID != "kiosk1" {
		t.Errorf("kiosk issue: %d %+v", code, tk)
	}
	// Sessions expire.
	h.clk.Advance(61 * time.Minute)
	if code := h.call("GET", "/api/v1/windows/19", staff, nil, nil); code != 401 {
		t.Errorf("expired session: %d", code)
	}
	// Changing one's password ends every session of the user.
	s3 := h.login("staff1", "staff1-demo")
	if code := h.call("POST", "/api/v1/me/password", s3, map[string]string{"old": "wrong", "new": "new-password-1"}, nil); code != 401 {
		t.Errorf("password change with a wrong old password: %d", code)
	}
	if code := h.call("POST", "/api/v1/me/password", s3, map[string]string{"old": "staff1-demo", "new": "new-password-1"}, nil); code != 200 {
		t.Errorf("password change: %d", code)
	}
	if code := h.call("GET", "/api/v1/me", s3, nil, nil); code != 401 {
		t.Errorf("session after password change: %d", code)
	}
	h.login("staff1", "new-password-1")
	h.call("POST", "/api/v1/me/password", h.login("staff1", "new-password-1"), map[string]string{"old": "new-password-1", "new": "staff1-demo"}, nil)
	// Repeated wrong passwords from one address slow that address down
	// for the user (a growing delay, not a lock: see TestLoginThrottle).
	for range pairFree {
		h.call("POST", "/api/v1/login", "", map[string]string{"user": "tech1", "password": "guess-guess"}, nil)
	}
	if code := h.call("POST", "/api/v1/login", "", map[string]string{"user": "tech1", "password": "tech1-demo"}, &e); code != 429 || e.Error.Code != "too_many_attempts" {
		t.Errorf("after %d failures: %d %+v", pairFree, code, e)
	}
	h.clk.Advance(2 * time.Second)
	h.login("tech1", "tech1-demo")
	// Logout ends a session.
	s2 := h.login("staff1", "staff1-demo")
	h.call("POST", "/api/v1/logout", s2, nil, nil)
	if code := h.call("GET", "/api/v1/me", s2, nil, nil); code != 401 {
		t.Errorf("after logout: %d", code)
	}
}

func TestKioskIssueAndBadInput(t *testing.T) {
	h := newHall(t, true)
	var e errReply
	cases := []struct {
		body   map[string]string
		status int
		code   string
	}{
		{map[string]string{"service": "ghost"}, 404, "unknown_service"},
		{map[string]string{"service": "household"}, 400, "real_name_required"},
		{map[string]string{"service": "bidding", "priority": "vip"}, 400, "priority_not_allowed"},
	}
	for _, c := range cases {
		e = errReply{}
		if code := h.call("POST", "/api/v1/tickets", "", c.body, &e); code != c.status || e.Error.Code != c.code || e.Error.Message == "" {
			t.Errorf("%v: %d %+v", c.body, code, e)
		}
	}
	if code := h.call("POST", "/api/v1/tickets", "", map[string]any{"service": "tax-invoice", "bogus": 1}, &e); code != 400 || e.Error.Code != "invalid" {
		t.Errorf("unknown field: %d %+v", code, e)
	}
	var a, b engine.Ticket
	h.call("POST", "/api/v1/tickets", "", map[string]string{"service": "tax-invoice", "key": "k1:5"}, &a)
	h.call("POST", "/api/v1/tickets", "", map[string]string{"service": "tax-invoice", "key": "k1:5"}, &b)
	if a.ID == "" || a.ID != b.ID || !b.Duplicate {
		t.Errorf("idempotent issue: %+v / %+v", a, b)
	}
	var st StatusReply
	h.call("GET", "/api/v1/status", "", nil, &st)
	found := false
	for _, s := range st.Services {
		if s.ID == "tax-invoice" {
			found = s.Waiting == 1 && s.WaitMin > 0
		}
	}
	if !found || len(st.Notices) == 0 {
		t.Errorf("status: %+v", st)
	}
	// Closed hours (12:30 lunch) are refused with a clear code.
	h.clk.Advance(150 * time.Minute)
	if code := h.call("POST", "/api/v1/tickets", "", map[string]string{"service": "bidding"}, &e); code != 409 || e.Error.Code != "closed" {
		t.Errorf("closed: %d %+v", code, e)
	}
}

func TestWindowFlowAndStream(t *testing.T) {
	h := newHall(t, true)
	staff := h.login("staff1", "staff1-demo")
	// Open the display stream first.
	req, _ := http.NewRequest("GET", h.ts.URL+"/api/v1/stream", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	events := make(chan [2]string, 100)
	go func() {
		sc := bufio.NewScanner(resp.Body)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		var name string
		for sc.Scan() {
			line := sc.Text()
			switch {
			case strings.HasPrefix(line, "event: "):
				name = strings.TrimPrefix(line, "event: ")
			case strings.HasPrefix(line, "data: "):
				events <- [2]string{name, strings.TrimPrefix(line, "data: ")}
			}
		}
		close(events)
	}()
	next := func(kind string) string {
		t.Helper()
		timeout := time.After(5 * time.Second)
		for {
			select {
			case ev, ok := <-events:
				if !ok {
					t.Fatal("stream closed")
				}
				if ev[0] == kind {
					return ev[1]
				}
			case <-timeout:
				t.Fatalf("no %s event", kind)
			}
		}
	}
	next("snapshot")
	// Window actions need the session bound to the window (sign-in).
	if code := h.call("POST", "/api/v1/windows/19/signin", staff, nil, nil); code != 200 {
		t.Fatalf("signin: %d", code)
	}
	var tk engine.Ticket
	h.call("POST", "/api/v1/tickets", "", map[string]string{"service": "tax-filing"}, &tk)
	var r struct {
		Ticket *engine.Ticket
		Window engine.WindowStatus
	}
	if code := h.call("POST", "/api/v1/windows/19/next", staff, nil, &r); code != 200 || r.Ticket.ID != tk.ID {
		t.Fatalf("next: %d %+v", code, r)
	}
	var ev engine.Event
	json.Unmarshal([]byte(next("call")), &ev)
	if ev.Label != tk.Label || ev.Window != 19 || ev.Actor != "staff1" {
		t.Errorf("call event %+v", ev)
	}
	var snap DisplayReply
	json.Unmarshal([]byte(next("snapshot")), &snap)
	if len(snap.Calls) == 0 || snap.Calls[0].Label != tk.Label {
		t.Errorf("snapshot calls %+v", snap.Calls)
	}
	var e errReply
	if code := h.call("POST", "/api/v1/windows/19/transfer", staff, map[string]any{"service": "household", "window": 1}, &e); code != 403 || e.Error.Code != "not_authorised" {
		t.Errorf("transfer to unauthorised window: %d %+v", code, e)
	}
	if code := h.call("POST", "/api/v1/windows/19/recall", staff, nil, nil); code != 200 {
		t.Errorf("recall %d", code)
	}
	if code := h.call("POST", "/api/v1/windows/19/no-show", staff, nil, nil); code != 200 {
		t.Errorf("no-show %d", code)
	}
	if code := h.call("POST", "/api/v1/tickets/"+tk.ID+"/requeue", staff, map[string]int{"window": 19}, nil); code != 200 {
		t.Errorf("requeue %d", code)
	}
	h.call("POST", "/api/v1/windows/19/next", staff, nil, nil)
	h.call("POST", "/api/v1/windows/19/start", staff, nil, nil)
	h.clk.Advance(3 * time.Minute)
	if code := h.call("POST", "/api/v1/windows/19/finish", staff, nil, nil); code != 200 {
		t.Errorf("finish %d", code)
	}
	if code := h.call("POST", "/api/v1/windows/19/pause", staff, nil, nil); code != 200 {
		t.Errorf("pause %d", code)
	}
	if code := h.call("POST", "/api/v1/windows/19/next", staff, nil, &e); code != 409 || e.Error.Code != "window_paused" {
		t.Errorf("next while paused: %d %+v", code, e)
	}
	sup := h.login("super1", "super1-demo")
	req, _ = http.NewRequest("GET", h.ts.URL+"/api/v1/stats?format=csv", nil)
	req.Header.Set("Authorization", "Bearer "+sup)
	resp2, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	csvData, _ := io.ReadAll(resp2.Body)
	resp2.Body.Close()
	if !strings.HasPrefix(string(csvData), "day,dimension,key,issued") || !strings.Contains(string(csvData), "staff,staff1,0,1") {
		t.Errorf("csv:\n%s", csvData)
	}
	resp3, _ := http.Get(h.ts.URL + "/metrics")
	m, _ := io.ReadAll(resp3.Body)
	resp3.Body.Close()
	for _, want := range []string{`hall_waiting{service="tax-filing"} 0`, `hall_events_total{kind="call"} 2`, "hall_call_next_seconds_count 2", "hall_sse_clients 1"} {
		if !strings.Contains(string(m), want) {
			t.Errorf("metrics lack %q", want)
		}
	}
}

// openSlot returns the first open company-startup slot of the test day
// starting more than after from now.
func (h *testHall) openSlot(t *testing.T, after time.Duration) engine.Slot {
	t.Helper()
	var slots []engine.Slot
	if code := h.call("GET", "/api/v1/appointments/slots?service=company-startup&day=2026-11-25", "", nil, &slots); code != 200 || len(slots) == 0 {
		t.Fatalf("slots %d %v", code, slots)
	}
	for _, s := range slots {
		if s.Open && s.Start.After(h.clk.Now().Add(after)) {
			return s
		}
	}
	t.Fatalf("no open slot after %v in %v", after, slots)
	return engine.Slot{}
}

func TestBookingAndCheckIn(t *testing.T) {
	h := newHall(t, false)
	sl := h.openSlot(t, 0)
	var a engine.Appointment
	if code := h.call("POST", "/api/v1/appointments", "", map[string]any{"service": "company-startup", "slot_start": sl.Start, "name": "张小三", "id_number": "62098219601120003X", "phone": "13800001234"}, &a); code != 201 || a.Code == "" || a.NameMasked != "张**" {
		t.Fatalf("book %d %+v", code, a)
	}
	resp, _ := http.Get(h.ts.URL + "/api/v1/qr?c=" + a.Code)
	png, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.Header.Get("Content-Type") != "image/png" || !bytes.HasPrefix(png, []byte("\x89PNG")) {
		t.Errorf("qr image: %s", resp.Header.Get("Content-Type"))
	}
	h.clk.Advance(sl.Start.Sub(h.clk.Now()) - 5*time.Minute)
	var tk engine.Ticket
	if code := h.call("POST", "/api/v1/checkin", kioskAuth, map[string]string{"code": a.Code}, &tk); code != 201 || tk.Priority != catalog.PriorityAppointment {
		t.Fatalf("check-in %d %+v", code, tk)
	}
	var e errReply
	if code := h.call("POST", "/api/v1/checkin", kioskAuth, map[string]string{"code": a.Code + "x"}, &e); code != 400 || e.Error.Code != "bad_code" {
		t.Errorf("forged code: %d %+v", code, e)
	}
}

// TestCheckInByIDCard: a booking is found by the ID card alone (kiosks
// only), too early says from when, and a second check-in returns the same
// ticket.
func TestCheckInByIDCard(t *testing.T) {
	h := newHall(t, false)
	sl := h.openSlot(t, 2*time.Hour)
	var a engine.Appointment
	if code := h.call("POST", "/api/v1/appointments", "", map[string]any{"service": "company-startup", "slot_start": sl.Start, "name": "张小三", "id_number": "62098219601120003X", "phone": "13800001234"}, &a); code != 201 {
		t.Fatalf("book %d %+v", code, a)
	}
	var e errReply
	if code := h.call("POST", "/api/v1/checkin/person", "", map[string]string{"id_number": "62098219601120003x"}, &e); code != 401 && code != 403 {
		t.Errorf("anonymous check-in by ID card: %d", code)
	}
	if code := h.call("POST", "/api/v1/checkin/person", kioskAuth, map[string]string{"id_number": "62098219601120003x"}, &e); code < 400 || e.Error.Code != "bad_slot" || !strings.Contains(e.Error.Message+e.Error.Detail, ":") {
		t.Errorf("too early: %d %+v", code, e)
	}
	e = errReply{}
	if code := h.call("POST", "/api/v1/checkin/person", kioskAuth, map[string]string{"id_number": "620102199001019999"}, &e); code != 404 || e.Error.Code != "not_found" {
		t.Errorf("nobody's booking: %d %+v", code, e)
	}
	h.clk.Advance(sl.Start.Sub(h.clk.Now()) - 10*time.Minute)
	var tk, again engine.Ticket
	// Lower-case x on the card reader's output is the same person.
	if code := h.call("POST", "/api/v1/checkin/person", kioskAuth, map[string]string{"id_number": "62098219601120003x"}, &tk); code != 201 || tk.Priority != catalog.PriorityAppointment || tk.AppointmentID != a.ID {
		t.Fatalf("check-in by ID card %d %+v", code, tk)
	}
	if code := h.call("POST", "/api/v1/checkin/person", kioskAuth, map[string]string{"id_number": "62098219601120003X"}, &again); code != 201 || again.ID != tk.ID || !again.Duplicate {
		t.Errorf("second check-in %d %+v", code, again)
	}
}
