package main

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

type syncBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuf) Write(p []byte) (int, error) { s.mu.Lock(); defer s.mu.Unlock(); return s.b.Write(p) }
func (s *syncBuf) String() string              { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

func TestRunDemo(t *testing.T) {
	dir := t.TempDir()
	conf := filepath.Join(dir, "hallserver.conf")
	os.WriteFile(conf, []byte("[server]\nlog_level = debug\ntls_listen = 127.0.0.1:0\n[auth]\nsession_ttl = 2h\n[queue]\nstarvation_k = 2\n"), 0o644)
	ctx, cancel := context.WithCancel(context.Background())
	addrc := make(chan string, 1)
	var stdout, stderr syncBuf
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"--config", conf, "--data", filepath.Join(dir, "data"), "--listen", "127.0.0.1:0", "--demo"}, &stdout, &stderr, func(a string) { addrc <- a })
	}()
	var addr string
	select {
	case addr = <-addrc:
	case err := <-done:
		t.Fatalf("run: %v\n%s", err, stderr.String())
	case <-time.After(30 * time.Second):
		t.Fatal("server did not start")
	}
	base := "http://" + addr
	get := func(path string) (int, string) {
		resp, err := http.Get(base + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if code, body := get("/healthz"); code != 200 || body != "ok\n" {
		t.Errorf("healthz %d %q", code, body)
	}
	out := stdout.String()
	if !strings.Contains(out, "one-time password") || !strings.Contains(out, "staff1-demo") {
		t.Errorf("stdout lacks the admin password or demo accounts:\n%s", out)
	}
	resp, err := http.Post(base+"/api/v1/login", "application/json", strings.NewReader(`{"user":"staff1","password":"staff1-demo"}`))
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("demo login: %v %v", err, resp)
	}
	resp.Body.Close()
	resp, _ = http.Post(base+"/api/v1/tickets", "application/json", strings.NewReader(`{"service":"tax-invoice"}`))
	if resp.StatusCode != 201 {
		t.Errorf("demo issue: %d", resp.StatusCode)
	}
	resp.Body.Close()
	// The whole registry is for technicians and admins only, demo or not.
	if code, _ := get("/api/v1/registry/export"); code != 403 {
		t.Errorf("anonymous registry export: %d", code)
	}
	if code, body := get("/api/v1/sync/time"); code != 200 || !strings.Contains(body, "2") {
		t.Errorf("sync time: %d %s", code, body)
	}
	// Enrolment codes need an admin or technician session.
	resp, _ = http.Post(base+"/api/v1/devices/enrol", "application/json", strings.NewReader(`{"name":"kiosk-a"}`))
	if resp.StatusCode != 403 {
		t.Errorf("anonymous enrolment code: %d", resp.StatusCode)
	}
	resp.Body.Close()
	lr, _ := http.Post(base+"/api/v1/login", "application/json", strings.NewReader(`{"user":"tech1","password":"tech1-demo"}`))
	var tok struct{ Token string }
	json.NewDecoder(lr.Body).Decode(&tok)
	lr.Body.Close()
	for user, want := range map[string]int{"tech1": 200, "staff1": 403, "super1": 403} {
		bearer := tok.Token
		if user != "tech1" {
			r, _ := http.Post(base+"/api/v1/login", "application/json", strings.NewReader(`{"user":"`+user+`","password":"`+user+`-demo"}`))
			var t2 struct{ Token string }
			json.NewDecoder(r.Body).Decode(&t2)
			r.Body.Close()
			bearer = t2.Token
		}
		req, _ := http.NewRequest("GET", base+"/api/v1/registry/export", nil)
		req.Header.Set("Authorization", "Bearer "+bearer)
		r, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		r.Body.Close()
		if r.StatusCode != want {
			t.Errorf("registry export as %s: %d, want %d", user, r.StatusCode, want)
		}
	}
	req, _ := http.NewRequest("POST", base+"/api/v1/devices/enrol", strings.NewReader(`{"name":"kiosk-a","ttl":"30m"}`))
	req.Header.Set("Authorization", "Bearer "+tok.Token)
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var enrol struct{ Code, Fingerprint string }
	json.NewDecoder(resp.Body).Decode(&enrol)
	resp.Body.Close()
	if resp.StatusCode != 201 || enrol.Code == "" || len(enrol.Fingerprint) < 16 {
		t.Errorf("enrolment code: %d %+v", resp.StatusCode, enrol)
	}
	for _, p := range []string{"/caller", "/display", "/booking", "/metrics"} {
		if code, _ := get(p); code != 200 {
			t.Errorf("%s: %d", p, code)
		}
	}
	// The TLS listener serves the same API with the hall certificate.
	_, after, ok := strings.Cut(out, "TLS (kiosk sync) on https://")
	if !ok {
		t.Fatalf("no TLS listener in:\n%s", out)
	}
	tlsAddr, _, _ := strings.Cut(after, "\n")
	hc := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}}
	tr, err := hc.Get("https://" + tlsAddr + "/api/v1/sync/time")
	if err != nil {
		t.Fatal(err)
	}
	tr.Body.Close()
	if tr.StatusCode != 200 || tr.TLS == nil || len(tr.TLS.PeerCertificates) == 0 {
		t.Errorf("tls: %d", tr.StatusCode)
	}
	if strings.Contains(stderr.String(), "62010") {
		t.Error("personal data in logs")
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("shutdown: %v", err)
	}
	// Restart on the same data: no new admin password, tickets kept.
	ctx2, cancel2 := context.WithCancel(context.Background())
	var out2 syncBuf
	go func() {
		done <- run(ctx2, []string{"--config", conf, "--data", filepath.Join(dir, "data"), "--listen", "127.0.0.1:0"}, &out2, io.Discard, func(a string) { addrc <- a })
	}()
	addr = <-addrc
	base = "http://" + addr
	if _, body := get("/api/v1/status"); !strings.Contains(body, `"id":"tax-invoice"`) || strings.Contains(out2.String(), "one-time password") {
		t.Errorf("restart: %s / %s", body, out2.String())
	}
	cancel2()
	<-done
}

func TestConfigErrors(t *testing.T) {
	dir := t.TempDir()
	cases := map[string]string{
		"[server]\nlisten = nowhere\n":   "server.listen",
		"[server]\nlistne = 1.2.3.4:5\n": "unknown key",
		"[kiosks]\nkeys = k1:short\n":    "kiosks.keys",
		"[auth]\nsession_ttl = 10s\n":    "auth.session_ttl",
		"[queue]\nmax_recalls = x\n":     "queue.max_recalls",
	}
	for text, want := range cases {
		p := filepath.Join(dir, "c.conf")
		os.WriteFile(p, []byte(text), 0o644)
		err := run(context.Background(), []string{"--config", p, "--data", dir}, io.Discard, io.Discard, nil)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: %v, want %q", text, err, want)
		}
	}
	if err := run(context.Background(), []string{"--config", filepath.Join(dir, "missing.conf")}, io.Discard, io.Discard, nil); err == nil {
		t.Error("an explicit missing config file is not an error")
	}
}
