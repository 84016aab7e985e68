package uplink

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func adminCall(t *testing.T, h http.Handler, method, path, ctype, body string, admin bool) (*httptest.ResponseRecorder, map[string]any) {
	t.Helper()
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	if admin {
		req.Header.Set("X-Test-Admin", "1")
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	var out map[string]any
	if strings.HasPrefix(rec.Header().Get("Content-Type"), "application/json") {
		if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil {
			t.Fatalf("%s %s: %v: %s", method, path, err, rec.Body)
		}
	}
	return rec, out
}

func errCode(m map[string]any) string {
	e, _ := m["error"].(map[string]any)
	c, _ := e["code"].(string)
	return c
}

// TestAdminHandlerEnrolsThroughTheHallPage: the admin page's API enrols a
// site with a real city (TLS, pinned) and shows its status; non-admins,
// form posts, unknown fields and bad codes are refused.
func TestAdminHandlerEnrolsThroughTheHallPage(t *testing.T) {
	c := startCity(t)
	src := &memSource{}
	src.add(40, time.Now().Add(-time.Hour), time.Second)
	u := newUplink(t, src, filepath.Join(t.TempDir(), "u.json"), nil)
	h := AdminHandler(u, func(r *http.Request) bool { return r.Header.Get("X-Test-Admin") == "1" })

	for _, p := range []string{AdminPagePath, AdminStatusPath} {
		if rec, m := adminCall(t, h, "GET", p, "", "", false); rec.Code != 403 || errCode(m) != "forbidden" || strings.Contains(rec.Body.String(), "enrolled") {
			t.Fatalf("non-admin %s: %d %s", p, rec.Code, rec.Body)
		}
	}
	if rec, _ := adminCall(t, h, "POST", AdminEnrolPath, "application/json", `{"city":"`+c.url+`","code":"x"}`, false); rec.Code != 403 {
		t.Fatalf("non-admin enrol: %d", rec.Code)
	}
	rec, _ := adminCall(t, h, "GET", AdminPagePath, "", "", true)
	if rec.Code != 200 || !strings.Contains(rec.Body.String(), "一次性注册码") || !strings.Contains(rec.Header().Get("Content-Security-Policy"), "frame-ancestors 'none'") {
		t.Fatalf("page: %d %q", rec.Code, rec.Header())
	}
	if rec, m := adminCall(t, h, "GET", AdminStatusPath, "", "", true); rec.Code != 200 || m["configured"] != true || m["enrolled"] != false {
		t.Fatalf("status before: %d %v", rec.Code, m)
	}
	code := c.code(t, "hall-a", "hall")
	if rec, m := adminCall(t, h, "POST", AdminEnrolPath, "application/x-www-form-urlencoded", "city="+c.url+"&code="+code, true); rec.Code != 415 || errCode(m) != "media_type" {
		t.Fatalf("form post: %d %v", rec.Code, m)
	}
	if rec, m := adminCall(t, h, "POST", AdminEnrolPath, "application/json", `{"city":"`+c.url+`","code":"`+code+`","extra":1}`, true); rec.Code != 400 || errCode(m) != "invalid" {
		t.Fatalf("unknown field: %d %v", rec.Code, m)
	}
	secret, _, _ := strings.Cut(code, ".")
	if rec, m := adminCall(t, h, "POST", AdminEnrolPath, "application/json", `{"city":"`+c.url+`","code":"`+secret+`.0000000000000000"}`, true); rec.Code != 502 || errCode(m) != "pin" {
		t.Fatalf("wrong pin: %d %v", rec.Code, m)
	}
	if u.Status().Enrolled {
		t.Fatal("enrolled after refusals")
	}
	rec, m := adminCall(t, h, "POST", AdminEnrolPath, "application/json", `{"city":"`+c.url+`","code":"`+code+`"}`, true)
	if rec.Code != 200 || m["enrolled"] != true || m["site"] != "hall-a" || m["city"] != c.url {
		t.Fatalf("enrol: %d %v", rec.Code, m)
	}
	if n, err := u.SyncOnce(t.Context()); err != nil || n != 40 {
		t.Fatalf("sync after page enrolment: %d %v", n, err)
	}
	if rec, m := adminCall(t, h, "GET", AdminStatusPath, "", "", true); rec.Code != 200 || m["acked"] != float64(40) {
		t.Fatalf("status after: %d %v", rec.Code, m)
	}
}

// TestAdminHandlerWithoutCityURL: a site without [city] url shows so and
// refuses enrolment.
func TestAdminHandlerWithoutCityURL(t *testing.T) {
	h := AdminHandler(nil, func(*http.Request) bool { return true })
	if rec, m := adminCall(t, h, "GET", AdminStatusPath, "", "", true); rec.Code != 200 || m["configured"] != false {
		t.Fatalf("status: %d %v", rec.Code, m)
	}
	if rec, m := adminCall(t, h, "POST", AdminEnrolPath, "application/json", `{"city":"https://x:1","code":"a.b"}`, true); rec.Code != 409 || errCode(m) != "not_configured" {
		t.Fatalf("enrol: %d %v", rec.Code, m)
	}
	if rec, _ := adminCall(t, h, "DELETE", AdminStatusPath, "", "", true); rec.Code != 405 {
		t.Fatalf("delete: %d", rec.Code)
	}
}
