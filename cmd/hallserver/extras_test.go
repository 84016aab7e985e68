package main

import (
	"context"
	"io"
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
	h := startHall(t, "[server]\nlog_level = warn\n")
	var body map[string]any
	if code := h.call("GET", "/api/v1/admin/sync/devices", "", "", nil); code != 403 {
		t.Errorf("anonymous device list: %d", code)
	}
	if code := h.call("GET", "/api/v1/admin/sync/devices", h.login("staff1", "staff1-demo"), "", nil); code != 403 {
		t.Errorf("staff device list: %d", code)
	}
	tech := h.login("tech1", "tech1-demo")
	if code := h.call("GET", "/api/v1/admin/sync/devices", tech, "", &body); code != 200 {
		t.Errorf("device list: %d", code)
	} else if _, ok := body["devices"]; !ok {
		t.Errorf("device list without devices: %v", body)
	}
	body = nil
	if code := h.call("POST", "/api/v1/admin/sync/codes", tech, `{"kiosk":"kiosk-9","hours":2}`, &body); code != 200 || body["code"] == nil {
		t.Errorf("enrolment code: %d %v", code, body)
	}
	if code := h.call("POST", "/api/v1/admin/sync/revoke", tech, `{"device":"k-0000000000000000"}`, nil); code != 404 {
		t.Errorf("revoke unknown device: %d", code)
	}
	if code := h.call("GET", "/api/v1/admin/sync/security", tech, "", nil); code != 200 {
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
