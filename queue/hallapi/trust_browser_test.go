package hallapi

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"hallkiosk/queue/engine"
)

func poll(js string) chromedp.Action[chromedp.Void] {
	return chromedp.Poll[chromedp.Void](js, chromedp.WithPollingTimeout(10*time.Second))
}

// callerLogin signs user in on the caller page at window n.
func callerLogin(h *testHall, user, pw string, n int) []chromedp.Action[chromedp.Void] {
	return []chromedp.Action[chromedp.Void]{
		chromedp.Navigate(h.ts.URL + "/caller"),
		chromedp.WaitVisible(chromedp.ID("user")),
		chromedp.SendKeys(chromedp.ID("user"), user),
		chromedp.SendKeys(chromedp.ID("pass"), pw),
		chromedp.SetValue(chromedp.ID("winIn"), fmt.Sprint(n)),
		chromedp.Click(chromedp.ID("loginBtn")),
		chromedp.WaitVisible(chromedp.ID("main")),
		poll(`document.getElementById('state').textContent === '服务中'`),
	}
}

// TestCrossOriginFormInChromium: issue 13 item 5 as the attacker does
// it. staff1 is signed in at window 19; a page on another port of the same
// host posts a text/plain form (and a no-preflight fetch) to pause window
// 19. Neither gets through; the caller page itself still pauses.
func TestCrossOriginFormInChromium(t *testing.T) {
	h := newHall(t, true)
	ctx := browser(t)
	do(t, ctx, callerLogin(h, "staff1", "staff1-demo", 19)...)
	evil := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		switch r.URL.Path {
		case "/form":
			fmt.Fprintf(w, `<!doctype html><body><form id="f" method="POST" action="%s/api/v1/windows/19/pause" enctype="text/plain">
<input name='{"x":"' value='"}'></form><script>document.getElementById('f').submit()</script></body>`, h.ts.URL)
		case "/fetch":
			fmt.Fprintf(w, `<!doctype html><body><div id="out">…</div><script>
fetch(%q, {method: 'POST', credentials: 'include', mode: 'no-cors', headers: {'Content-Type': 'text/plain'}, body: '{}'})
  .then(() => document.getElementById('out').textContent = 'sent', e => document.getElementById('out').textContent = 'error ' + e);
</script></body>`, h.ts.URL+"/api/v1/windows/19/pause")
		}
	}))
	defer evil.Close()
	if strings.Split(evil.URL, ":")[1] != strings.Split(h.ts.URL, ":")[1] {
		t.Fatalf("not the same host: %s %s", evil.URL, h.ts.URL)
	}
	do(t, ctx,
		chromedp.Navigate(evil.URL+"/form"),
		poll(`document.body && document.body.innerText.includes('cross_origin')`),
		chromedp.Navigate(evil.URL+"/fetch"),
		poll(`document.getElementById('out').textContent === 'sent'`),
	)
	if ws, _ := h.e.Window(19); ws.Paused {
		t.Fatal("a page of another origin paused window 19")
	}
	// The hall's own page, same session, pauses.
	do(t, ctx,
		chromedp.Navigate(h.ts.URL+"/caller?window=19"),
		chromedp.WaitVisible(chromedp.ID("main")),
		poll(`document.getElementById('state').textContent === '服务中'`),
		chromedp.Evaluate[chromedp.Void](`document.activeElement && document.activeElement.blur()`),
		chromedp.KeyEvent("p"),
		textIs("#state", "已暂停"),
	)
	if ws, _ := h.e.Window(19); !ws.Paused {
		t.Fatal("the caller page could not pause")
	}
}

// TestCallerParkAndNoShowInChromium: issue 13 item 12. 过号 asks for a
// confirmation (cancel keeps the call); 搁置 sends the chosen reason.
func TestCallerParkAndNoShowInChromium(t *testing.T) {
	h := newHall(t, true)
	bg := context.Background()
	a, _ := h.e.Issue(bg, engine.IssueRequest{Service: "tax-filing"})
	h.clk.Advance(time.Minute)
	b, _ := h.e.Issue(bg, engine.IssueRequest{Service: "tax-filing"})
	ctx := browser(t)
	do(t, ctx, callerLogin(h, "staff1", "staff1-demo", 19)...)
	do(t, ctx,
		chromedp.Evaluate[chromedp.Void](`document.activeElement && document.activeElement.blur()`),
		chromedp.KeyEvent("n"),
		textIs("#current", a.Label),
		chromedp.KeyEvent("m"),
		chromedp.WaitVisible(chromedp.ID("dlgOk")),
		poll(`document.getElementById('dlgText').textContent.includes('过号')`),
		chromedp.Click(chromedp.ID("dlgCancel")),
		chromedp.WaitNotVisible(chromedp.ID("dlg")),
	)
	if tk, _ := h.e.Ticket(bg, a.ID); tk.State != engine.StateCalled {
		t.Fatalf("过号 without confirmation: %s", tk.State)
	}
	do(t, ctx,
		chromedp.KeyEvent("m"),
		chromedp.WaitVisible(chromedp.ID("dlgOk")),
		chromedp.Click(chromedp.ID("dlgOk")),
		chromedp.WaitVisible(chromedp.CSS(`[data-requeue="`+a.Label+`"]`)),
		chromedp.KeyEvent("n"),
		textIs("#current", b.Label),
		chromedp.KeyEvent("k"),
		chromedp.WaitVisible(chromedp.ID("dlgReasonSel")),
		chromedp.SetValue(chromedp.ID("dlgReasonSel"), "材料需补正"),
		chromedp.Click(chromedp.ID("dlgOk")),
		poll(`document.getElementById('msg').textContent.startsWith('已搁置')`),
	)
	if tk, _ := h.e.Ticket(bg, a.ID); tk.State != engine.StateParked || tk.ParkReason != "missed" {
		t.Errorf("no-show ticket %+v", tk)
	}
	if tk, _ := h.e.Ticket(bg, b.ID); tk.State != engine.StateParked || tk.ParkReason != "材料需补正" {
		t.Errorf("parked ticket %s %q", tk.State, tk.ParkReason)
	}
}

// TestAccountsInChromium: issue 13 item 6 in the admin page: create an
// account with its windows, reset its password (its session ends at
// once), disable, delete; a clerk on the same page cannot raise their role.
func TestAccountsInChromium(t *testing.T) {
	h := newHall(t, false)
	ctx := browser(t)
	do(t, ctx,
		chromedp.Navigate(h.ts.URL+"/admin"),
		chromedp.WaitVisible(chromedp.ID("user")),
		chromedp.SendKeys(chromedp.ID("user"), "admin"),
		chromedp.SendKeys(chromedp.ID("pass"), "admin-demo"),
		chromedp.Click(chromedp.ID("loginBtn")),
		chromedp.WaitVisible(chromedp.ID("usersCard")),
		chromedp.SendKeys(chromedp.ID("nuName"), "st5"),
		chromedp.SendKeys(chromedp.ID("nuDisplay"), "周五"),
		chromedp.SendKeys(chromedp.ID("nuWindows"), "19,20"),
		chromedp.SendKeys(chromedp.ID("nuPass"), "st5-password"),
		chromedp.Click(chromedp.ID("nuAdd")),
		chromedp.WaitVisible(chromedp.CSS(`tr[data-user="st5"]`)),
	)
	st5 := h.loginAt("st5", "st5-password", 20)
	if ws, _ := h.e.Window(20); ws.Staff != "st5" {
		t.Fatalf("st5 not at window 20: %+v", ws)
	}
	do(t, ctx,
		chromedp.SendKeys(chromedp.CSS(`[data-pw="st5"]`), "st5-new-password"),
		chromedp.Click(chromedp.CSS(`[data-reset="st5"]`)),
		poll(`document.getElementById('umsg').textContent.startsWith('已重置')`),
	)
	if c := h.call("GET", "/api/v1/me", st5, nil, nil); c != 401 {
		t.Fatalf("st5's session after the reset in the page: %d", c)
	}
	if ws, _ := h.e.Window(20); ws.Staff != "" {
		t.Errorf("window 20 still staffed after the reset: %q", ws.Staff)
	}
	st5 = h.login("st5", "st5-new-password")
	do(t, ctx,
		chromedp.Click(chromedp.CSS(`[data-disable="st5"]`)),
		poll(`document.getElementById('umsg').textContent.startsWith('已停用')`),
	)
	if c := h.call("GET", "/api/v1/me", st5, nil, nil); c != 401 {
		t.Fatalf("st5's session after disable: %d", c)
	}
	do(t, ctx,
		// The list is drawn again after the disable: wait for the new row
		// (its button reads 启用), or the first click arms a button that
		// the redraw then replaces.
		poll(`(document.querySelector('[data-disable="st5"]') || {}).textContent === '启用'`),
		chromedp.Evaluate[chromedp.Void](`document.querySelector('[data-delete="st5"]').click()`),
		chromedp.Evaluate[chromedp.Void](`document.querySelector('[data-delete="st5"]').click()`),
		poll(`document.getElementById('umsg').textContent.startsWith('已删除') && !document.querySelector('tr[data-user="st5"]')`),
		chromedp.Click(chromedp.ID("logout")),
		chromedp.WaitVisible(chromedp.ID("user")),
	)
	if us, _ := h.s.Users(context.Background()); len(us) != 4 {
		t.Errorf("users after delete: %+v", us)
	}
	// A clerk signs in to the same page and tries to make themselves admin.
	do(t, ctx,
		chromedp.SendKeys(chromedp.ID("user"), "staff1"),
		chromedp.SendKeys(chromedp.ID("pass"), "staff1-demo"),
		chromedp.Click(chromedp.ID("loginBtn")),
		chromedp.WaitVisible(chromedp.ID("main")),
	)
	res, err := chromedp.Run(ctx, chromedp.Evaluate[string](`api('PUT', '/users/staff1', {role: 'admin'}).then(() => 'ok', e => String(e.status))`, chromedp.EvalAwaitPromise))
	if err != nil || res != "403" {
		t.Fatalf("role escalation from the page: %q %v", res, err)
	}
	if vis, _ := chromedp.Run(ctx, chromedp.Evaluate[bool](`!document.getElementById('usersCard').classList.contains('hidden')`)); vis {
		t.Error("accounts shown to a clerk")
	}
}

// TestLockoutByThirdPartyInChromium: issue 13 item 7. Another machine
// (127.0.0.2) guesses staff1's password 25 times; the clerk, in the
// browser at their terminal, signs in at once.
func TestLockoutByThirdPartyInChromium(t *testing.T) {
	h := newHall(t, true)
	ctx := browser(t)
	do(t, ctx, callerLogin(h, "staff1", "staff1-demo", 19)...)
	do(t, ctx, chromedp.Click(chromedp.ID("logout")), chromedp.WaitVisible(chromedp.ID("user")))
	cl := &http.Client{Transport: &http.Transport{DialContext: (&net.Dialer{LocalAddr: &net.TCPAddr{IP: net.IPv4(127, 0, 0, 2)}}).DialContext}}
	limited := 0
	for i := range 25 {
		resp, err := cl.Post(h.ts.URL+"/api/v1/login", "application/json", strings.NewReader(fmt.Sprintf(`{"user":"staff1","password":"guess-%d"}`, i)))
		if err != nil {
			t.Skip("no second loopback address:", err)
		}
		resp.Body.Close()
		if resp.StatusCode == 429 {
			limited++
		}
	}
	if limited == 0 {
		t.Fatal("the guesser was never slowed down")
	}
	do(t, ctx, callerLogin(h, "staff1", "staff1-demo", 19)...)
	if ws, _ := h.e.Window(19); ws.Staff != "staff1" {
		t.Fatalf("window 19 %+v", ws)
	}
}

// TestStatsAndCasesInChromium: issue 13 items 11 and 1 on the statistics
// page: names, rating average and distribution, per-step credit of a
// multi-service ticket, times, and a 整改 case closed with a callback note.
func TestStatsAndCasesInChromium(t *testing.T) {
	h := newHall(t, true)
	bg := context.Background()
	// A two-step ticket: tax-filing at window 20 (staff2), then
	// tax-invoice at window 19 (staff1).
	tk, err := h.e.Issue(bg, engine.IssueRequest{Services: []string{"tax-filing", "tax-invoice"}})
	if err != nil {
		t.Fatal(err)
	}
	step := func(n int, staff string) {
		h.clk.Advance(2 * time.Minute)
		if _, err := h.e.CallNext(bg, n, staff); err != nil {
			t.Fatal(err)
		}
		h.clk.Advance(time.Minute)
		h.e.Start(bg, n, staff)
		h.clk.Advance(4 * time.Minute)
		if _, err := h.e.Finish(bg, n, staff); err != nil {
			t.Fatal(err)
		}
	}
	step(20, "staff2")
	zero := 0
	if _, err := h.e.RateStep(bg, engine.RateRequest{Ticket: tk.ID, Step: &zero, Level: 2, Channel: engine.ChannelPad, Reasons: []string{"态度不好"}}); err != nil {
		t.Fatal(err)
	}
	step(19, "staff1")
	if _, err := h.e.RateStep(bg, engine.RateRequest{Ticket: tk.ID, Level: 5, Channel: engine.ChannelKiosk}); err != nil {
		t.Fatal(err)
	}
	ctx := browser(t)
	do(t, ctx,
		chromedp.Navigate(h.ts.URL+"/admin"),
		chromedp.WaitVisible(chromedp.ID("user")),
		chromedp.SendKeys(chromedp.ID("user"), "super1"),
		chromedp.SendKeys(chromedp.ID("pass"), "super1-demo"),
		chromedp.Click(chromedp.ID("loginBtn")),
		chromedp.WaitVisible(chromedp.ID("main")),
		chromedp.SetValue(chromedp.ID("from"), "2026-11-25"),
		chromedp.SetValue(chromedp.ID("to"), "2026-11-25"),
		chromedp.SetValue(chromedp.ID("dim"), "window"),
		chromedp.Click(chromedp.ID("load")),
		// Both windows credited with their step; names, not ids.
		poll(`(() => { const a = document.querySelector('#stats tr[data-key="20"]'), b = document.querySelector('#stats tr[data-key="19"]');
			return a && b && a.cells[1].textContent.includes('20号窗口') && a.cells[3].textContent === '1' && b.cells[3].textContent === '1'
			  && a.cells[10].textContent === '2' && a.cells[12].textContent === '0/1/0/0/0' && b.cells[12].textContent === '0/0/0/0/1'
			  && a.cells[13].textContent === '1 / 1' && a.cells[14].textContent === '4 / 4' && a.cells[16].textContent.startsWith('1'); })()`),
		chromedp.SetValue(chromedp.ID("dim"), "service"),
		chromedp.Click(chromedp.ID("load")),
		poll(`(() => { const r = document.querySelector('#stats tr[data-key="tax-filing"]'); return r && !r.cells[1].textContent.includes('tax-filing') && r.cells[1].textContent.length > 1; })()`),
		// The case: assign, then close with the callback note.
		poll(`document.querySelectorAll('#cases tr[data-case]').length === 1`),
		chromedp.Evaluate[chromedp.Void](`(() => { const r = document.querySelector('#cases tr[data-case]'); r.querySelectorAll('input')[0].value = 'staff2'; r.querySelector('[data-assign]').click(); })()`),
		poll(`document.getElementById('casemsg').textContent.startsWith('已指派')`),
		poll(`(() => { const r = document.querySelector('#cases tr[data-case]'); return r && r.cells[8].textContent === '处理中'; })()`),
		// The list may be redrawn after the assignment (a click on a row
		// just replaced does nothing): fill in and click again until the
		// page says the case is closed.
		poll(`(() => { const m = document.getElementById('casemsg').textContent;
			if (m.startsWith('没有待处理') || m.startsWith('已办结')) return true;
			const r = document.querySelector('#cases tr[data-case]');
			if (r && !window.__closing) { window.__closing = true; setTimeout(() => { window.__closing = false; }, 2000);
				r.querySelectorAll('input')[1].value = '已回访，当事人已道歉'; r.querySelector('[data-close]').click(); }
			return false; })()`),
	)
	cs, _ := h.e.Cases(bg, false, "2026-11-25", "2026-11-25")
	if len(cs) != 1 || cs[0].State != engine.CaseClosed || cs[0].Assignee != "staff2" || cs[0].Staff != "staff2" || cs[0].Window != 20 || cs[0].Callback != "已回访，当事人已道歉" {
		t.Fatalf("case %+v", cs)
	}
}
