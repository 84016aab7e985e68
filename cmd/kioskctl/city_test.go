package main

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/tls"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"hallkiosk/city/wire"
	qsync "hallkiosk/queue/sync"
)

// TestCityEnrol enrols against a city enrolment endpoint over TLS: the
// code's pin must match the certificate, the request must be signed by
// the key it enrols, and the state then names the site and the pin.
func TestCityEnrol(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	cert, fp, err := qsync.LoadOrCreateCert(dir)
	if err != nil {
		t.Fatal(err)
	}
	const secret = "ABCDE-FGHIJ-KLMNO-PQRST"
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var req wire.Enrol
		if r.URL.Path != wire.PathEnrol || json.NewDecoder(r.Body).Decode(&req) != nil ||
			!strings.HasPrefix(req.Code, secret+".") || !ed25519.Verify(req.PublicKey, wire.EnrolText(req.Code), req.Signature) {
			w.WriteHeader(http.StatusForbidden)
			json.NewEncoder(w).Encode(wire.Error{Code: "bad_enrolment_code", Message: "no"})
			return
		}
		json.NewEncoder(w).Encode(wire.EnrolReply{Site: "town-b", Name: "赤金镇", Kind: "township", CityTime: 1})
	}))
	srv.TLS = &tls.Config{Certificates: []tls.Certificate{cert}}
	srv.StartTLS()
	defer srv.Close()
	data := t.TempDir()
	var out, errb bytes.Buffer
	if err := run(ctx, []string{"city", "enrol", "--city", srv.URL, "--code", "WRONG." + fp[:16], "--data", data}, &out, &errb); err == nil || !strings.Contains(err.Error(), "bad_enrolment_code") {
		t.Fatalf("wrong code: %v", err)
	}
	if err := run(ctx, []string{"city", "enrol", "--city", srv.URL, "--code", secret + ".ffffffffffffffff", "--data", data}, &out, &errb); err == nil || !strings.Contains(err.Error(), "certificate") {
		t.Fatalf("wrong pin: %v", err)
	}
	if err := run(ctx, []string{"city", "enrol", "--city", srv.URL, "--code", secret + "." + fp[:16], "--data", data}, &out, &errb); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "enrolled as site town-b") {
		t.Fatalf("output %q", out.String())
	}
	out.Reset()
	if err := run(ctx, []string{"city", "status", "--data", data, "--json"}, &out, &errb); err != nil {
		t.Fatal(err)
	}
	var st struct {
		Enrolled bool
		Site     string
	}
	if json.Unmarshal(out.Bytes(), &st) != nil || !st.Enrolled || st.Site != "town-b" {
		t.Fatalf("status %q", out.String())
	}
	if err := run(ctx, []string{"city", "enrol", "positional"}, &out, &errb); err == nil {
		t.Fatal("positional argument accepted")
	}
}
