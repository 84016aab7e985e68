package hallapi

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"hallkiosk/queue/engine"
)

// validID returns a GB 11643-valid identity number, different for each i.
func validID(i int) string {
	body := fmt.Sprintf("620102199001%02d%03d", 1+i%28, i%1000)
	w := []int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}
	sum := 0
	for k := range 17 {
		sum += int(body[k]-'0') * w[k]
	}
	return body + string("10X98765432"[sum%11])
}

// loginAt signs user in at window (0: the account's default).
func (h *testHall) loginAt(user, pw string, window int) string {
	h.t.Helper()
	var r struct{ Token string }
	if code := h.call("POST", "/api/v1/login", "", map[string]any{"user": user, "password": pw, "window": window}, &r); code != 200 {
		h.t.Fatalf("login %s at %d: %d", user, window, code)
	}
	return r.Token
}

// raw sends body as is with headers, returning the status and body.
func (h *testHall) raw(method, path string, hdr map[string]string, body string) (int, string) {
	h.t.Helper()
	req, _ := http.NewRequest(method, h.ts.URL+path, strings.NewReader(body))
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// serve issues a ticket of svc (with req's fields), and calls, starts and
// finishes it at window n with token.
func (h *testHall) serve(req engine.IssueRequest, n int, token string) *engine.Ticket {
	h.t.Helper()
	tk, err := h.e.Issue(context.Background(), req)
	if err != nil {
		h.t.Fatal(err)
	}
	for _, a := range []string{"next", "start", "finish"} {
		h.clk.Advance(time.Minute)
		var e errReply
		if code := h.call("POST", fmt.Sprintf("/api/v1/windows/%d/%s", n, a), token, nil, &e); code != 200 {
			h.t.Fatalf("window %d %s: %d %+v", n, a, code, e)
		}
	}
	return tk
}

// TestRatingsOnlyFromCitizens: issue 13 item 1. A clerk cannot rate the
// ticket they served; the kiosk rates only the ticket the citizen
// identified; one rating and one re-rating per served step, both kept;
// a poor rating opens a 整改 case that supervisors assign and close.
func TestRatingsOnlyFromCitizens(t *testing.T) {
	h := newHall(t, true)
	bg := context.Background()
	staff := h.loginAt("staff1", "staff1-demo", 19)
	var e errReply
	tk := h.serve(engine.IssueRequest{Service: "tax-invoice"}, 19, staff)
	unserved, _ := h.e.Issue(bg, engine.IssueRequest{Service: "tax-invoice"})
	code, _ := h.e.TicketCode(bg, tk.ID)
	// The clerk's own session, even with the ticket's code: refused.
	if c := h.call("POST", "/api/v1/tickets/"+tk.ID+"/rate", staff, map[string]any{"score": 5, "code": code}, &e); c != 403 || e.Error.Code != "not_citizen_channel" {
		t.Fatalf("staff rating: %d %+v", c, e)
	}
	if c := h.call("POST", "/api/v1/public/rate", staff, map[string]any{"code": code, "level": 5}, &e); c != 403 {
		t.Fatalf("staff rating through the public route: %d %+v", c, e)
	}
	// A kiosk rating must name the identified ticket.
	if c := h.call("POST", "/api/v1/tickets/"+tk.ID+"/rate", kioskAuth, map[string]any{"score": 1}, &e); c != 403 || e.Error.Code != "not_identified" {
		t.Fatalf("kiosk rating without identification: %d %+v", c, e)
	}
	other, _ := h.e.TicketCode(bg, unserved.ID)
	if c := h.call("POST", "/api/v1/tickets/"+tk.ID+"/rate", kioskAuth, map[string]any{"score": 1, "code": other}, &e); c != 403 || e.Error.Code != "not_identified" {
		t.Fatalf("kiosk rating with another ticket's code: %d %+v", c, e)
	}
	if c := h.call("POST", "/api/v1/tickets/"+unserved.ID+"/rate", kioskAuth, map[string]any{"score": 1, "code": other}, &e); c != 409 {
		t.Fatalf("rating an unserved ticket: %d %+v", c, e)
	}
	if c := h.call("POST", "/api/v1/tickets/"+tk.ID+"/rate", kioskAuth, map[string]any{"score": 1, "code": code + "x"}, &e); c != 400 || e.Error.Code != "bad_code" {
		t.Fatalf("forged code: %d %+v", c, e)
	}
	var rr RateReply
	if c := h.call("POST", "/api/v1/tickets/"+tk.ID+"/rate", kioskAuth, map[string]any{"score": 1, "code": code, "reasons": []string{"等候太久"}}, &rr); c != 200 || rr.Count != 1 || rr.Level != 1 || rr.Window != 19 {
		t.Fatalf("kiosk rating: %d %+v", c, rr)
	}
	// The citizen re-rates once on the progress page; a third is refused.
	h.clk.Advance(10 * time.Minute)
	if c := h.call("POST", "/api/v1/public/rate", "", map[string]any{"code": code, "level": 4, "text": "后来解决了"}, &rr); c != 200 || rr.Count != 2 {
		t.Fatalf("re-rating: %d %+v", c, rr)
	}
	if c := h.call("POST", "/api/v1/public/rate", "", map[string]any{"code": code, "level": 5}, &e); c != 409 || e.Error.Code != "bad_state" {
		t.Fatalf("third rating: %d %+v", c, e)
	}
	if c := h.call("POST", "/api/v1/tickets/"+tk.ID+"/rate", kioskAuth, map[string]any{"score": 5, "code": code}, &e); c != 409 {
		t.Fatalf("kiosk rating after the re-rating: %d %+v", c, e)
	}
	sup := h.login("super1", "super1-demo")
	var rs []engine.Rating
	h.call("GET", "/api/v1/ratings", sup, nil, &rs)
	if len(rs) != 2 || rs[0].Level != 1 || rs[1].Level != 4 || rs[0].Staff != "staff1" || rs[0].Window != 19 || rs[0].Channel != engine.ChannelKiosk || rs[1].Channel != engine.ChannelProgress {
		t.Fatalf("ratings %+v", rs)
	}
	// The poor first rating opened a case, 15 working days (2026-11-25 is
	// a Wednesday: three weeks on, 2026-12-16).
	var cs []engine.Case
	if c := h.call("GET", "/api/v1/cases", staff, nil, nil); c != 403 {
		t.Errorf("staff sees cases: %d", c)
	}
	h.call("GET", "/api/v1/cases", sup, nil, &cs)
	if len(cs) != 1 || cs[0].Staff != "staff1" || cs[0].Window != 19 || cs[0].State != engine.CaseOpen || cs[0].Deadline.In(loc).Format(time.DateOnly) != "2026-12-16" {
		t.Fatalf("cases %+v", cs)
	}
	id := cs[0].ID
	var c1 engine.Case
	if c := h.call("POST", "/api/v1/cases/"+id+"/assign", sup, map[string]string{"assignee": "staff1"}, &c1); c != 200 || c1.State != engine.CaseAssigned {
		t.Fatalf("assign: %d %+v", c, c1)
	}
	if c := h.call("POST", "/api/v1/cases/"+id+"/close", sup, map[string]string{}, &e); c != 400 {
		t.Fatalf("close without a callback note: %d", c)
	}
	if c := h.call("POST", "/api/v1/cases/"+id+"/close", sup, map[string]string{"callback": "已电话回访，群众表示满意"}, &c1); c != 200 || c1.State != engine.CaseClosed || c1.ClosedBy != "super1" || c1.Overdue {
		t.Fatalf("close: %d %+v", c, c1)
	}
	cs = nil
	h.call("GET", "/api/v1/cases", sup, nil, &cs)
	if len(cs) != 0 {
		t.Errorf("open cases after closing: %+v", cs)
	}
	// A real-name ticket is identified by its holder's ID card.
	id1, id2 := validID(1), validID(2)
	h.e.Cancel(bg, unserved.ID, engine.Actor{Name: "kiosk1"})
	rn := h.serve(engine.IssueRequest{Service: "tax-invoice", IDNumber: id1}, 19, staff)
	if c := h.call("POST", "/api/v1/tickets/"+rn.ID+"/rate", kioskAuth, map[string]any{"score": 5, "id_number": id2}, &e); c != 403 || e.Error.Code != "not_identified" {
		t.Fatalf("another person's card: %d %+v", c, e)
	}
	if c := h.call("POST", "/api/v1/tickets/"+rn.ID+"/rate", kioskAuth, map[string]any{"score": 5, "id_number": id1}, &rr); c != 200 || rr.Count != 1 {
		t.Fatalf("holder's card: %d %+v", c, rr)
	}
}

// TestStaffAtTheirWindows: issue 13 item 3.
func TestStaffAtTheirWindows(t *testing.T) {
	h := newHall(t, true)
	var e errReply
	if c := h.call("POST", "/api/v1/login", "", map[string]any{"user": "staff1", "password": "staff1-demo", "window": 39}, &e); c != 403 || e.Error.Code != "not_your_window" {
		t.Fatalf("login at the police window: %d %+v", c, e)
	}
	s19 := h.loginAt("staff1", "staff1-demo", 19)
	for _, p := range []string{"/api/v1/windows/39/next", "/api/v1/windows/20/pause", "/api/v1/windows/50/signin"} {
		if c := h.call("POST", p, s19, nil, &e); c != 403 || e.Error.Code != "not_your_window" {
			t.Errorf("%s: %d %+v", p, c, e)
		}
	}
	if ws, _ := h.e.Window(20); ws.Paused {
		t.Fatal("window 20 paused by staff1")
	}
	// A supervisor lets staff1 staff window 20 too; signing in there ends
	// the session at 19 and takes staff1 off window 19.
	sup := h.login("super1", "super1-demo")
	if c := h.call("PUT", "/api/v1/users/staff1/windows", s19, map[string]any{"windows": []int{19, 20}}, nil); c != 403 {
		t.Errorf("staff sets their own windows: %d", c)
	}
	if c := h.call("PUT", "/api/v1/users/staff1/windows", sup, map[string]any{"windows": []int{19, 20}}, nil); c != 200 {
		t.Fatalf("supervisor sets windows: %d", c)
	}
	s19 = h.loginAt("staff1", "staff1-demo", 19)
	s20 := h.loginAt("staff1", "staff1-demo", 20)
	if c := h.call("GET", "/api/v1/me", s19, nil, nil); c != 401 {
		t.Errorf("session at 19 after signing in at 20: %d", c)
	}
	w19, _ := h.e.Window(19)
	w20, _ := h.e.Window(20)
	if w19.Staff != "" || w20.Staff != "staff1" {
		t.Fatalf("windows 19 %q 20 %q", w19.Staff, w20.Staff)
	}
	// Another clerk signing in at 20 takes it over.
	h.s.AddUser(context.Background(), User{Name: "staff7", Role: RoleStaff, Windows: []int{20}}, "staff7-demo")
	h.loginAt("staff7", "staff7-demo", 20)
	if c := h.call("POST", "/api/v1/windows/20/pause", s20, nil, nil); c != 401 {
		t.Errorf("taken-over session still acts: %d", c)
	}
	var audit []AuditEntry
	h.call("GET", "/api/v1/audit", h.login("admin", "admin-demo"), nil, &audit)
	takeovers := 0
	for _, a := range audit {
		if a.Kind == "takeover" {
			takeovers++
		}
	}
	if takeovers != 2 {
		t.Errorf("takeovers audited: %d in %+v", takeovers, audit)
	}
	// Wait estimates count windows with a signed-in, unpaused clerk.
	open := func() int {
		for _, s := range h.e.Status() {
			if s.ID == "tax-filing" {
				return s.OpenWindows
			}
		}
		return -1
	}
	if n := open(); n != 1 {
		t.Fatalf("open tax-filing windows %d, want 1 (staff7 at 20)", n)
	}
	s19b := h.loginAt("staff1", "staff1-demo", 19)
	if n := open(); n != 2 {
		t.Fatalf("open windows %d, want 2", n)
	}
	h.call("POST", "/api/v1/windows/19/pause", s19b, nil, nil)
	if n := open(); n != 1 {
		t.Fatalf("open windows after a pause %d, want 1", n)
	}
	h.call("POST", "/api/v1/windows/19/resume", s19b, nil, nil)
	h.call("POST", "/api/v1/logout", s19b, nil, nil)
	if n := open(); n != 1 {
		t.Fatalf("open windows after logout %d, want 1", n)
	}
	// An expired session takes the clerk off the window too.
	h.loginAt("staff1", "staff1-demo", 19)
	if n := open(); n != 2 {
		t.Fatalf("open windows %d, want 2", n)
	}
	h.clk.Advance(2 * time.Hour)
	h.s.expireSessions(context.Background())
	if n := open(); n != 0 {
		t.Fatalf("open windows after the sessions expired %d, want 0", n)
	}
	sup = h.login("super1", "super1-demo")
	// Supervisors act hall-wide.
	if c := h.call("POST", "/api/v1/windows/39/pause", sup, nil, nil); c != 200 {
		t.Errorf("supervisor pauses 39: %d", c)
	}
	h.call("POST", "/api/v1/windows/39/resume", sup, nil, nil)
	if ws, _ := h.e.Window(39); ws.Staff != "" || ws.Paused {
		t.Errorf("window 39 after the supervisor's pause and resume: %+v", ws)
	}
}

func (h *testHall) addStaff(name string, window int) string {
	h.t.Helper()
	if err := h.s.AddUser(context.Background(), User{Name: name, Role: RoleStaff, Window: window}, name+"-demo"); err != nil {
		h.t.Fatal(err)
	}
	return h.loginAt(name, name+"-demo", window)
}

// TestParkedPerWindow: issue 13 item 8. Window 105 neither sees nor
// requeues a ticket parked at tax window 20; a supervisor sees all.
func TestParkedPerWindow(t *testing.T) {
	h := newHall(t, true)
	bg := context.Background()
	s20, s105 := h.addStaff("staff2", 20), h.addStaff("staff3", 105)
	tk, _ := h.e.Issue(bg, engine.IssueRequest{Service: "tax-filing"})
	h.call("POST", "/api/v1/windows/20/next", s20, nil, nil)
	var e errReply
	if c := h.call("POST", "/api/v1/windows/20/park", s20, map[string]string{}, &e); c != 400 {
		t.Errorf("park without a reason: %d", c)
	}
	if c := h.call("POST", "/api/v1/windows/20/park", s20, map[string]string{"reason": "缺少材料"}, nil); c != 200 {
		t.Fatalf("park: %d", c)
	}
	var w WindowReply
	h.call("GET", "/api/v1/windows/105", s105, nil, &w)
	if len(w.Parked) != 0 {
		t.Errorf("window 105 sees %+v", w.Parked)
	}
	var list []*engine.Ticket
	h.call("GET", "/api/v1/parked", s105, nil, &list)
	if len(list) != 0 {
		t.Errorf("window 105 parked list %+v", list)
	}
	if c := h.call("POST", "/api/v1/tickets/"+tk.ID+"/requeue", s105, nil, &e); c != 403 {
		t.Errorf("window 105 requeues: %d %+v", c, e)
	}
	h.call("GET", "/api/v1/windows/20", s20, nil, &w)
	if len(w.Parked) != 1 || w.Parked[0].ParkReason != "缺少材料" {
		t.Errorf("window 20 parked %+v", w.Parked)
	}
	h.call("GET", "/api/v1/parked", h.login("super1", "super1-demo"), nil, &list)
	if len(list) != 1 {
		t.Errorf("supervisor parked list %+v", list)
	}
	if c := h.call("POST", "/api/v1/tickets/"+tk.ID+"/requeue", s20, nil, &e); c != 200 {
		t.Errorf("window 20 requeues: %d %+v", c, e)
	}
}

// TestAccounts: issue 13 item 6. Reset, disable and delete end every
// session at once; a role change too; only admins manage accounts.
func TestAccounts(t *testing.T) {
	h := newHall(t, false)
	adm := h.login("admin", "admin-demo")
	staff := h.login("staff1", "staff1-demo")
	sup := h.login("super1", "super1-demo")
	if c := h.call("POST", "/api/v1/users", staff, map[string]any{"name": "evil", "role": "admin", "password": "evil-password"}, nil); c != 403 {
		t.Errorf("staff creates an admin: %d", c)
	}
	if c := h.call("PUT", "/api/v1/users/staff1", sup, map[string]any{"role": "admin"}, nil); c != 403 {
		t.Errorf("supervisor escalates: %d", c)
	}
	if c := h.call("POST", "/api/v1/users", adm, map[string]any{"name": "staff1", "role": "staff", "password": "other-password"}, nil); c != 409 {
		t.Errorf("create over an existing account: %d", c)
	}
	var u User
	if c := h.call("POST", "/api/v1/users", adm, map[string]any{"name": "st1", "display": "张三", "role": "staff", "windows": []int{19, 20}, "password": "st1-password"}, &u); c != 201 || len(u.Windows) != 2 {
		t.Fatalf("create: %d %+v", c, u)
	}
	if c := h.call("POST", "/api/v1/users", adm, map[string]any{"name": "st2", "role": "staff", "windows": []int{999}, "password": "st2-password"}, nil); c != 400 {
		t.Errorf("unknown window: %d", c)
	}
	st1 := h.loginAt("st1", "st1-password", 20)
	// Reset: the old session ends at once, the new password works.
	if c := h.call("POST", "/api/v1/users/st1/reset", adm, map[string]string{"password": "st1-new-password"}, nil); c != 200 {
		t.Fatalf("reset: %d", c)
	}
	if c := h.call("GET", "/api/v1/me", st1, nil, nil); c != 401 {
		t.Errorf("session after reset: %d", c)
	}
	if ws, _ := h.e.Window(20); ws.Staff != "" {
		t.Errorf("window 20 still staffed by %q after the reset", ws.Staff)
	}
	st1 = h.login("st1", "st1-new-password")
	// Role change ends sessions.
	if c := h.call("PUT", "/api/v1/users/st1", adm, map[string]any{"role": "supervisor", "windows": []int{19}}, nil); c != 200 {
		t.Fatalf("role change: %d", c)
	}
	if c := h.call("GET", "/api/v1/me", st1, nil, nil); c != 401 {
		t.Errorf("session after a role change: %d", c)
	}
	st1 = h.login("st1", "st1-new-password")
	var e errReply
	if c := h.call("POST", "/api/v1/users/st1/disable", adm, nil, nil); c != 200 {
		t.Fatalf("disable: %d", c)
	}
	if c := h.call("GET", "/api/v1/me", st1, nil, nil); c != 401 {
		t.Errorf("session after disable: %d", c)
	}
	if c := h.call("POST", "/api/v1/login", "", map[string]string{"user": "st1", "password": "st1-new-password"}, &e); c != 403 || e.Error.Code != "disabled" {
		t.Errorf("login when disabled: %d %+v", c, e)
	}
	h.call("POST", "/api/v1/users/st1/enable", adm, nil, nil)
	st1 = h.login("st1", "st1-new-password")
	if c := h.call("DELETE", "/api/v1/users/st1", adm, nil, nil); c != 200 {
		t.Fatalf("delete: %d", c)
	}
	if c := h.call("GET", "/api/v1/me", st1, nil, nil); c != 401 {
		t.Errorf("session after delete: %d", c)
	}
	if c := h.call("DELETE", "/api/v1/users/admin", adm, nil, nil); c != 403 {
		t.Errorf("admin deletes self: %d", c)
	}
	var audit []AuditEntry
	h.call("GET", "/api/v1/audit", adm, nil, &audit)
	kinds := map[string]int{}
	for _, a := range audit {
		kinds[a.Kind]++
	}
	for _, k := range []string{"user_create", "user_reset", "user_update", "user_disable", "user_enable", "user_delete", "login", "login_disabled"} {
		if kinds[k] == 0 {
			t.Errorf("no %s in the audit: %v", k, kinds)
		}
	}
}

// login posts a login from addr straight to the handler.
func (h *testHall) loginFrom(addr, user, pw string) *httptest.ResponseRecorder {
	req := httptest.NewRequest("POST", "/api/v1/login", strings.NewReader(fmt.Sprintf(`{"user":%q,"password":%q}`, user, pw)))
	req.Header.Set("Content-Type", "application/json")
	req.RemoteAddr = addr + ":40000"
	rec := httptest.NewRecorder()
	h.s.ServeHTTP(rec, req)
	return rec
}

// TestLoginThrottle: issue 13 item 7. A third party guessing a clerk's
// password slows only itself: the clerk's right password still works, at
// once from the clerk's own terminal, within 30 s from elsewhere; the
// guesser's delays grow; no lock renews.
func TestLoginThrottle(t *testing.T) {
	h := newHall(t, false)
	const clerk, attacker, fresh = "10.0.0.19", "10.0.0.66", "10.0.0.77"
	if rec := h.loginFrom(clerk, "staff1", "staff1-demo"); rec.Code != 200 {
		t.Fatalf("clerk login: %d", rec.Code)
	}
	var delays []string
	for i := range 40 {
		rec := h.loginFrom(attacker, "staff1", fmt.Sprintf("guess-%d", i))
		if rec.Code == 429 {
			delays = append(delays, rec.Header().Get("Retry-After"))
			// Wait it out and guess again.
			var d int
			fmt.Sscan(rec.Header().Get("Retry-After"), &d)
			h.clk.Advance(time.Duration(d) * time.Second)
			rec = h.loginFrom(attacker, "staff1", fmt.Sprintf("guess-%d", i))
		}
		if rec.Code != 401 {
			t.Fatalf("guess %d: %d %s", i, rec.Code, rec.Body)
		}
		// Right after each guess the clerk signs in at their terminal.
		if i%5 == 4 {
			if rec := h.loginFrom(clerk, "staff1", "staff1-demo"); rec.Code != 200 {
				t.Fatalf("clerk locked out after %d guesses: %d %s", i+1, rec.Code, rec.Body)
			}
		}
	}
	if len(delays) < 10 || delays[0] != "1" || delays[len(delays)-1] == "1" {
		t.Errorf("attacker's delays do not grow: %v", delays)
	}
	// From a terminal that never signed staff1 in: at most 30 s, then in.
	rec := h.loginFrom(fresh, "staff1", "staff1-demo")
	if rec.Code == 429 {
		var d int
		fmt.Sscan(rec.Header().Get("Retry-After"), &d)
		if d > 30 {
			t.Fatalf("new terminal waits %d s", d)
		}
		h.clk.Advance(time.Duration(d) * time.Second)
		rec = h.loginFrom(fresh, "staff1", "staff1-demo")
	}
	if rec.Code != 200 {
		t.Fatalf("new terminal with the right password: %d %s", rec.Code, rec.Body)
	}
	audit, _ := h.s.Audit(context.Background(), 0)
	kinds := map[string]int{}
	for _, a := range audit {
		kinds[a.Kind]++
	}
	if kinds["login_failed"] != 40 || kinds["login_throttled"] == 0 || kinds["login"] < 9 {
		t.Errorf("audit %v", kinds)
	}
}

// TestBookingChecks: issue 13 item 2.
func TestBookingChecks(t *testing.T) {
	h := newHall(t, false)
	sl := h.openSlot(t, 0)
	book := func(body map[string]any) (int, errReply, engine.Appointment) {
		t.Helper()
		var e errReply
		var a engine.Appointment
		m := map[string]any{"service": "company-startup", "slot_start": sl.Start, "name": "李小梅", "id_number": validID(50), "phone": "13800001234"}
		for k, v := range body {
			m[k] = v
		}
		var out any = &e
		c := h.call("POST", "/api/v1/appointments", "", m, out)
		if c == 201 {
			h.call("GET", "/api/v1/appointments/slots?service=company-startup&day=2026-11-25", "", nil, nil)
		}
		return c, e, a
	}
	for _, bad := range []map[string]any{{"id_number": "x1"}, {"id_number": "620102199001011234"}, {"id_number": ""}, {"name": ""}, {"phone": ""}, {"phone": "12345"}} {
		if c, e, _ := book(bad); c != 400 {
			t.Errorf("%v: %d %+v", bad, c, e)
		}
	}
	var a engine.Appointment
	if c := h.call("POST", "/api/v1/appointments", "", map[string]any{"service": "company-startup", "slot_start": sl.Start, "name": "李小梅", "id_number": validID(50), "phone": "13800001234"}, &a); c != 201 || a.NameMasked != "李**" {
		t.Fatalf("valid booking: %d %+v", c, a)
	}
	// Cancelling needs the booking's code.
	var e errReply
	if c := h.call("POST", "/api/v1/appointments/"+a.ID+"/cancel", "", nil, &e); c != 403 {
		t.Errorf("cancel without the code: %d", c)
	}
	if c := h.call("POST", "/api/v1/appointments/"+a.ID+"/cancel", "", map[string]string{"code": a.Code}, &e); c != 200 {
		t.Errorf("cancel with the code: %d %+v", c, e)
	}
	// One client address books at most 5 an hour (one done above).
	for i := range 4 {
		if c := h.call("POST", "/api/v1/appointments", "", map[string]any{"service": "company-startup", "slot_start": sl.Start, "name": "王五", "id_number": validID(60 + i), "phone": "13800001234"}, &e); c != 201 {
			t.Fatalf("booking %d: %d %+v", i, c, e)
		}
	}
	if c := h.call("POST", "/api/v1/appointments", "", map[string]any{"service": "company-startup", "slot_start": sl.Start, "name": "王五", "id_number": validID(70), "phone": "13800001234"}, &e); c != 429 || e.Error.Code != "too_many_bookings" {
		t.Errorf("sixth booking from one address: %d %+v", c, e)
	}
	// Made-up ID numbers and raw hashes do not get round per-person limits.
	for _, body := range []map[string]string{{"service": "household", "id_number": "fake1"}, {"service": "household", "person_hash": "abc"}} {
		if c := h.call("POST", "/api/v1/tickets", kioskAuth, body, &e); c != 400 {
			t.Errorf("%v: %d %+v", body, c, e)
		}
	}
	if c := h.call("POST", "/api/v1/checkin/person", kioskAuth, map[string]string{"id_number": "x1"}, &e); c != 400 || e.Error.Code != "invalid_id" {
		t.Errorf("check-in with a made-up number: %d %+v", c, e)
	}
}

// TestStrictInput: issue 13 items 5 and 9 at the API: cookie sessions
// need the CSRF token and a same-origin request; JSON must be
// application/json, one value; invisible direction characters refused.
func TestStrictInput(t *testing.T) {
	h := newHall(t, true)
	var r struct {
		Token string
		CSRF  string
	}
	h.call("POST", "/api/v1/login", "", map[string]any{"user": "super1", "password": "super1-demo"}, &r)
	cookie := "hk_session=" + r.Token
	notices := `["今日下午系统维护"]`
	cases := []struct {
		name string
		hdr  map[string]string
		body string
		want int
	}{
		{"cookie without token", map[string]string{"Cookie": cookie, "Content-Type": "application/json", "Origin": h.ts.URL}, notices, 403},
		{"cookie, token, other origin", map[string]string{"Cookie": cookie, "Content-Type": "application/json", "Origin": "http://127.0.0.1:1", CSRFHeader: r.CSRF}, notices, 403},
		{"cookie, token, no origin", map[string]string{"Cookie": cookie, "Content-Type": "application/json", CSRFHeader: r.CSRF}, notices, 403},
		{"text/plain", map[string]string{"Authorization": "Bearer " + r.Token, "Content-Type": "text/plain"}, notices, 415},
		{"trailing junk", map[string]string{"Authorization": "Bearer " + r.Token, "Content-Type": "application/json"}, notices + `{"x":1}`, 400},
		{"two values", map[string]string{"Authorization": "Bearer " + r.Token, "Content-Type": "application/json"}, notices + " " + notices, 400},
		{"right-to-left override", map[string]string{"Authorization": "Bearer " + r.Token, "Content-Type": "application/json"}, `["税务‮申报"]`, 400},
		{"escaped override", map[string]string{"Authorization": "Bearer " + r.Token, "Content-Type": "application/json"}, `["税务\u202e申报"]`, 400},
		{"zero width", map[string]string{"Authorization": "Bearer " + r.Token, "Content-Type": "application/json"}, `["税务​申报"]`, 400},
		{"cookie, token, same origin", map[string]string{"Cookie": cookie, "Content-Type": "application/json", "Origin": h.ts.URL, CSRFHeader: r.CSRF}, notices, 200},
		{"bearer", map[string]string{"Authorization": "Bearer " + r.Token, "Content-Type": "application/json; charset=utf-8"}, notices, 200},
	}
	for _, c := range cases {
		if got, body := h.raw("PUT", "/api/v1/notices", c.hdr, c.body); got != c.want {
			t.Errorf("%s: %d %s, want %d", c.name, got, body, c.want)
		}
	}
	if n := h.s.Notices(); len(n) != 1 || n[0] != "今日下午系统维护" {
		t.Errorf("notices %q", n)
	}
	var e errReply
	if c := h.call("POST", "/api/v1/users", h.login("admin", "admin-demo"), map[string]any{"name": "x1", "display": "王‮芳", "role": "staff", "password": "x1-password"}, &e); c != 400 || e.Error.Code != "invalid_text" {
		t.Errorf("display name with an override: %d %+v", c, e)
	}
}

// TestPublicTicketView: issue 13 item 10.
func TestPublicTicketView(t *testing.T) {
	h := newHall(t, false)
	bg := context.Background()
	tk, err := h.e.Issue(bg, engine.IssueRequest{Service: "household", IDNumber: validID(3), Name: "李小梅"})
	if err != nil {
		t.Fatal(err)
	}
	if tk.NameMasked != "李**" {
		t.Errorf("mask %q", tk.NameMasked)
	}
	if c := h.call("GET", "/api/v1/tickets/"+tk.ID, "", nil, nil); c != 401 {
		t.Errorf("anonymous lookup by id: %d", c)
	}
	if _, err := h.e.CallNext(bg, 39, "staff5"); err != nil {
		t.Fatal(err)
	}
	code, _ := h.e.TicketCode(bg, tk.ID)
	c, body := h.raw("GET", "/api/v1/public/ticket?c="+code, nil, "")
	if c != 200 || strings.Contains(body, "staff5") || !strings.Contains(body, `"window":39`) || !strings.Contains(body, `"name_masked":"李**"`) || strings.Contains(body, tk.ID) {
		t.Errorf("public view: %d %s", c, body)
	}
	if c, _ := h.raw("GET", "/api/v1/public/ticket?c="+forge(code), nil, ""); c != 400 {
		t.Errorf("forged code: %d", c)
	}
	// Staff and kiosks may look tickets up by id; kiosks see no staff names.
	var kt engine.Ticket
	if c := h.call("GET", "/api/v1/tickets/"+tk.ID, kioskAuth, nil, &kt); c != 200 || kt.Staff != "" {
		t.Errorf("kiosk lookup: %d %+v", c, kt)
	}
	for in, want := range map[string]string{"张三": "张**", "李小梅": "李**", "欧阳小明": "欧**", "Alice Smith": "A**"} {
		if got := engine.MaskName(in); got != want {
			t.Errorf("MaskName(%q) = %q, want %q", in, got, want)
		}
	}
}

// forge changes one character in the middle of a code's signature.
func forge(code string) string {
	b := []byte(code)
	i := len(b) - 10
	if b[i] == 'x' {
		b[i] = 'y'
	} else {
		b[i] = 'x'
	}
	return string(b)
}
