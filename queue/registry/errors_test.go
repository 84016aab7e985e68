package registry_test

import (
	"encoding/json"
	"net/http"
	"os"
	"strings"
	"testing"

	"hallkiosk/internal/httpjson"
)

// TestHTTPErrorFormat: every refusal of the registry routes is in the one
// documented format {"error":{"code","message","detail"}} and never cached.
func TestHTTPErrorFormat(t *testing.T) {
	s := openStore(t)
	srv := server(t, s)
	base := srv.URL + "/api/v1/registry/"
	demo, _ := os.ReadFile("../../assets/registry-demo.csv")
	for _, c := range []struct {
		method, path, ctype, auth, body string
		status                          int
		code                            string
	}{
		{"POST", "import", "text/csv", "", string(demo), 403, "forbidden"},
		{"POST", "import", "text/plain", "Bearer staff", "x", 415, "media_type"},
		{"POST", "import", "application/json", "Bearer staff", `{"licences":[{"uscc":"bad","name":"x"}]}`, 400, "invalid"},
		{"GET", "licences/91350100M0001TGQX1", "", "", "", 404, "not_found"},
		{"GET", "licences/hello", "", "", "", 400, "invalid"},
	} {
		req, _ := http.NewRequest(c.method, base+c.path, strings.NewReader(c.body))
		if c.ctype != "" {
			req.Header.Set("Content-Type", c.ctype)
		}
		if c.auth != "" {
			req.Header.Set("Authorization", c.auth)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var doc httpjson.ErrorBody
		err = json.NewDecoder(resp.Body).Decode(&doc)
		resp.Body.Close()
		if resp.StatusCode != c.status || err != nil || doc.Error.Code != c.code || doc.Error.Message == "" {
			t.Errorf("%s %s: %d %+v (%v); want %d code %q with a message", c.method, c.path, resp.StatusCode, doc, err, c.status, c.code)
		}
		if cc := resp.Header.Get("Cache-Control"); cc != "no-store" {
			t.Errorf("%s %s: Cache-Control %q", c.method, c.path, cc)
		}
	}
}
