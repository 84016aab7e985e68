package uplink

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestAdminPageEnrolsInChromium: an admin opens the hall's city page,
// enters the city's URL and a one-time code, and sees the site enrolled.
func TestAdminPageEnrolsInChromium(t *testing.T) {
	const chromium = "/usr/bin/chromium"
	if _, err := os.Stat(chromium); err != nil {
		t.Fatalf("headless Chromium is needed at %s (scripts/setup.sh installs it): %v", chromium, err)
	}
	c := startCity(t)
	u := newUplink(t, &memSource{}, filepath.Join(t.TempDir(), "u.json"), nil)
	h := AdminHandler(u, func(r *http.Request) bool {
		ck, err := r.Cookie("test_admin")
		return err == nil && ck.Value == "yes"
	})
	mux := http.NewServeMux()
	mux.Handle("/admin/", h)
	mux.Handle("/api/v1/admin/", h)
	mux.HandleFunc("/test-login", func(w http.ResponseWriter, r *http.Request) {
		http.SetCookie(w, &http.Cookie{Name: "test_admin", Value: "yes", Path: "/", HttpOnly: true, SameSite: http.SameSiteStrictMode})
		w.Write([]byte("ok"))
	})
	hall := httptest.NewServer(mux)
	t.Cleanup(hall.Close)
	code := c.code(t, "town-1", "township")
	if r, err := http.Get(hall.URL + "/admin/city"); err != nil || r.StatusCode != 403 {
		t.Fatalf("page without the admin session: %v %v", r, err) // not signed in: refused
	}

	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(chromium), chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true), chromedp.NoFirstRun, chromedp.NoDefaultBrowserCheck,
		chromedp.UserDataDir(t.TempDir()), chromedp.WindowSize(1024, 768),
	}
	actx, cancelA := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelC := chromedp.NewContext(actx)
	ctx, cancelT := context.WithTimeout(ctx, 60*time.Second)
	t.Cleanup(func() { cancelT(); cancelC(); cancelA() })
	// The browser starts on ctx (a step's shorter context would end it).
	if err := chromedp.Do(ctx, chromedp.Navigate("about:blank")); err != nil {
		t.Fatal(err)
	}
	poll := func(js string) chromedp.Action[chromedp.Void] {
		return chromedp.Poll[chromedp.Void](js, chromedp.WithPollingTimeout(15*time.Second))
	}
	for i, a := range []chromedp.Action[chromedp.Void]{
		chromedp.Navigate(hall.URL + "/test-login"),
		chromedp.Navigate(hall.URL + "/admin/city"),
		chromedp.WaitVisible(chromedp.ID("enrol")),
		poll(`document.getElementById('state').textContent === '未注册'`),
		chromedp.SendKeys(chromedp.ID("city_url"), c.url),
		chromedp.SendKeys(chromedp.ID("code"), code),
		chromedp.Click(chromedp.CSS(`#enrol button`)),
		poll(`document.getElementById('msg').textContent === '注册成功'`),
		poll(`document.getElementById('state').textContent === '已注册' && document.getElementById('site').textContent === 'town-1'`),
	} {
		sctx, cancel := context.WithTimeout(ctx, 20*time.Second)
		err := chromedp.Do(sctx, a)
		cancel()
		if err != nil {
			text, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.body.innerText`))
			t.Fatalf("step %d: %v\npage text:\n%s", i, err, text)
		}
	}
	if s := u.Status(); !s.Enrolled || s.Site != "town-1" {
		t.Fatalf("uplink after the page: %+v", s)
	}
}
