package registry_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"hallkiosk/queue/registry"
)

const (
	grocery  = "92620981MA71GK3X12"
	pharmacy = "91620981MA72BC4D2N"
	noodles  = "92620981MA7ABCDE3F"
	flat     = "甘(2023)玉门市不动产权第0001234号"
)

func openStore(t testing.TB) *registry.Store {
	s, err := registry.Open(filepath.Join(t.TempDir(), "registry.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func importDemo(t *testing.T, s *registry.Store) registry.ImportResult {
	f, err := os.Open("../../assets/registry-demo.csv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	res, err := s.ImportCSV(context.Background(), f)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func TestImportDemoAndLookup(t *testing.T) {
	s := openStore(t)
	res := importDemo(t, s)
	if res.Licences != 3 || res.Permits != 4 || res.Properties != 3 || len(res.Warnings) != 0 {
		t.Fatalf("%+v", res)
	}
	ctx := context.Background()
	l, err := s.Licence(ctx, strings.ToLower(pharmacy))
	if err != nil {
		t.Fatal(err)
	}
	if l.Name != "玉门市福康大药房有限公司" || len(l.Permits) != 2 || l.Permits[0].Kind != registry.PermitDrugRetail {
		t.Fatalf("%+v", l)
	}
	if !l.Permits[0].Valid("2026-11-25") || l.Permits[0].Valid("2028-06-15") {
		t.Error("permit validity dates")
	}
	p, err := s.Property(ctx, "甘（2023）玉门市不动产权第0001234号")
	if err != nil || p.Number != flat || p.AreaM2 != 89.46 || p.Usage != "住宅" {
		t.Fatalf("%+v %v", p, err)
	}
	if _, err := s.Licence(ctx, "91350100M000100Y43"); !errors.Is(err, registry.ErrNotFound) {
		t.Fatalf("missing: %v", err)
	}
	// Re-importing is idempotent; permits are replaced, not duplicated.
	importDemo(t, s)
	if l, _ := s.Licence(ctx, pharmacy); len(l.Permits) != 2 {
		t.Fatalf("after re-import: %d permits", len(l.Permits))
	}
}

func TestImportAllOrNothing(t *testing.T) {
	s := openStore(t)
	ctx := context.Background()
	for _, c := range []struct{ csv, msg string }{
		{"record,key,name\nlicence,91350100M000100Y43,甲\nlicence,NOTACODE,乙\n", "line 3"},
		{"record,key,name,permit_kind,permit_number\npermit,91350100M000100Y43,,food_sale,X1\n", "unknown licence"},
		{"record,key,bogus\n", "unknown column"},
		{"record,key,name\nwidget,1,2\n", "not licence"},
		{"record,key,address,area_m2\nproperty,甘(2023)玉门市不动产权第1号,x,big\n", "not a number"},
		{"record,key,address\nproperty,玉门市第1号,x\n", "not a real-estate"},
		{"record,key,name,permit_kind,permit_number,valid_from,valid_to\nlicence,91350100M000100Y43,甲,,,,\npermit,91350100M000100Y43,,food_sale,X1,2025-01-01,2024-01-01\n", "ends before"},
		{"record,key,name\nlicence,91350100M000100Y43,\"a\u202eb\"\n", "control character"},
	} {
		_, err := s.ImportCSV(ctx, strings.NewReader(c.csv))
		if !errors.Is(err, registry.ErrInvalid) || !strings.Contains(err.Error(), c.msg) {
			t.Errorf("%q: %v, want %q", c.csv, err, c.msg)
		}
	}
	// The good first row of the first case was rolled back.
	if _, err := s.Licence(ctx, "91350100M000100Y43"); !errors.Is(err, registry.ErrNotFound) {
		t.Fatalf("partial import kept: %v", err)
	}
	// GB 32100 validity is strict: a code whose check character fails is
	// refused (it used to be stored with a warning), the error naming the
	// file, the line and the wrong character, and nothing is stored.
	res, err := s.ImportCSVFile(ctx, "licences.csv", strings.NewReader("record,key,name\nlicence,91350100M000100Y43,甲\n# comment\nlicence,91350100M0001TGQXM,试点\n"))
	if !errors.Is(err, registry.ErrInvalid) || !strings.Contains(err.Error(), "licences.csv line 4:") || !strings.Contains(err.Error(), "character 18 is 'M'") {
		t.Fatalf("pilot code: %+v %v", res, err)
	}
	if _, err := s.Licence(ctx, "91350100M000100Y43"); !errors.Is(err, registry.ErrNotFound) {
		t.Fatalf("partial import kept: %v", err)
	}
	_, err = s.ImportCSVFile(ctx, "permits.csv", strings.NewReader("record,key,permit_kind,permit_number\npermit,91350100M000100Y4X,food_sale,X1\n"))
	if !errors.Is(err, registry.ErrInvalid) || !strings.Contains(err.Error(), "permits.csv line 2:") || !strings.Contains(err.Error(), "character 18") {
		t.Fatalf("permit with a bad code: %v", err)
	}
	_, err = s.Import(ctx, &registry.Export{Licences: []registry.Licence{{USCC: "91350100M000I00Y43", Name: "乙"}}})
	if !errors.Is(err, registry.ErrInvalid) || !strings.Contains(err.Error(), "licence 1:") || !strings.Contains(err.Error(), "character 13") {
		t.Fatalf("json import with a bad code: %v", err)
	}
}

func TestPersistsAcrossReopen(t *testing.T) {
	path := filepath.Join(t.TempDir(), "r.db")
	s, _ := registry.Open(path)
	if err := s.PutLicence(context.Background(), registry.Licence{USCC: grocery, Name: "店", Permits: []registry.Permit{{Kind: "food_sale", Number: "JY1"}}}); err != nil {
		t.Fatal(err)
	}
	s.Close()
	s, _ = registry.Open(path)
	defer s.Close()
	if l, err := s.Licence(context.Background(), grocery); err != nil || len(l.Permits) != 1 {
		t.Fatalf("%+v %v", l, err)
	}
}

func server(t *testing.T, s *registry.Store) *httptest.Server {
	h := registry.Handler(s, registry.HandlerOpts{
		Prefix:         "/api/v1/registry/",
		AllowWrite:     func(r *http.Request) bool { return r.Header.Get("Authorization") == "Bearer staff" },
		MaxImportBytes: 64 << 10,
	})
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv
}

func post(t *testing.T, url, ctype, auth, body string) (int, string) {
	req, _ := http.NewRequest("POST", url, strings.NewReader(body))
	req.Header.Set("Content-Type", ctype)
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var b bytes.Buffer
	b.ReadFrom(resp.Body)
	return resp.StatusCode, b.String()
}

func TestHTTP(t *testing.T) {
	s := openStore(t)
	srv := server(t, s)
	base := srv.URL + "/api/v1/registry/"
	demo, _ := os.ReadFile("../../assets/registry-demo.csv")
	if code, body := post(t, base+"import", "text/csv", "", string(demo)); code != http.StatusForbidden {
		t.Fatalf("no auth: %d %s", code, body)
	}
	code, body := post(t, base+"import", "text/csv; charset=utf-8", "Bearer staff", string(demo))
	if code != 200 || !strings.Contains(body, `"licences":3`) {
		t.Fatalf("import: %d %s", code, body)
	}
	js := `{"licences":[{"uscc":"91350100M000100Y43","name":"福州样例","permits":[{"kind":"catering","number":"JY2"}]}],"properties":[]}`
	if code, body := post(t, base+"import", "application/json", "Bearer staff", js); code != 200 || !strings.Contains(body, `"permits":1`) {
		t.Fatalf("json import: %d %s", code, body)
	}
	if code, body := post(t, base+"import", "application/json", "Bearer staff", `{"licences":[{"uscc":"bad","name":"x"}]}`); code != 400 || !strings.Contains(body, "not a unified social credit code") {
		t.Fatalf("bad json import: %d %s", code, body)
	}
	if code, body := post(t, base+"import?file=licences.csv", "text/csv", "Bearer staff", "record,key,name\nlicence,91350100M0001TGQXM,试点\n"); code != 400 || !strings.Contains(body, "licences.csv line 2:") || !strings.Contains(body, "character 18") {
		t.Fatalf("csv with a bad code: %d %s", code, body)
	}
	if code, _ := post(t, base+"import", "text/plain", "Bearer staff", "x"); code != http.StatusUnsupportedMediaType {
		t.Fatalf("plain: %d", code)
	}
	if code, body := post(t, base+"import", "text/csv", "Bearer staff", "record,key,name\n"+strings.Repeat("licence,91350100M000100Y43,"+strings.Repeat("x", 100)+"\n", 1000)); code != http.StatusRequestEntityTooLarge {
		t.Fatalf("huge: %d %.100s", code, body)
	}
	get := func(path string) (int, string) {
		resp, err := http.Get(base + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var b bytes.Buffer
		b.ReadFrom(resp.Body)
		return resp.StatusCode, b.String()
	}
	if code, body := get("licences/" + pharmacy); code != 200 || !strings.Contains(body, "drug_retail") {
		t.Fatalf("licence: %d %s", code, body)
	}
	if code, _ := get("licences/91350100M0001TGQX1"); code != 404 {
		t.Fatalf("missing licence: %d", code)
	}
	// A code whose check character is wrong is refused, not looked up.
	if code, body := get("licences/91350100M0001TGQX0"); code != 400 || !strings.Contains(body, "character 18") {
		t.Fatalf("wrong check character: %d %s", code, body)
	}
	if code, _ := get("licences/hello"); code != 400 {
		t.Fatalf("bad uscc: %d", code)
	}
	if code, body := get("properties/" + "%E7%94%98%EF%BC%882023%EF%BC%89%E7%8E%89%E9%97%A8%E5%B8%82%E4%B8%8D%E5%8A%A8%E4%BA%A7%E6%9D%83%E7%AC%AC0001234%E5%8F%B7"); code != 200 || !strings.Contains(body, "89.46") {
		t.Fatalf("property (full-width brackets): %d %s", code, body)
	}
	if code, body := get("export"); code != 200 || !strings.Contains(body, noodles) {
		t.Fatalf("export: %d %s", code, body)
	}
}

func TestClientCacheOffline(t *testing.T) {
	s := openStore(t)
	importDemo(t, s)
	srv := server(t, s)
	cache, err := registry.OpenCache(filepath.Join(t.TempDir(), "cache.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer cache.Close()
	now := time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)
	c := &registry.Client{Base: srv.URL + "/api/v1/registry/", Cache: cache, Now: func() time.Time { return now }}
	ctx := context.Background()

	l, a, err := c.Licence(ctx, grocery)
	if err != nil || a.Stale || l.Name != "玉门市老街副食店" {
		t.Fatalf("online: %+v %+v %v", l, a, err)
	}
	if _, _, err := c.Licence(ctx, "91350100M000100Y43"); !errors.Is(err, registry.ErrNotFound) {
		t.Fatalf("not found online: %v", err)
	}

	// The hall goes away: the looked-up licence comes from the cache.
	srv.Close()
	now = now.Add(time.Hour)
	l, a, err = c.Licence(ctx, grocery)
	if err != nil || !a.Stale || !a.Fetched.Equal(time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)) || len(l.Permits) != 1 {
		t.Fatalf("offline: %+v %+v %v", l, a, err)
	}
	// Never looked up and not preloaded: unavailable, not "not found".
	if _, _, err := c.Licence(ctx, pharmacy); !errors.Is(err, registry.ErrUnavailable) {
		t.Fatalf("offline uncached: %v", err)
	}
}

func TestClientPreload(t *testing.T) {
	s := openStore(t)
	importDemo(t, s)
	srv := server(t, s)
	cache, _ := registry.OpenCache(filepath.Join(t.TempDir(), "cache.db"))
	defer cache.Close()
	c := &registry.Client{Base: srv.URL + "/api/v1/registry/", Cache: cache}
	n, err := c.Preload(context.Background())
	if err != nil || n != 6 {
		t.Fatalf("preload %d %v", n, err)
	}
	srv.Close()
	p, a, err := c.Property(context.Background(), "甘（2024）玉门市不动产权第0002468号")
	if err != nil || !a.Stale || p.Status != "抵押" {
		t.Fatalf("offline property: %+v %v", p, err)
	}
	l, _, err := c.Licence(context.Background(), pharmacy)
	if err != nil || len(l.Permits) != 2 {
		t.Fatalf("offline licence: %+v %v", l, err)
	}
	js, _ := json.Marshal(l)
	if !strings.Contains(string(js), `"kind":"drug_retail"`) {
		t.Fatal(string(js))
	}
}

func FuzzImportCSV(f *testing.F) {
	demo, _ := os.ReadFile("../../assets/registry-demo.csv")
	f.Add(string(demo))
	f.Add("record,key,name\nlicence,91350100M000100Y43,甲\n")
	f.Add("record,key,address,area_m2\nproperty,甘(2023)玉门市不动产权第1号,x,1e400\n")
	s := openStore(f)
	f.Fuzz(func(t *testing.T, in string) {
		res, err := s.ImportCSV(context.Background(), strings.NewReader(in))
		if err != nil {
			if res.Licences+res.Permits+res.Properties != 0 {
				t.Fatalf("failed import reports records: %+v", res)
			}
			return
		}
		if res.Licences+res.Properties > 0 && len(in) == 0 {
			t.Fatal("records from nothing")
		}
	})
}
