package invoices

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestHandler(t *testing.T) {
	s, path := open(t)
	if _, err := s.ImportCSV(context.Background(), bytes.NewReader(DemoCSV)); err != nil {
		t.Fatal(err)
	}
	var logs bytes.Buffer
	h := Handler(s, HandlerOpts{Prefix: "/api/v1/invoices/", Log: slog.New(slog.NewJSONHandler(&logs, nil)),
		AllowKiosk:  func(r *http.Request) bool { return r.Header.Get("Authorization") == "Device k1:secret" },
		AllowImport: func(r *http.Request) bool { return r.Header.Get("Authorization") == "Bearer tech" },
	})
	srv := httptest.NewServer(h)
	defer srv.Close()
	call := func(auth, path, body string) (int, string) {
		req, _ := http.NewRequest("POST", srv.URL+"/api/v1/invoices/"+path, strings.NewReader(body))
		if auth != "" {
			req.Header.Set("Authorization", auth)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	const dev = "Device k1:secret"
	if code, _ := call("", "pending", `{"id_number":"`+li+`"}`); code != 401 {
		t.Errorf("pending without a key: %d", code)
	}
	code, body := call(dev, "pending", `{"id_number":"`+li+`"}`)
	var pend struct{ Invoices []Invoice }
	json.Unmarshal([]byte(body), &pend)
	if code != 200 || len(pend.Invoices) != 3 || pend.Invoices[0].Seller == "" {
		t.Fatalf("pending: %d %s", code, body)
	}
	if code, body := call(dev, "pending", `{"id_number":"620982198501010019"}`); code != 200 || body != "{\"invoices\":[]}\n" {
		t.Errorf("nobody's pending: %d %s", code, body)
	}
	for _, bad := range []string{`{}`, `{"id_number":"1"}`, `{"id_number":"620982198501010018"}`, `{"id_number":"` + li + `","x":1}`, `not json`} {
		if code, _ := call(dev, "pending", bad); code != 400 {
			t.Errorf("pending %s: %d", bad, code)
		}
	}
	collect := `{"id_number":"` + li + `","numbers":["` + pend.Invoices[0].Number + `"]}`
	code, body = call(dev, "collect", collect)
	var got struct{ Code string }
	json.Unmarshal([]byte(body), &got)
	if code != 200 || len(got.Code) != 7 {
		t.Fatalf("collect: %d %s", code, body)
	}
	if code, body := call(dev, "collect", collect); code != 404 || !strings.Contains(body, `"not_found"`) {
		t.Errorf("collect again: %d %s", code, body)
	}
	other := `{"id_number":"62098219601120003X","numbers":["` + pend.Invoices[1].Number + `"]}`
	if code, _ := call(dev, "collect", other); code != 404 {
		t.Errorf("another holder's invoice: %d", code)
	}
	csv := CSVHeader + "\n" + li + ",24622000000000000009,玉门市丙店,9.90,2026-11-25\n"
	if code, _ := call(dev, "import", csv); code != 403 {
		t.Errorf("import by a kiosk: %d", code)
	}
	if code, body := call("Bearer tech", "import", csv); code != 200 || body != "{\"imported\":1}\n" {
		t.Errorf("import: %d %s", code, body)
	}
	if code, body := call("Bearer tech", "import", "id_number\n"); code != 400 || strings.Contains(body, li) {
		t.Errorf("bad import: %d %s", code, body)
	}
	if code, _ := call("Bearer tech", "import", csv); code != 200 {
		t.Errorf("repeat import: %d", code)
	}
	if !strings.Contains(logs.String(), "imported") || strings.Contains(logs.String(), li) {
		t.Error("log holds an ID number")
	}
	s.Close()
	assertNoRawID(t, path)
}
