package sync

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"
)

// TestDecodeErrorBothForms: the client reads the documented
// {"error":{...}} refusal and the flat one of an older hall.
func TestDecodeErrorBothForms(t *testing.T) {
	for _, c := range []struct {
		body string
		want ErrorResponse
		ok   bool
	}{
		{`{"error":{"code":"revoked","message":"设备已停用","detail":"device revoked"}}`, ErrorResponse{"revoked", "设备已停用"}, true},
		{`{"error":{"code":"replay","detail":"seen before"}}`, ErrorResponse{"replay", "seen before"}, true},
		{`{"code":"clock_skew","message":"sync: clock"}`, ErrorResponse{"clock_skew", "sync: clock"}, true},
		{`{"error":{"message":"no code"}}`, ErrorResponse{}, false},
		{`<html>bad gateway</html>`, ErrorResponse{}, false},
		{`{}`, ErrorResponse{}, false},
	} {
		got, ok := DecodeError([]byte(c.body))
		if ok != c.ok || got != c.want {
			t.Errorf("DecodeError(%s) = %+v, %v; want %+v, %v", c.body, got, ok, c.want, c.ok)
		}
	}
}

// TestClientReadsOldAndNewRefusals runs the client's Time call against a
// real HTTP server that refuses in each form.
func TestClientReadsOldAndNewRefusals(t *testing.T) {
	for _, body := range []string{
		`{"error":{"code":"clock_skew","message":"m"}}`,
		`{"code":"clock_skew","message":"m"}`,
	} {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusForbidden)
			w.Write([]byte(body))
		}))
		err := refusalOf(t, srv.URL)
		srv.Close()
		var he *HTTPError
		if !errors.As(err, &he) || he.Status != 403 || he.Code != CodeClockSkew || he.Message != "m" {
			t.Errorf("body %s: got %v, want a 403 clock_skew HTTPError", body, err)
		}
	}
}

// TestHandlerRefusesInDocumentedFormat: the hall side writes the
// documented format with Cache-Control: no-store.
func TestHandlerRefusesInDocumentedFormat(t *testing.T) {
	rec := httptest.NewRecorder()
	writeError(rec, http.StatusNotFound, CodeNotFound, "sync: no such endpoint")
	if got := rec.Body.String(); got != `{"error":{"code":"not_found","message":"sync: no such endpoint"}}`+"\n" {
		t.Errorf("body %s", got)
	}
	if cc := rec.Header().Get("Cache-Control"); cc != "no-store" {
		t.Errorf("Cache-Control %q", cc)
	}
}

func refusalOf(t *testing.T, url string) error {
	t.Helper()
	var out TimeResponse
	return NewClient(nil, nil).do(context.Background(), http.DefaultClient, http.MethodGet, url, "time", nil, nil, &out)
}

// FuzzDecodeError: any bytes from a hall give a result or "not a refusal",
// never a panic; a decoded refusal always has a code.
func FuzzDecodeError(f *testing.F) {
	f.Add([]byte(`{"error":{"code":"revoked","message":"m","detail":"d"}}`))
	f.Add([]byte(`{"code":"replay","message":"m"}`))
	f.Add([]byte(`{"error":null,"code":"x"}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		if e, ok := DecodeError(b); ok && e.Code == "" {
			t.Fatalf("ok with no code: %q", b)
		}
	})
}
