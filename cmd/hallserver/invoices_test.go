package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// startInvoiceHall runs the hall server (run) with conf and args on loopback and
// returns its base URL, its data directory and its log.
func startInvoiceHall(t *testing.T, conf string, args ...string) (string, string, *syncBuf) {
	t.Helper()
	dir := t.TempDir()
	p := filepath.Join(dir, "hallserver.conf")
	os.WriteFile(p, []byte(conf), 0o644)
	data := filepath.Join(dir, "data")
	ctx, cancel := context.WithCancel(context.Background())
	addrc := make(chan string, 1)
	done := make(chan error, 1)
	logs := &syncBuf{}
	go func() {
		done <- run(ctx, append([]string{"--config", p, "--data", data, "--listen", "127.0.0.1:0"}, args...), io.Discard, logs, func(a string) { addrc <- a })
	}()
	select {
	case a := <-addrc:
		t.Cleanup(func() {
			cancel()
			if err := <-done; err != nil {
				t.Error(err)
			}
		})
		return "http://" + a, data, logs
	case err := <-done:
		t.Fatalf("run: %v", err)
	case <-time.After(30 * time.Second):
		t.Fatal("server did not start")
	}
	panic("unreachable")
}

type hallCall struct {
	t    *testing.T
	base string
}

func (c hallCall) do(auth, path, body string) (int, string) {
	req, _ := http.NewRequest("POST", c.base+path, strings.NewReader(body))
	if strings.HasPrefix(body, "{") {
		req.Header.Set("Content-Type", "application/json") // the hall's JSON routes want it
	}
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func (c hallCall) login(user, password string) string {
	code, body := c.do("", "/api/v1/login", `{"user":"`+user+`","password":"`+password+`"}`)
	var tok struct{ Token string }
	json.Unmarshal([]byte(body), &tok)
	if tok.Token == "" {
		c.t.Fatalf("login %s: %d", user, code)
	}
	return "Bearer " + tok.Token
}

const liID = "620982199003070021"

// TestInvoiceRoutesDemo: hallserver --demo serves the demo feed's invoices
// to any kiosk, at any hour; collecting twice or another holder's invoice
// is refused; imports need a technician or admin; the raw ID number is
// neither in the hall's data files nor in its log.
func TestInvoiceRoutesDemo(t *testing.T) {
	base, data, logs := startInvoiceHall(t, "[server]\nlog_level = debug\n", "--demo")
	c := hallCall{t, base}
	var pend struct {
		Invoices []struct{ Number, Seller, Amount, Issued string }
	}
	var code int
	var body string
	for i := 0; i < 100; i++ { // the feed is imported right after start
		code, body = c.do("", "/api/v1/invoices/pending", `{"id_number":"`+liID+`"}`)
		json.Unmarshal([]byte(body), &pend)
		if len(pend.Invoices) == 3 {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if code != 200 || len(pend.Invoices) != 3 || pend.Invoices[0].Issued != "2026-11-20" {
		t.Fatalf("pending: %d %s", code, body)
	}
	collect := `{"id_number":"` + liID + `","numbers":["` + pend.Invoices[0].Number + `"]}`
	if code, body := c.do("", "/api/v1/invoices/collect", collect); code != 200 || !strings.Contains(body, `"code":"P`) {
		t.Fatalf("collect: %d %s", code, body)
	}
	if code, body := c.do("", "/api/v1/invoices/collect", collect); code != 404 || !strings.Contains(body, `"not_found"`) {
		t.Errorf("collect again: %d %s", code, body)
	}
	if code, _ := c.do("", "/api/v1/invoices/collect", `{"id_number":"62098219601120003X","numbers":["`+pend.Invoices[1].Number+`"]}`); code != 404 {
		t.Errorf("another holder's invoice: %d", code)
	}
	csv := "id_number,number,seller,amount,issued\n" + liID + ",24622000000000000077,玉门市丁店,7.70,2026-11-25\n"
	if code, _ := c.do("", "/api/v1/invoices/import", csv); code != 403 {
		t.Errorf("anonymous import: %d", code)
	}
	if code, _ := c.do(c.login("staff1", "staff1-demo"), "/api/v1/invoices/import", csv); code != 403 {
		t.Errorf("staff import: %d", code)
	}
	if code, body := c.do(c.login("tech1", "tech1-demo"), "/api/v1/invoices/import", csv); code != 200 || !strings.Contains(body, `"imported":1`) {
		t.Errorf("technician import: %d %s", code, body)
	}
	if code, body := c.do(c.login("demoadmin", "admin-demo"), "/api/v1/invoices/import", csv); code != 200 || !strings.Contains(body, `"imported":0`) {
		t.Errorf("admin repeat import: %d %s", code, body)
	}
	if _, body := c.do("", "/api/v1/invoices/pending", `{"id_number":"`+liID+`"}`); strings.Count(body, `"number"`) != 3 {
		t.Errorf("after pickup and import: %s", body)
	}
	for _, f := range []string{"invoices.db", "invoices.db-wal"} {
		b, _ := os.ReadFile(filepath.Join(data, f))
		if bytes.Contains(b, []byte(liID)) {
			t.Errorf("%s holds a raw ID number", f)
		}
	}
	if !strings.Contains(logs.String(), "invoices: imported") || strings.Contains(logs.String(), liID) {
		t.Errorf("log: import missing or ID number present:\n%s", logs.String())
	}
}

// TestInvoiceRoutesKioskKeyAndCSVFeed: outside demo mode the desk needs a
// kiosk key, and invoices.feed = a CSV path imports the tax system's export.
func TestInvoiceRoutesKioskKeyAndCSVFeed(t *testing.T) {
	export := filepath.Join(t.TempDir(), "export.csv")
	os.WriteFile(export, []byte("id_number,number,seller,amount,issued\n"+liID+",24622000000000000055,玉门市戊店,55.00,2026-11-21\n"), 0o644)
	base, _, _ := startInvoiceHall(t, "[server]\nlog_level = warn\n[kiosks]\nkeys = kiosk-01:0123456789abcdef-key\n[invoices]\nfeed = "+export+"\nevery = 1s\n")
	c := hallCall{t, base}
	if code, _ := c.do("", "/api/v1/invoices/pending", `{"id_number":"`+liID+`"}`); code != 401 {
		t.Errorf("pending without a kiosk key: %d", code)
	}
	key := "Device kiosk-01:0123456789abcdef-key"
	var body string
	for i := 0; i < 100; i++ {
		_, body = c.do(key, "/api/v1/invoices/pending", `{"id_number":"`+liID+`"}`)
		if strings.Contains(body, "24622000000000000055") {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if !strings.Contains(body, "24622000000000000055") || strings.Contains(body, "24622000000012345678") {
		t.Fatalf("pending from the CSV feed (no demo invoices): %s", body)
	}
}
