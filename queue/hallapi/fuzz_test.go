package hallapi

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"hallkiosk/internal/pii"
	"hallkiosk/queue/engine"
)

// FuzzRequestBodies sends arbitrary bodies to the routes that parse JSON
// from kiosks, citizens and staff: the reply is never a server error and
// an error is always the documented JSON shape.
func FuzzRequestBodies(f *testing.F) {
	for _, s := range []string{
		`{"service":"tax-invoice","key":"k:1"}`,
		`{"services":["company-startup","tax-invoice"],"priority":"green"}`,
		`{"service":"household","id_number":"62010219900101123X","name":"张三"}`,
		`{"code":"HK1.e30.AAAA"}`,
		`{"service":"estate-transfer","slot_start":"2026-11-25T07:00:00Z","id_number":"1"}`,
		`{"service":"household","window":39}`,
		`{"score":9}`, `[]`, `null`, `{`, "\x00\xff",
	} {
		for route := range 6 {
			f.Add(uint8(route), []byte(s))
		}
	}
	e, err := engine.Open(context.Background(), filepath.Join(f.TempDir(), "hall.db"), engine.Options{Hasher: pii.NewHasher([]byte("0123456789abcdef0123")), IgnoreHours: true})
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { e.Close() })
	s, err := New(context.Background(), e, Config{Demo: true})
	if err != nil {
		f.Fatal(err)
	}
	if err := s.AddUser(context.Background(), User{Name: "staff1", Role: RoleAdmin}, "staff1-password"); err != nil {
		f.Fatal(err)
	}
	rec := httptest.NewRecorder()
	lr := httptest.NewRequest("POST", "/api/v1/login", bytes.NewReader([]byte(`{"user":"staff1","password":"staff1-password"}`)))
	lr.Header.Set("Content-Type", "application/json")
	s.ServeHTTP(rec, lr)
	var login struct{ Token string }
	json.Unmarshal(rec.Body.Bytes(), &login)
	routes := []string{"/api/v1/tickets", "/api/v1/checkin", "/api/v1/appointments", "/api/v1/windows/19/transfer", "/api/v1/tickets/x/rate", "/api/v1/users"}
	f.Fuzz(func(t *testing.T, route uint8, body []byte) {
		req := httptest.NewRequest("POST", routes[int(route)%len(routes)], bytes.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+login.Token)
		req.Header.Set("Content-Type", "application/json")
		rec := httptest.NewRecorder()
		s.ServeHTTP(rec, req)
		if rec.Code >= 500 {
			t.Fatalf("%s %q: %d %s", req.URL.Path, body, rec.Code, rec.Body)
		}
		if rec.Code >= 400 {
			var er struct {
				Error apiError `json:"error"`
			}
			if err := json.Unmarshal(rec.Body.Bytes(), &er); err != nil || er.Error.Code == "" || er.Error.Message == "" {
				t.Fatalf("%s %q: error body %s", req.URL.Path, body, rec.Body)
			}
		}
		if rec.Code == http.StatusOK || rec.Code == http.StatusCreated {
			if !json.Valid(rec.Body.Bytes()) {
				t.Fatalf("reply not JSON: %s", rec.Body)
			}
		}
	})
}

// FuzzReadJSON: the strict JSON reader never panics, accepts only one
// JSON value with nothing after it, and never lets an invisible direction
// or control character through.
func FuzzReadJSON(f *testing.F) {
	for _, s := range []string{`{"a":1}`, `["税务\u202e申报"]`, `{"a":1}{"b":2}`, `  `, `"x" `, `[1,2`, `{"k\u200b":"v"}`, "[\"a\nb\"]", `null`} {
		f.Add(s, "application/json")
	}
	f.Add(`{"a":1}`, "text/plain")
	f.Fuzz(func(t *testing.T, body, ct string) {
		req := httptest.NewRequest("POST", "/", strings.NewReader(body))
		req.Header.Set("Content-Type", ct)
		data, err := readJSON(req)
		if err != nil {
			return
		}
		if data == nil {
			if strings.TrimSpace(body) != "" {
				t.Fatalf("non-empty body %q read as empty", body)
			}
			return
		}
		var v any
		if json.Unmarshal(data, &v) != nil {
			t.Fatalf("accepted %q, not one JSON value", body)
		}
		if checkValue(v) != nil {
			t.Fatalf("accepted %q with a control character", body)
		}
	})
}
