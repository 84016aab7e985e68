package main

import (
	"bytes"
	"context"
	"crypto/tls"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"hallkiosk/kiosk/store"
	qsync "hallkiosk/queue/sync"
)

// TestHallClientPinsTheEnrolledHall: an enrolled kiosk reaches the hall's
// https address with the certificate pinned at enrolment and refuses
// another; plain http to another machine is logged as unencrypted.
func TestHallClientPinsTheEnrolledHall(t *testing.T) {
	ctx := context.Background()
	hall := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "hall") }))
	defer hall.Close()
	// A machine taking over the hall's address with a certificate of its own.
	cert, _, err := qsync.LoadOrCreateCert(t.TempDir(), "127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	other := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "impostor") }))
	other.TLS = &tls.Config{Certificates: []tls.Certificate{cert}}
	other.StartTLS()
	defer other.Close()

	st, err := store.Open(filepath.Join(t.TempDir(), "kiosk.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	pin := qsync.Fingerprint(hall.Certificate().Raw)
	if err := st.SaveEnrolment(ctx, hall.URL, pin, 1); err != nil {
		t.Fatal(err)
	}
	var logs bytes.Buffer
	log := slog.New(slog.NewTextHandler(&logs, nil))
	get := func(c *http.Client, url string) (string, error) {
		resp, err := c.Get(url)
		if err != nil {
			return "", err
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return string(b), nil
	}

	cfg := defaults()
	cfg.Hall.URL, cfg.Hall.Timeout = hall.URL, 5*time.Second
	c := hallClient(ctx, cfg, st, log)
	if body, err := get(c, hall.URL); err != nil || body != "hall" {
		t.Fatalf("enrolled hall over TLS: %q %v", body, err)
	}
	// Same client, another certificate.
	if _, err := get(c, other.URL); err == nil || !strings.Contains(err.Error(), "pinned") {
		t.Fatalf("impostor accepted: %v", err)
	}

	cfg.Hall.URL = "http://192.0.2.10:8080"
	hallClient(ctx, cfg, st, log)
	if !strings.Contains(logs.String(), "unencrypted") {
		t.Errorf("no warning for plain http to another machine:\n%s", logs.String())
	}
	logs.Reset()
	cfg.Hall.URL = "http://127.0.0.1:8080"
	hallClient(ctx, cfg, st, log)
	if strings.Contains(logs.String(), "unencrypted") {
		t.Errorf("warning for loopback:\n%s", logs.String())
	}
}
