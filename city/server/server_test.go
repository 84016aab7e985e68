package server

import (
	"bufio"
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"hallkiosk/city/pgtest"
	"hallkiosk/city/store"
	"hallkiosk/city/wire"
	"hallkiosk/internal/httpjson"
	"hallkiosk/queue/catalog"
)

func TestMain(m *testing.M) {
	BcryptCost = bcrypt.MinCost
	os.Exit(pgtest.Main(m))
}

const fp = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

type fixture struct {
	st  *store.Store
	srv *Server
	ts  *httptest.Server
	key ed25519.PrivateKey
	tok string
}

func setup(t testing.TB) *fixture {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, pgtest.DB(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(st.Close)
	if err := st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	srv := New(st, &Options{Fingerprint: fp, RegionCode: "620981", RaterKey: []byte("k")})
	ts := httptest.NewServer(srv)
	t.Cleanup(ts.Close)
	f := &fixture{st: st, srv: srv, ts: ts}
	if err := srv.SetPassword(ctx, "boss", "supervisor", "correct horse"); err != nil {
		t.Fatal(err)
	}
	if err := srv.SetPassword(ctx, "root", "admin", "correct horse"); err != nil {
		t.Fatal(err)
	}
	// Enrol one site through the API.
	f.tok = f.login(t, "root")
	if r := f.call(t, "POST", "/api/v1/admin/sites", f.tok, `{"site":"hall-a","name":"玉门市民中心","kind":"hall","region_code":"620981"}`); r.StatusCode != 201 {
		t.Fatalf("add site: %d", r.StatusCode)
	}
	var code struct{ Code string }
	decode(t, f.call(t, "POST", "/api/v1/admin/codes", f.tok, `{"site":"hall-a"}`), &code)
	pub, key, _ := ed25519.GenerateKey(nil)
	f.key = key
	body, _ := json.Marshal(wire.Enrol{Code: code.Code, PublicKey: pub, Signature: ed25519.Sign(key, wire.EnrolText(code.Code))})
	var er wire.EnrolReply
	decode(t, f.call(t, "POST", wire.PathEnrol, "", string(body)), &er)
	if er.Site != "hall-a" {
		t.Fatalf("enrol answer %+v", er)
	}
	return f
}

func decode(t testing.TB, r *http.Response, v any) {
	t.Helper()
	defer r.Body.Close()
	if r.StatusCode != 200 {
		b, _ := io.ReadAll(r.Body)
		t.Fatalf("status %d: %s", r.StatusCode, b)
	}
	if err := json.NewDecoder(r.Body).Decode(v); err != nil {
		t.Fatal(err)
	}
}

func (f *fixture) call(t testing.TB, method, path, tok, body string) *http.Response {
	t.Helper()
	req, _ := http.NewRequest(method, f.ts.URL+path, strings.NewReader(body))
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if tok != "" {
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	r, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func (f *fixture) login(t testing.TB, user string) string { return f.loginB(t, user) }

func (f *fixture) loginB(t testing.TB, user string) string {
	t.Helper()
	var out struct{ Token string }
	decode(t, f.call(t, "POST", "/api/v1/login", "", `{"user":"`+user+`","password":"correct horse"}`), &out)
	return out.Token
}

// push sends a signed body; mutate may change the request after signing.
func (f *fixture) push(t *testing.T, body []byte, at time.Time, mutate func(*http.Request)) (int, wire.Error, wire.PushReply) {
	t.Helper()
	req, _ := http.NewRequest("POST", f.ts.URL+wire.PathPush, bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if err := wire.Sign(req, body, "hall-a", f.key, at); err != nil {
		t.Fatal(err)
	}
	if mutate != nil {
		mutate(req)
	}
	r, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Body.Close()
	data, _ := io.ReadAll(r.Body)
	var rep wire.PushReply
	json.Unmarshal(data, &rep)
	return r.StatusCode, documentedError(data), rep
}

// documentedError reads a refusal in the one error format docs/API.md
// documents ({"error": {"code", "message"}}) and nothing else.
func documentedError(data []byte) wire.Error {
	var b httpjson.ErrorBody
	json.Unmarshal(data, &b)
	return wire.Error{Code: b.Error.Code, Message: b.Error.Message}
}

func batch(site string, first int64, n int) []byte {
	p := wire.Push{Site: site, SentAt: time.Now().UnixMilli()}
	at := time.Date(2026, 12, 1, 1, 0, 0, 0, time.UTC)
	for i := 0; i < n; i++ {
		seq := first + int64(i)
		k := []string{"issue", "call", "finish", "rate"}[(seq-1)%4]
		p.Events = append(p.Events, wire.Event{Seq: seq, At: at.Add(time.Duration(seq) * time.Minute).UnixMilli(), Day: "2026-12-01", Kind: k,
			Ticket: fmt.Sprintf("t%d", (seq-1)/4), Service: "tax", Window: 2, Actor: map[bool]string{true: "kiosk:k-00aa", false: "wang"}[k == "rate"], State: "done", Detail: "4"})
	}
	b, _ := json.Marshal(p)
	return b
}

func TestPushBadInput(t *testing.T) {
	f := setup(t)
	now := time.Now()
	good := batch("hall-a", 1, 8)
	var replayed *http.Request
	for _, c := range []struct {
		name   string
		body   []byte
		at     time.Time
		mutate func(*http.Request)
		status int
		code   string
	}{
		{"unsigned", good, now, func(r *http.Request) { r.Header.Del(wire.HeaderSignature) }, 401, "unauthenticated"},
		{"forged", good, now, func(r *http.Request) {
			_, other, _ := ed25519.GenerateKey(nil)
			wire.Sign(r, good, "hall-a", other, now)
		}, 401, "bad_signature"},
		{"altered body", good, now, func(r *http.Request) {
			alt := bytes.Replace(good, []byte(`"seq":1`), []byte(`"seq":2`), 1)
			r.Body, r.ContentLength = io.NopCloser(bytes.NewReader(alt)), int64(len(alt))
		}, 401, "bad_signature"},
		{"unknown site", good, now, func(r *http.Request) { r.Header.Set(wire.HeaderSite, "nobody") }, 401, "unknown_site"},
		{"stale time", good, now.Add(-10 * time.Minute), nil, 401, "clock_skew"},
		{"malformed", []byte(`{"site":"hall-a","sent_at":1,"events":[{"seq":1}]}`), now, nil, 400, "malformed"},
		{"oversized", bytes.Repeat([]byte(" "), wire.MaxBody+1), now, nil, 413, "too_large"},
		{"another site's batch", batch("town-b", 1, 2), now, nil, 403, "wrong_site"},
	} {
		t.Run(c.name, func(t *testing.T) {
			status, e, _ := f.push(t, c.body, c.at, c.mutate)
			if status != c.status || e.Code != c.code {
				t.Fatalf("got %d %q (%s), want %d %q", status, e.Code, e.Message, c.status, c.code)
			}
		})
	}
	// Nothing of the refused pushes was applied.
	if st, _ := f.st.Site(context.Background(), "hall-a"); st.LastSeq != 0 {
		t.Fatalf("refused pushes applied: checkpoint %d", st.LastSeq)
	}
	// A replayed request (same nonce and signature) is refused.
	status, _, rep := f.push(t, good, now, func(r *http.Request) { replayed = r.Clone(context.Background()) })
	if status != 200 || rep.Acked != 8 {
		t.Fatalf("good push: %d %+v", status, rep)
	}
	replayed.Body = io.NopCloser(bytes.NewReader(good))
	r, err := http.DefaultClient.Do(replayed)
	if err != nil {
		t.Fatal(err)
	}
	data, _ := io.ReadAll(r.Body)
	e := documentedError(data)
	r.Body.Close()
	if r.StatusCode != 401 || e.Code != "replay" {
		t.Fatalf("replay: %d %q", r.StatusCode, e.Code)
	}
	// Revoked: refused.
	f.call(t, "POST", "/api/v1/admin/revoke", f.tok, `{"site":"hall-a"}`)
	if status, e, _ := f.push(t, batch("hall-a", 9, 1), time.Now(), nil); status != 403 || e.Code != "revoked" {
		t.Fatalf("revoked: %d %q", status, e.Code)
	}
}

func TestSupervisorAPI(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	if err := f.st.SetItem(ctx, "hall-a", "tax", "000123456", "11620981000123456", "税务"); err != nil {
		t.Fatal(err)
	}
	body := batch("hall-a", 1, 40)
	var p wire.Push
	json.Unmarshal(body, &p)
	p.Status = &wire.Status{Waiting: 7, OpenWindows: 3, KiosksOnline: 2, KiosksFaulty: 1, CatalogVersion: "v12",
		Kiosks: []wire.Kiosk{{Device: "k-00aa", Software: "1.2", PaperOut: true, Faulty: true, Online: true}}}
	body, _ = json.Marshal(p)
	if status, e, _ := f.push(t, body, time.Now(), nil); status != 200 {
		t.Fatalf("push: %d %v", status, e)
	}
	// Not signed in, or the wrong role: refused.
	if r := f.call(t, "GET", "/api/v1/sites", "", ""); r.StatusCode != 401 {
		t.Fatalf("anonymous sites: %d", r.StatusCode)
	}
	boss := f.login(t, "boss")
	if r := f.call(t, "POST", "/api/v1/admin/revoke", boss, `{"site":"hall-a"}`); r.StatusCode != 403 {
		t.Fatalf("supervisor revoking: %d", r.StatusCode)
	}
	var sites []map[string]any
	decode(t, f.call(t, "GET", "/api/v1/sites", boss, ""), &sites)
	if len(sites) != 1 {
		t.Fatalf("sites %v", sites)
	}
	s := sites[0]
	for _, k := range []string{"site", "name", "kind", "last_seq", "last_heard", "waiting", "open_windows", "kiosks_online", "kiosks_faulty", "catalog_version"} {
		if _, ok := s[k]; !ok {
			t.Fatalf("sites lacks %q: %v", k, s)
		}
	}
	if s["site"] != "hall-a" || s["kind"] != "hall" || s["last_seq"].(float64) != 40 || s["waiting"].(float64) != 7 || s["kiosks_faulty"].(float64) != 1 || s["catalog_version"] != "v12" || s["last_heard"] == "" {
		t.Fatalf("site row %v", s)
	}
	var fleet []map[string]any
	decode(t, f.call(t, "GET", "/api/v1/fleet", boss, ""), &fleet)
	if len(fleet) != 1 || fleet[0]["kiosk"].(map[string]any)["paper_out"] != true {
		t.Fatalf("fleet %v", fleet)
	}
	// Statistics as CSV: the hall's columns plus site and item_code.
	r := f.call(t, "GET", "/api/v1/stats?from=2026-12-01&to=2026-12-01&format=csv", boss, "")
	recs, err := csv.NewReader(r.Body).ReadAll()
	r.Body.Close()
	if err != nil || len(recs) < 2 || strings.Join(recs[0], ",") != strings.Join(StatsColumns, ",") {
		t.Fatalf("csv %v %v", recs, err)
	}
	found := false
	for _, rec := range recs[1:] {
		if rec[2] == "service" && rec[3] == "tax" {
			found = rec[0] == "hall-a" && rec[4] == "11620981000123456" && rec[5] == "10" && rec[6] == "10"
		}
	}
	if !found {
		t.Fatalf("no service row with item code: %v", recs)
	}
	if r := f.call(t, "GET", "/api/v1/stats?from=2026-12-02&to=2026-12-01", boss, ""); r.StatusCode != 400 {
		t.Fatalf("reversed range: %d", r.StatusCode)
	}
	// Ratings as JSON lines in the GB/T 39046 fields.
	r = f.call(t, "GET", "/api/v1/ratings/export?from=2026-12-01&to=2026-12-01", boss, "")
	sc := bufio.NewScanner(r.Body)
	var lines []map[string]any
	for sc.Scan() {
		var m map[string]any
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			t.Fatal(err)
		}
		lines = append(lines, m)
	}
	r.Body.Close()
	if len(lines) != 10 {
		t.Fatalf("%d ratings exported, want 10", len(lines))
	}
	l := lines[0]
	if l["办件编号"] != "hall-a-t0" || l["评价渠道"] != "5" || l["满意度"] != "满意" || l["满意度代码"] != "4" || l["评价次数"].(float64) != 1 ||
		l["行政区划"] != "620981" || l["事项编码"] != "11620981000123456" || l["工作人员"] != "wang" || len(l["评价人"].(string)) != 32 {
		t.Fatalf("export line %v", l)
	}
	// 整改: the ratings below 基本满意 (none here: scores are 4) …
	var cases []Case
	decode(t, f.call(t, "GET", "/api/v1/rectify?from=2026-12-01&to=2026-12-01", boss, ""), &cases)
	if len(cases) != 0 {
		t.Fatalf("cases for good ratings: %v", cases)
	}
	if tm := l["评价时间"].(string); len(tm) != 15 || tm[8] != 'T' || tm != "20261201T090400" {
		t.Fatalf("评价时间 %q", tm)
	}
}

func TestRectifyCases(t *testing.T) {
	f := setup(t)
	body := batch("hall-a", 1, 8)
	body = bytes.ReplaceAll(body, []byte(`"detail":"4"`), []byte(`"detail":"1"`))
	if status, e, _ := f.push(t, body, time.Now(), nil); status != 200 {
		t.Fatalf("push %d %v", status, e)
	}
	var cases []Case
	decode(t, f.call(t, "GET", "/api/v1/rectify?from=2026-12-01&to=2026-12-01", f.login(t, "boss"), ""), &cases)
	if len(cases) != 2 {
		t.Fatalf("cases %v", cases)
	}
	// Rated Tuesday 2026-12-01: 15 working days later is Tuesday 2026-12-22.
	if c := cases[0]; c.Deadline != "2026-12-22" || c.Level != "非常不满意" || c.Site != "hall-a" || c.Staff != "wang" {
		t.Fatalf("case %+v", c)
	}
}

func TestLoginLockout(t *testing.T) {
	f := setup(t)
	for i := 0; i < maxFails; i++ {
		if r := f.call(t, "POST", "/api/v1/login", "", `{"user":"boss","password":"wrong password"}`); r.StatusCode != 401 {
			t.Fatalf("bad login %d: %d", i, r.StatusCode)
		}
	}
	if r := f.call(t, "POST", "/api/v1/login", "", `{"user":"boss","password":"correct horse"}`); r.StatusCode != 429 {
		t.Fatalf("login after %d failures: %d, want 429", maxFails, r.StatusCode)
	}
	// A form post (what a cross-site page can send) is refused.
	req, _ := http.NewRequest("POST", f.ts.URL+"/api/v1/admin/revoke", strings.NewReader("site=hall-a"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Authorization", "Bearer "+f.tok)
	r, _ := http.DefaultClient.Do(req)
	if r.StatusCode != 415 {
		t.Fatalf("form post: %d", r.StatusCode)
	}
	if r := f.call(t, "POST", "/api/v1/logout", f.tok, ""); r.StatusCode != 204 {
		t.Fatalf("logout %d", r.StatusCode)
	}
	if r := f.call(t, "GET", "/api/v1/sites", f.tok, ""); r.StatusCode != 401 {
		t.Fatalf("after logout: %d", r.StatusCode)
	}
}

func TestCatalogueAdminAPI(t *testing.T) {
	f := setup(t)
	if r := f.call(t, "POST", "/api/v1/admin/catalog", f.tok, `{"hall":{"name":"x"}}`); r.StatusCode != 400 {
		t.Fatalf("invalid catalogue: %d", r.StatusCode)
	}
	var pub struct{ Version int64 }
	decode(t, f.call(t, "POST", "/api/v1/admin/catalog", f.tok, string(catalog.DefaultJSON())), &pub)
	if pub.Version != 1 {
		t.Fatalf("version %d", pub.Version)
	}
	svc := catalog.Default().Windows[0].Services[0]
	var ov struct{ Rev int }
	decode(t, f.call(t, "POST", "/api/v1/admin/catalog/override", f.tok, `{"site":"hall-a","override":{"services":{"`+svc+`":{"daily_cap":50}}}}`), &ov)
	if ov.Rev != 1 {
		t.Fatalf("rev %d", ov.Rev)
	}
	if r := f.call(t, "POST", "/api/v1/admin/catalog/override", f.login(t, "boss"), `{"site":"hall-a","override":{}}`); r.StatusCode != 403 {
		t.Fatalf("supervisor overriding: %d", r.StatusCode)
	}
	var vs []map[string]any
	decode(t, f.call(t, "GET", "/api/v1/catalog/versions", f.tok, ""), &vs)
	if len(vs) != 1 || vs[0]["want"] != "v1+hall-a.1" || vs[0]["current"] != false {
		t.Fatalf("versions %v", vs)
	}
	// The site pulls it over the signed route.
	req, _ := http.NewRequest("POST", f.ts.URL+wire.PathCatalog, strings.NewReader(`{"site":"hall-a","have":""}`))
	body := []byte(`{"site":"hall-a","have":""}`)
	wire.Sign(req, body, "hall-a", f.key, time.Now())
	var rep wire.CatalogReply
	decode(t, mustDo(t, req), &rep)
	if rep.Version != "v1+hall-a.1" || len(rep.Catalog) == 0 {
		t.Fatalf("pull %+v", rep.Version)
	}
	if c, err := catalog.Parse(rep.Catalog); err != nil {
		t.Fatal(err)
	} else if s, _ := c.Service(svc); s.DailyCap != 50 {
		t.Fatalf("override not applied: %d", s.DailyCap)
	}
}

func mustDo(t *testing.T, req *http.Request) *http.Response {
	t.Helper()
	r, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	return r
}
