package main

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"hallkiosk/queue/engine"
)

// TestAdminSyncRoutes: the sync admin endpoints are mounted for technicians
// and admins only; a technician lists devices, makes an enrolment code and
// gets a clear error revoking an unknown device.
func TestAdminSyncRoutes(t *testing.T) {
	dir := t.TempDir()
	conf := filepath.Join(dir, "hallserver.conf")
	os.WriteFile(conf, []byte("[server]\nlog_level = warn\n"), 0o644)
	ctx, cancel := context.WithCancel(context.Background())
	addrc := make(chan string, 1)
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"--config", conf, "--data", filepath.Join(dir, "data"), "--listen", "127.0.0.1:0", "--demo"}, io.Discard, io.Discard, func(a string) { addrc <- a })
	}()
	var base string
	select {
	case a := <-addrc:
		base = "http://" + a
	case err := <-done:
		t.Fatalf("run: %v", err)
	case <-time.After(30 * time.Second):
		t.Fatal("server did not start")
	}
	defer func() {
		cancel()
		<-done
	}()
	login := func(user string) string {
		resp, err := http.Post(base+"/api/v1/login", "application/json", strings.NewReader(`{"user":"`+user+`","password":"`+user+`-demo"}`))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var tok struct{ Token string }
		json.NewDecoder(resp.Body).Decode(&tok)
		if tok.Token == "" {
			t.Fatalf("login %s: %d", user, resp.StatusCode)
		}
		return tok.Token
	}
	call := func(tok, method, path, body string) (int, string) {
		req, _ := http.NewRequest(method, base+path, strings.NewReader(body))
		if tok != "" {
			req.Header.Set("Authorization", "Bearer "+tok)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if code, _ := call("", "GET", "/api/v1/admin/sync/devices", ""); code != 403 {
		t.Errorf("anonymous device list: %d", code)
	}
	if code, _ := call(login("staff1"), "GET", "/api/v1/admin/sync/devices", ""); code != 403 {
		t.Errorf("staff device list: %d", code)
	}
	tech := login("tech1")
	if code, body := call(tech, "GET", "/api/v1/admin/sync/devices", ""); code != 200 || !strings.Contains(body, `"devices"`) {
		t.Errorf("device list: %d %s", code, body)
	}
	if code, body := call(tech, "POST", "/api/v1/admin/sync/codes", `{"kiosk":"kiosk-9","hours":2}`); code != 200 || !strings.Contains(body, `"code"`) {
		t.Errorf("enrolment code: %d %s", code, body)
	}
	if code, body := call(tech, "POST", "/api/v1/admin/sync/revoke", `{"device":"k-0000000000000000"}`); code != 404 {
		t.Errorf("revoke unknown device: %d %s", code, body)
	}
	if code, _ := call(tech, "GET", "/api/v1/admin/sync/security", ""); code != 200 {
		t.Errorf("security events: %d", code)
	}
}

func TestPurgeBeforeAndRetentionConfig(t *testing.T) {
	dir := t.TempDir()
	eng, err := engine.Open(context.Background(), filepath.Join(dir, "hall.db"), engine.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer eng.Close()
	// 2026-11-26 01:00 in Shanghai is still 11-25 in UTC: days count in the hall's zone.
	now := time.Date(2026, 11, 25, 17, 0, 0, 0, time.UTC)
	for days, want := range map[int]string{1: "2026-11-26", 2: "2026-11-25", 30: "2026-10-28"} {
		if got := eng.KeepFrom(now, days); got != want {
			t.Errorf("keep %d days: purge before %s, want %s", days, got, want)
		}
	}
	conf := filepath.Join(dir, "bad.conf")
	os.WriteFile(conf, []byte("[privacy]\npersonal_data_days = 0\n"), 0o644)
	err = run(context.Background(), []string{"--config", conf, "--data", filepath.Join(dir, "data")}, io.Discard, io.Discard, nil)
	if err == nil || !strings.Contains(err.Error(), "privacy.personal_data_days") || !strings.Contains(err.Error(), ":2:") {
		t.Errorf("retention 0: %v", err)
	}
}
