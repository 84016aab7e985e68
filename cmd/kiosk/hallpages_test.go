package main

import (
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestStandalonePagesCallTheKiosksTicket: a township box serves the caller
// and display pages from its own engine. The administrator's one-time
// password is in the data directory; the administrator makes a staff
// account, the citizen takes a ticket on the kiosk, and the staff member
// calls it from the caller API of the box.
func TestStandalonePagesCallTheKiosksTicket(t *testing.T) {
	if testing.Short() {
		t.Skip("starts the whole kiosk")
	}
	pages := freePort(t)
	base, _, log := headless(t, "[standalone]\nlisten = "+pages+"\n", "--standalone")
	c := controlClient{t, base, log}
	c.waitScreen("home")
	web := "http://" + pages
	call := func(method, path, tok string, body any, out any) int {
		t.Helper()
		var rd io.Reader
		if body != nil {
			b, _ := json.Marshal(body)
			rd = strings.NewReader(string(b))
		}
		req, _ := http.NewRequest(method, web+path, rd)
		if body != nil {
			req.Header.Set("Content-Type", "application/json") // the hall's JSON routes want it
		}
		if tok != "" {
			req.Header.Set("Authorization", "Bearer "+tok)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		if out != nil {
			json.NewDecoder(resp.Body).Decode(out)
		}
		return resp.StatusCode
	}
	for _, p := range []string{"/caller", "/display", "/booking", "/admin"} {
		if code := call("GET", p, "", nil, nil); code != 200 {
			t.Errorf("%s: %d", p, code)
		}
	}
	dir, _ := headlessDirs.Load(base)
	pwFile := filepath.Join(dir.(string), "data", "admin-password.txt")
	b, err := os.ReadFile(pwFile)
	if err != nil {
		t.Fatal(err)
	}
	if st, _ := os.Stat(pwFile); st.Mode().Perm() != 0o600 {
		t.Errorf("%s mode %v", pwFile, st.Mode())
	}
	_, after, _ := strings.Cut(string(b), "one-time password ")
	pw, _, _ := strings.Cut(after, "\n")
	if pw == "" {
		t.Fatalf("no one-time administrator password in %q", b)
	}
	login := func(user, password string) string {
		var r struct{ Token string }
		if code := call("POST", "/api/v1/login", "", map[string]string{"user": user, "password": password}, &r); code != 200 {
			t.Fatalf("login %s: %d", user, code)
		}
		return r.Token
	}
	admin := login("admin", pw)
	if code := call("POST", "/api/v1/users", admin, map[string]any{"name": "zhang", "display": "张工", "role": "staff", "window": 19, "password": "window-19-pass"}, nil); code != 201 {
		t.Fatalf("create staff: %d", code)
	}
	staff := login("zhang", "window-19-pass")

	c.tap("zone:tax")
	c.tap("service:tax-invoice")
	c.waitScreen("realname")
	c.tap("skip")
	s := c.waitScreen("ticket", "printfailed", "message")
	if s.Screen != "ticket" {
		t.Fatalf("state %+v", s)
	}
	var called struct{ Ticket struct{ Label string } }
	if code := call("POST", "/api/v1/windows/19/next", staff, nil, &called); code != 200 || called.Ticket.Label != s.Ticket {
		t.Fatalf("call next: %d %+v, kiosk printed %s", code, called, s.Ticket)
	}
	// The display page's data shows the call.
	deadline := time.Now().Add(5 * time.Second)
	for {
		var disp map[string]any
		call("GET", "/api/v1/display", "", nil, &disp)
		if b, _ := json.Marshal(disp); strings.Contains(string(b), s.Ticket) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("display data %+v", disp)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
