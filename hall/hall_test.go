package hall

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"hallkiosk/drivers/callout"
)

// testHall is a demo hall opened by Open on loopback, run until the test
// ends, with its files in a temporary directory.
type testHall struct {
	t    *testing.T
	h    *Hall
	base string

	mu  sync.Mutex
	got []callout.Event
}

func openTestHall(t *testing.T, mod func(*Config)) *testHall {
	t.Helper()
	dir := t.TempDir()
	cfg := DefaultConfig()
	cfg.Server.Data, cfg.Server.Listen, cfg.Server.Demo = filepath.Join(dir, "data"), "127.0.0.1:0", true
	cfg.Voice.Output = "wav:" + filepath.Join(dir, "voice")
	if mod != nil {
		mod(cfg)
	}
	h, err := Open(context.Background(), *cfg, Opts{})
	if err != nil {
		t.Fatal(err)
	}
	th := &testHall{t: t, h: h, base: "http://" + h.Addr().String()}
	h.published = func(ev callout.Event) { th.mu.Lock(); th.got = append(th.got, ev); th.mu.Unlock() }
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- h.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("run: %v", err)
		}
		if err := h.Close(); err != nil {
			t.Errorf("close: %v", err)
		}
	})
	return th
}

func (th *testHall) do(method, path, token, body string) (*http.Response, []byte) {
	th.t.Helper()
	req, _ := http.NewRequest(method, th.base+path, strings.NewReader(body))
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		th.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, b
}

func (th *testHall) login(user, pw string) string {
	th.t.Helper()
	resp, b := th.do("POST", "/api/v1/login", "", fmt.Sprintf(`{"user":%q,"password":%q}`, user, pw))
	var r struct{ Token string }
	if json.Unmarshal(b, &r); resp.StatusCode != 200 || r.Token == "" {
		th.t.Fatalf("login %s: %d %s", user, resp.StatusCode, b)
	}
	return r.Token
}

// callAt issues a ticket and calls it at window 19; it returns the
// call-out event the hub got for it.
func (th *testHall) callAt19(staff string) callout.Event {
	th.t.Helper()
	if resp, b := th.do("POST", "/api/v1/tickets", "", `{"service":"tax-invoice"}`); resp.StatusCode != 201 {
		th.t.Fatalf("issue: %d %s", resp.StatusCode, b)
	}
	resp, b := th.do("POST", "/api/v1/windows/19/next", staff, "")
	var r struct{ Ticket struct{ Label string } }
	if json.Unmarshal(b, &r); resp.StatusCode != 200 || r.Ticket.Label == "" {
		th.t.Fatalf("next: %d %s", resp.StatusCode, b)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		th.mu.Lock()
		for _, ev := range th.got {
			if ev.Kind == callout.Call && ev.Number == r.Ticket.Label {
				th.mu.Unlock()
				return ev
			}
		}
		th.mu.Unlock()
		if time.Now().After(deadline) {
			th.t.Fatalf("no call-out event for %s", r.Ticket.Label)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// TestCatalogEditRenamesWindow: a window renamed in the catalogue on
// /admin (PUT /api/v1/catalog) reaches the call-out with its new name from
// the next call on, without a restart.
func TestCatalogEditRenamesWindow(t *testing.T) {
	th := openTestHall(t, nil)
	staff := th.login("staff1", "staff1-demo")
	before := th.callAt19(staff)
	var old string
	for _, w := range th.h.Engine().Catalog().Windows {
		if w.Number == 19 {
			old = w.Name
		}
	}
	if before.WindowName != old || old == "" {
		t.Fatalf("before the edit: window name %q, catalogue %q", before.WindowName, old)
	}
	for _, step := range []string{"start", "finish"} {
		if resp, b := th.do("POST", "/api/v1/windows/19/"+step, staff, ""); resp.StatusCode != 200 {
			t.Fatalf("%s: %d %s", step, resp.StatusCode, b)
		}
	}
	admin := th.login("demoadmin", "admin-demo")
	resp, b := th.do("GET", "/api/v1/catalog", admin, "")
	var cat map[string]any
	if err := json.Unmarshal(b, &cat); err != nil || resp.StatusCode != 200 {
		t.Fatalf("catalogue: %d %v", resp.StatusCode, err)
	}
	const renamed = "综合受理19号"
	for _, w := range cat["windows"].([]any) {
		if w := w.(map[string]any); w["number"] == float64(19) {
			w["name"] = renamed
		}
	}
	nb, _ := json.Marshal(cat)
	if resp, b := th.do("PUT", "/api/v1/catalog", admin, string(nb)); resp.StatusCode/100 != 2 {
		t.Fatalf("edit: %d %s", resp.StatusCode, b)
	}
	if after := th.callAt19(staff); after.WindowName != renamed {
		t.Fatalf("after the edit: window name %q, want %q", after.WindowName, renamed)
	}
}

// TestRoutesOneErrorFormat: the hall's own routes refuse in the documented
// error format, never cached.
func TestRoutesOneErrorFormat(t *testing.T) {
	th := openTestHall(t, nil)
	staff := th.login("staff1", "staff1-demo")
	for _, r := range []struct{ method, path, token string }{
		{"GET", "/api/v1/callout", ""}, {"GET", "/api/v1/evaluator", staff}, {"GET", "/api/v1/devices", staff},
		{"GET", "/api/v1/admin/sync/devices", ""}, {"POST", "/api/v1/devices/enrol", staff},
		{"GET", "/api/v1/registry/export", ""},
	} {
		resp, b := th.do(r.method, r.path, r.token, "")
		var e struct {
			Error struct{ Code, Message string }
		}
		if err := json.Unmarshal(b, &e); err != nil || resp.StatusCode != 403 || e.Error.Code != "forbidden" || e.Error.Message == "" ||
			resp.Header.Get("Cache-Control") != "no-store" {
			t.Errorf("%s %s: %d %q %s", r.method, r.path, resp.StatusCode, resp.Header.Get("Cache-Control"), b)
		}
	}
	tech := th.login("tech1", "tech1-demo")
	resp, b := th.do("GET", "/api/v1/callout", tech, "")
	var st CalloutStatus
	if err := json.Unmarshal(b, &st); err != nil || resp.StatusCode != 200 || !st.Enabled || resp.Header.Get("Cache-Control") != "no-store" {
		t.Errorf("callout status: %d %s", resp.StatusCode, b)
	}
}
