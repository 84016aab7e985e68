package server

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	gosync "sync"
	"testing"
	"time"

	"hallkiosk/city/pgtest"
	"hallkiosk/city/store"
)

// TestAccountRules: the last enabled admin cannot be demoted, disabled or
// deleted (through either route); an admin cannot disable themselves; a
// role change ends the account's sessions; a session unused for the idle
// time ends; five wrong passwords lock the name; a cookie session's write
// needs the CSRF token and this origin.
func TestAccountRules(t *testing.T) {
	ctx := context.Background()
	st, err := store.Open(ctx, pgtest.DB(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(st.Close)
	if err := st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	var mu gosync.Mutex
	now := time.Date(2026, 12, 2, 8, 0, 0, 0, time.UTC)
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	advance := func(d time.Duration) { mu.Lock(); now = now.Add(d); mu.Unlock() }
	srv := New(st, &Options{Fingerprint: fp, Now: clock})
	ts := httptest.NewServer(srv)
	t.Cleanup(ts.Close)
	f := &fixture{st: st, srv: srv, ts: ts}
	for _, a := range [][2]string{{"root", "admin"}, {"boss", "supervisor"}} {
		if err := srv.SetPassword(ctx, a[0], a[1], "correct horse"); err != nil {
			t.Fatal(err)
		}
	}
	root := f.login(t, "root")
	status := func(method, path, tok, body string) int {
		r := f.call(t, method, path, tok, body)
		r.Body.Close()
		return r.StatusCode
	}
	for _, c := range []struct {
		method, path, body string
		want               int
	}{
		{"POST", "/api/v1/admin/accounts/root/role", `{"role":"supervisor"}`, http.StatusForbidden},
		{"POST", "/api/v1/admin/accounts/root/disable", `{}`, http.StatusForbidden},
		{"DELETE", "/api/v1/admin/accounts/root", ``, http.StatusForbidden},
		{"POST", "/api/v1/admin/accounts", `{"user":"root","role":"technician","password":"another horse"}`, http.StatusConflict},
		{"POST", "/api/v1/admin/accounts/nobody/disable", `{}`, http.StatusNotFound},
		{"POST", "/api/v1/admin/accounts/boss/role", `{"role":"king"}`, http.StatusBadRequest},
	} {
		if got := status(c.method, c.path, root, c.body); got != c.want {
			t.Fatalf("%s %s: %d, want %d", c.method, c.path, got, c.want)
		}
	}
	if err := st.SetRole(ctx, "root", "supervisor"); err != store.ErrLastAdmin {
		t.Fatalf("store demoted the last admin: %v", err)
	}
	// A second admin: now boss may demote root, and root's sessions end.
	boss := f.login(t, "boss")
	if got := status("POST", "/api/v1/admin/accounts/boss/role", root, `{"role":"admin"}`); got != 200 {
		t.Fatalf("promote: %d", got)
	}
	if got := status("GET", "/api/v1/sites", boss, ""); got != http.StatusUnauthorized {
		t.Fatalf("session after a role change: %d", got)
	}
	boss = f.login(t, "boss")
	if got := status("POST", "/api/v1/admin/accounts/root/role", boss, `{"role":"technician"}`); got != 200 {
		t.Fatalf("demote root: %d", got)
	}
	if got := status("POST", "/api/v1/admin/accounts/boss/disable", boss, `{}`); got != http.StatusForbidden {
		t.Fatalf("self disable: %d", got)
	}
	// Idle expiry: used within 30 min the session lives, unused it ends.
	advance(29 * time.Minute)
	if got := status("GET", "/api/v1/admin/accounts", boss, ""); got != 200 {
		t.Fatalf("after 29 min: %d", got)
	}
	advance(31 * time.Minute)
	if got := status("GET", "/api/v1/admin/accounts", boss, ""); got != http.StatusUnauthorized {
		t.Fatalf("after 31 idle min: %d", got)
	}
	// Lockout: five wrong passwords lock the name, even for the right one.
	for i := 0; i < 5; i++ {
		if got := status("POST", "/api/v1/login", "", `{"user":"boss","password":"wrong horse!"}`); got != http.StatusUnauthorized {
			t.Fatalf("wrong password %d: %d", i, got)
		}
	}
	if got := status("POST", "/api/v1/login", "", `{"user":"boss","password":"correct horse"}`); got != http.StatusTooManyRequests {
		t.Fatalf("locked login: %d", got)
	}
	advance(61 * time.Second)
	boss = f.login(t, "boss")
	// The cookie: a write needs the CSRF token and this origin.
	var me struct{ CSRF string }
	meReq, _ := http.NewRequest("GET", ts.URL+"/api/v1/me", nil)
	meReq.AddCookie(&http.Cookie{Name: sessionCookie, Value: boss})
	r, err := http.DefaultClient.Do(meReq)
	if err != nil {
		t.Fatal(err)
	}
	decode(t, r, &me)
	cookieWrite := func(origin, token string) int {
		req, _ := http.NewRequest("POST", ts.URL+"/api/v1/admin/accounts/root/role", strings.NewReader(`{"role":"supervisor"}`))
		req.Header.Set("Content-Type", "application/json")
		req.AddCookie(&http.Cookie{Name: sessionCookie, Value: boss})
		if origin != "" {
			req.Header.Set("Origin", origin)
		}
		if token != "" {
			req.Header.Set(CSRFHeader, token)
		}
		r, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		r.Body.Close()
		return r.StatusCode
	}
	for _, c := range []struct {
		origin, token string
		want          int
	}{
		{ts.URL, "", http.StatusForbidden},
		{"http://evil.example", me.CSRF, http.StatusForbidden},
		{"", me.CSRF, http.StatusForbidden},
		{ts.URL, "x" + me.CSRF[1:], http.StatusForbidden},
		{ts.URL, me.CSRF, 200},
	} {
		if got := cookieWrite(c.origin, c.token); got != c.want {
			t.Fatalf("cookie write from %q with token %q: %d, want %d", c.origin, c.token, got, c.want)
		}
	}
}
