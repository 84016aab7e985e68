package server

import (
	"context"
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

func signIn(user, password string) []chromedp.Action[chromedp.Void] {
	return []chromedp.Action[chromedp.Void]{
		chromedp.WaitVisible(chromedp.ID("login")),
		chromedp.SendKeys(chromedp.ID("user"), user),
		chromedp.SendKeys(chromedp.ID("password"), password),
		chromedp.Click(chromedp.CSS(`#login button`)),
		poll(`document.getElementById('me').textContent === ` + "'" + user + "'"),
	}
}

// TestAccountsPageInChromium: an admin creates an account on the accounts
// page, the new account signs in (and is no admin), the admin changes its
// role and disables it; a request without the CSRF token, from the page
// itself and from another origin, is refused; the changes are audited.
func TestAccountsPageInChromium(t *testing.T) {
	f := setup(t)
	ctx := browser(t)
	row := `document.querySelector('tr[data-user="wu"]')`
	steps := []chromedp.Action[chromedp.Void]{chromedp.Navigate(f.ts.URL + "/accounts")}
	steps = append(steps, signIn("root", "correct horse")...)
	steps = append(steps,
		chromedp.WaitVisible(chromedp.ID("admin")),
		poll(`document.querySelector('tr[data-user="root"]') !== null`),
		chromedp.SendKeys(chromedp.ID("nuser"), "wu"),
		chromedp.SetValue(chromedp.ID("nrole"), "supervisor"),
		chromedp.SendKeys(chromedp.ID("npass"), "wu-password-1"),
		chromedp.Click(chromedp.CSS(`#new button`)),
		poll(row+` !== null && `+row+`.querySelector('select').value === 'supervisor'`),
		chromedp.Click(chromedp.ID("logout")),
	)
	steps = append(steps, signIn("wu", "wu-password-1")...)
	steps = append(steps,
		poll(`document.getElementById('myrole').textContent === 'supervisor'`),
		chromedp.WaitVisible(chromedp.ID("notadmin")),
		poll(`fetch('/api/v1/admin/accounts').then(r => r.status === 403)`),
		chromedp.Click(chromedp.ID("logout")),
	)
	steps = append(steps, signIn("root", "correct horse")...)
	steps = append(steps,
		poll(row+` !== null`),
		poll(`(() => { const s = `+row+`.querySelector('select'); s.value = 'technician'; s.dispatchEvent(new Event('change')); return true; })()`),
		poll(`document.getElementById('msg').textContent.includes('Saved') && `+row+`.querySelector('select').value === 'technician'`),
		chromedp.Click(chromedp.CSS(`tr[data-user="wu"] button.toggle`)),
		poll(row+` !== null && `+row+`.querySelector('.state').textContent.includes('disabled')`),
	)
	do(t, ctx, steps...)
	bg := context.Background()
	a, err := f.st.Account(bg, "wu")
	if err != nil || a.Role != "technician" || !a.Disabled {
		t.Fatalf("account after the page: %+v %v", a, err)
	}
	// A disabled account cannot sign in.
	if r := f.call(t, "POST", "/api/v1/login", "", `{"user":"wu","password":"wu-password-1"}`); r.StatusCode != http.StatusUnauthorized {
		t.Fatalf("disabled account signed in: %d", r.StatusCode)
	}
	// Forged from the page: the admin's cookie but no CSRF token.
	status, err := chromedp.Run(ctx, chromedp.Evaluate[int](`fetch('/api/v1/admin/accounts/wu/enable', {method: 'POST', headers: {'Content-Type': 'application/json'}, body: '{}'}).then(r => r.status)`, chromedp.EvalAwaitPromise))
	if err != nil || status != http.StatusForbidden {
		t.Fatalf("request without CSRF token: %d %v, want 403", status, err)
	}
	// Forged from another origin (same site: the cookie goes along).
	evil := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		w.Write([]byte(`<!doctype html><script>
fetch(` + "'" + f.ts.URL + `/api/v1/admin/accounts/wu/enable', {method: 'POST', mode: 'no-cors', credentials: 'include', body: '{}'})
  .then(() => { document.title = 'sent'; }, () => { document.title = 'failed'; });
</script>`))
	}))
	defer evil.Close()
	do(t, ctx, chromedp.Navigate(evil.URL), poll(`document.title === 'sent' || document.title === 'failed'`))
	if a, _ := f.st.Account(bg, "wu"); !a.Disabled {
		t.Fatal("a cross-origin request enabled the account")
	}
	es, err := f.st.Audit(bg, 50)
	if err != nil {
		t.Fatal(err)
	}
	var kinds []string
	for _, e := range es {
		if e.Target == "wu" && e.Actor == "root" {
			kinds = append(kinds, e.Kind)
		}
	}
	for _, k := range []string{"account_create", "account_role", "account_disable"} {
		if !slices.Contains(kinds, k) {
			t.Fatalf("audit of wu has %v, lacks %s", kinds, k)
		}
	}
	if slices.Contains(kinds, "account_enable") {
		t.Fatal("audit shows an enable: a forged request got through")
	}
}

// TestStatsRangeTotalsInChromium: with the totals box ticked the
// statistics page shows one hall row for the whole range.
func TestStatsRangeTotalsInChromium(t *testing.T) {
	f := setup(t)
	if status, e, _ := f.push(t, batch("hall-a", 1, 8), time.Now(), nil); status != 200 {
		t.Fatalf("push %d %v", status, e)
	}
	ctx := browser(t)
	steps := []chromedp.Action[chromedp.Void]{chromedp.Navigate(f.ts.URL + "/accounts")}
	steps = append(steps, signIn("boss", "correct horse")...)
	steps = append(steps,
		chromedp.Navigate(f.ts.URL+"/stats"),
		chromedp.SetValue(chromedp.ID("from"), "2026-11-20"),
		chromedp.SetValue(chromedp.ID("to"), "2026-12-05"),
		chromedp.Click(chromedp.ID("per")),
		chromedp.Click(chromedp.CSS(`#range button`)),
		poll(`[...document.querySelectorAll('#rows tr')].some(tr => tr.children[1].textContent === '2026-11-20/2026-12-05' && tr.children[2].textContent === 'hall' && tr.children[5].textContent === '2')`),
		poll(`document.getElementById('csv').href.includes('per=range')`),
	)
	do(t, ctx, steps...)
}
