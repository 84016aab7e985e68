package main

import (
	"bytes"
	"context"
	"crypto/tls"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"hallkiosk/city/pgtest"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

func writeConf(t *testing.T, text string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "cityserver.conf")
	if err := os.WriteFile(p, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestConfigErrorsNameFileLineKey(t *testing.T) {
	for _, c := range []struct{ conf, want string }{
		{"[db]\nurl = mysql://x\n", `key "db.url"`},
		{"[db]\nurl = postgres:///x\nbogus = 1\n", `:3: key "db.bogus"`},
		{"[server]\nlisten = nowhere\n", `key "server.listen"`},
		{"[reporter]\nkind = fax\n", `key "reporter.kind"`},
		{"[reporter]\nkind = file\n", `key "reporter.dir"`},
		{"[city]\nregion_code = 62\n", `key "city.region_code"`},
		{"[db]\nmax_conns = lots\n", `:2: key "db.max_conns"`},
	} {
		p := writeConf(t, c.conf)
		err := run(context.Background(), []string{"--config", p}, io.Discard, io.Discard, nil)
		if err == nil || !strings.Contains(err.Error(), p) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: got %v, want file and %s", c.conf, err, c.want)
		}
	}
	if err := run(context.Background(), []string{"--config", "/nonexistent/x.conf"}, io.Discard, io.Discard, nil); err == nil {
		t.Error("missing explicit config accepted")
	}
}

func TestMigrateOnlyThenServe(t *testing.T) {
	db := pgtest.DB(t)
	data := t.TempDir()
	conf := writeConf(t, "[server]\nlisten = 127.0.0.1:0\nhttp_listen = 127.0.0.1:0\ndata = "+data+"\n[db]\nurl = "+db+"\n[city]\nregion_code = 620981\n")
	var out bytes.Buffer
	if err := run(context.Background(), []string{"--config", conf, "--migrate-only"}, &out, io.Discard, nil); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "migrations applied") {
		t.Fatalf("output %q", out.String())
	}
	out.Reset()
	if err := run(context.Background(), []string{"--config", conf, "--add-site", "town-b,赤金镇,township"}, &out, io.Discard, nil); err != nil {
		t.Fatal(err)
	}
	out.Reset()
	if err := run(context.Background(), []string{"--config", conf, "--code", "town-b"}, &out, io.Discard, nil); err != nil {
		t.Fatal(err)
	}
	if code := strings.TrimSpace(out.String()); !strings.Contains(code, ".") || len(code) < 30 {
		t.Fatalf("code %q", code)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ready := make(chan [2]string, 1)
	done := make(chan error, 1)
	out.Reset()
	go func() {
		done <- run(ctx, []string{"--config", conf}, &out, io.Discard, func(a, b string) { ready <- [2]string{a, b} })
	}()
	var addrs [2]string
	select {
	case addrs = <-ready:
	case err := <-done:
		t.Fatal(err)
	}
	hc := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}}
	for _, u := range []string{"https://" + addrs[0] + "/healthz", "http://" + addrs[1] + "/healthz"} {
		r, err := hc.Get(u)
		if err != nil {
			t.Fatal(err)
		}
		r.Body.Close()
		if r.StatusCode != 200 {
			t.Fatalf("%s: %d", u, r.StatusCode)
		}
	}
	r, err := hc.Get("https://" + addrs[0] + "/api/v1/sites")
	if err != nil {
		t.Fatal(err)
	}
	r.Body.Close()
	if r.StatusCode != 401 {
		t.Fatalf("anonymous sites: %d", r.StatusCode)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}
