package hallapi

import (
	"bytes"
	"context"
	stdpng "image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"hallkiosk/queue/catalog"
	"hallkiosk/queue/engine"
)

const chromium = "/usr/bin/chromium"

// screenshotDir receives the pages' screenshots (committed as docs) when
// HALLKIOSK_SCREENSHOTS is set (scripts/page-screenshots.sh); otherwise they
// go to a temporary directory so a test run leaves the tree clean.
var screenshotDir = filepath.Join("..", "..", "docs", "screenshots")

func browser(t *testing.T) context.Context {
	t.Helper()
	if _, err := os.Stat(chromium); err != nil {
		t.Skip("chromium not installed")
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(chromium), chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true), chromedp.NoFirstRun, chromedp.NoDefaultBrowserCheck,
		chromedp.UserDataDir(t.TempDir()), chromedp.WindowSize(1366, 768),
	}
	actx, cancelA := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelC := chromedp.NewContext(actx)
	ctx, cancelT := context.WithTimeout(ctx, 60*time.Second)
	t.Cleanup(func() { cancelT(); cancelC(); cancelA() })
	// The first run starts the browser, which lives as long as that run's context.
	if err := chromedp.Do(ctx, chromedp.Navigate("about:blank")); err != nil {
		t.Fatal(err)
	}
	return ctx
}

func shoot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := stdpng.DecodeConfig(bytes.NewReader(png)); err != nil {
		t.Fatalf("screenshot %s: %v", name, err)
	}
	dir := t.TempDir()
	if os.Getenv("HALLKIOSK_SCREENSHOTS") != "" {
		dir = screenshotDir
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, name), png, 0o644); err != nil {
		t.Fatal(err)
	}
}

// do runs actions one by one, each within 20 s, naming the one that fails.
func do(t *testing.T, ctx context.Context, actions ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	for i, a := range actions {
		sctx, cancel := context.WithTimeout(ctx, 20*time.Second)
		err := chromedp.Do(sctx, a)
		cancel()
		if err != nil {
			html, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.body.innerText`))
			t.Fatalf("step %d: %v\npage text:\n%s", i, err, html)
		}
	}
}

func textIs(sel, want string) chromedp.Action[chromedp.Void] {
	return chromedp.Poll[chromedp.Void](`document.querySelector(`+jsStr(sel)+`).textContent.trim() === `+jsStr(want), chromedp.WithPollingTimeout(10*time.Second))
}

func jsStr(s string) string {
	b := []byte{'"'}
	for _, r := range s {
		switch r {
		case '"', '\\':
			b = append(b, '\\', byte(r))
		default:
			b = append(b, string(r)...)
		}
	}
	return string(append(b, '"'))
}

func TestCallerPageInChromium(t *testing.T) {
	h := newHall(t, true)
	ctx := browser(t)
	issue := func(svc string, p catalog.Priority) *engine.Ticket {
		tk, err := h.e.Issue(context.Background(), engine.IssueRequest{Service: svc, Priority: p})
		if err != nil {
			t.Fatal(err)
		}
		h.clk.Advance(time.Minute)
		return tk
	}
	first := issue("tax-filing", "")
	green := issue("tax-filing", catalog.PriorityGreen)
	third := issue("tax-invoice", "")
	do(t, ctx,
		chromedp.Navigate(h.ts.URL+"/caller?window=19"),
		chromedp.WaitVisible(chromedp.ID("user")),
		chromedp.SendKeys(chromedp.ID("user"), "staff1"),
		chromedp.SendKeys(chromedp.ID("pass"), "staff1-demo"),
		chromedp.Click(chromedp.ID("loginBtn")),
		chromedp.WaitVisible(chromedp.ID("main")),
		textIs("#qn", "3"),
		chromedp.Evaluate[chromedp.Void](`document.activeElement && document.activeElement.blur()`),
		chromedp.KeyEvent("n"), // call next: the green-channel ticket goes first
		textIs("#current", green.Label),
		chromedp.KeyEvent("r"),
		chromedp.Poll[chromedp.Void](`document.getElementById('msg').textContent.startsWith('已重呼')`, chromedp.WithPollingTimeout(10*time.Second)),
		chromedp.KeyEvent("s"),
		chromedp.Poll[chromedp.Void](`document.getElementById('curinfo').textContent.startsWith('办理中')`, chromedp.WithPollingTimeout(10*time.Second)),
		chromedp.KeyEvent("f"),
		textIs("#current", "----"),
		chromedp.KeyEvent("n"),
		textIs("#current", first.Label),
		chromedp.KeyEvent("m"), // no-show asks first, then parks: listed with a requeue button
		chromedp.WaitVisible(chromedp.ID("dlgOk")),
		chromedp.Click(chromedp.ID("dlgOk")),
		chromedp.WaitVisible(chromedp.CSS(`[data-requeue="`+first.Label+`"]`)),
		// The list re-renders on every stream event; click in the page so a
		// replaced button cannot swallow the click.
		chromedp.Evaluate[chromedp.Void](`document.querySelector('[data-requeue="`+first.Label+`"]').click()`),
		chromedp.Poll[chromedp.Void](`document.getElementById('msg').textContent.startsWith('已重新排队')`, chromedp.WithPollingTimeout(10*time.Second)),
		// A requeued missed ticket queues behind those who waited meanwhile.
		chromedp.KeyEvent("n"),
		textIs("#current", third.Label),
		chromedp.KeyEvent("f"),
		textIs("#current", "----"),
		chromedp.KeyEvent("n"),
		textIs("#current", first.Label),
	)
	ws, _ := h.e.Window(19)
	if ws.Current == nil || ws.Current.ID != first.ID || ws.Current.State != engine.StateCalled || ws.Staff != "staff1" {
		t.Fatalf("engine window 19 = %+v", ws)
	}
	gt, _ := h.e.Ticket(context.Background(), green.ID)
	if gt.State != engine.StateDone || gt.Recalls != 1 {
		t.Errorf("green ticket %+v", gt)
	}
	// Transfer to a window not authorised: the page shows the error.
	do(t, ctx,
		chromedp.SetValue(chromedp.ID("tSvc"), "household"),
		chromedp.Evaluate[chromedp.Void](`fillWindows()`),
		chromedp.SetValue(chromedp.ID("tWin"), "39"),
		chromedp.Click(chromedp.ID("bTransfer")),
		chromedp.Poll[chromedp.Void](`document.getElementById('msg').textContent === '已转移 `+first.Label+`'`, chromedp.WithPollingTimeout(10*time.Second)),
		textIs("#current", "----"),
		chromedp.Poll[chromedp.Void](`!document.getElementById('bNext').disabled`, chromedp.WithPollingTimeout(10*time.Second)),
	)
	tt, _ := h.e.Ticket(context.Background(), first.ID)
	if tt.Service != "household" || tt.TargetWindow != 39 || tt.State != engine.StateWaiting {
		t.Errorf("transferred ticket %+v", tt)
	}
	// Call the next waiting ticket for the screenshot, then pause.
	issue("tax-filing", "")
	issue("tax-invoice", "")
	green2 := issue("tax-filing", catalog.PriorityGreen)
	do(t, ctx,
		chromedp.KeyEvent("n"),
		textIs("#current", green2.Label),
		chromedp.Sleep(300*time.Millisecond),
	)
	shoot(t, ctx, "caller.png")
	do(t, ctx, chromedp.KeyEvent("f"), chromedp.KeyEvent("p"), textIs("#state", "已暂停"))
	if ws, _ := h.e.Window(19); !ws.Paused {
		t.Error("pause key did not pause the window")
	}
}

func TestDisplayPageInChromium(t *testing.T) {
	h := newHall(t, true)
	ctx := browser(t)
	bg := context.Background()
	for _, s := range []string{"tax-filing", "tax-filing", "household", "estate-transfer", "company-startup", "tax-invoice"} {
		if _, err := h.e.Issue(bg, engine.IssueRequest{Service: s, IDNumber: "62010219900101123X"}); err != nil {
			t.Fatal(err)
		}
	}
	for _, n := range []int{53, 67} {
		if err := h.e.SignIn(bg, n, "staff"); err != nil {
			t.Fatal(err)
		}
	}
	if err := chromedp.Do(ctx,
		chromedp.Navigate(h.ts.URL+"/display"),
		chromedp.Poll[chromedp.Void](`document.getElementById('conn').dataset.ok === '1'`, chromedp.WithPollingTimeout(10*time.Second)),
		textIs("#hall", "市政务服务中心"),
	); err != nil {
		t.Fatal(err)
	}
	c, err := h.e.CallNext(bg, 19, "staff1")
	if err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(ctx,
		chromedp.Poll[chromedp.Void](`document.getElementById('latest').textContent.startsWith(`+jsStr(c.Label)+`)`, chromedp.WithPollingTimeout(10*time.Second)),
		chromedp.WaitVisible(chromedp.CSS(`[data-window="19"]`)),
	); err != nil {
		t.Fatal(err)
	}
	// Drop every connection: the page must reconnect by itself and show the next call.
	h.ts.CloseClientConnections()
	time.Sleep(200 * time.Millisecond)
	c2, err := h.e.CallNext(bg, 53, "staff2")
	if err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(ctx,
		chromedp.Poll[chromedp.Void](`document.getElementById('latest').textContent.startsWith(`+jsStr(c2.Label)+`)`, chromedp.WithPollingTimeout(15*time.Second)),
	); err != nil {
		t.Fatalf("display did not recover after the stream dropped: %v", err)
	}
	if _, err := h.e.CallNext(bg, 67, "staff3"); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(ctx,
		chromedp.WaitVisible(chromedp.CSS(`[data-window="67"]`)),
		chromedp.Poll[chromedp.Void](`document.getElementById('tickertext').textContent.includes('一处跑')`, chromedp.WithPollingTimeout(10*time.Second)),
		chromedp.Sleep(1200*time.Millisecond),
	); err != nil {
		t.Fatal(err)
	}
	shoot(t, ctx, "display.png")
}

func TestBookingPageInChromium(t *testing.T) {
	h := newHall(t, false)
	ctx := browser(t)
	do(t, ctx,
		chromedp.Navigate(h.ts.URL+"/booking"),
		chromedp.Poll[chromedp.Void](`document.querySelectorAll('#svc option').length > 5`, chromedp.WithPollingTimeout(10*time.Second)),
		chromedp.SetValue(chromedp.ID("svc"), "company-startup"),
		chromedp.Evaluate[chromedp.Void](`load()`),
		chromedp.Poll[chromedp.Void](`[...document.querySelectorAll('#slots button')].some(b => !b.disabled)`, chromedp.WithPollingTimeout(10*time.Second)),
		chromedp.Evaluate[chromedp.Void](`[...document.querySelectorAll('#slots button')].find(b => !b.disabled).click()`),
		chromedp.SendKeys(chromedp.ID("name"), "张小三"),
		chromedp.SendKeys(chromedp.ID("idno"), "62098219601120003X"),
		chromedp.SendKeys(chromedp.ID("phone"), "13800001234"),
		chromedp.Click(chromedp.ID("book")),
		chromedp.Poll[chromedp.Void](`document.getElementById('msg').textContent.startsWith('预约成功')`, chromedp.WithPollingTimeout(10*time.Second)),
		chromedp.Poll[chromedp.Void](`(() => { const i = document.querySelector('#qr img'); return i && i.complete && i.naturalWidth > 100; })()`, chromedp.WithPollingTimeout(10*time.Second)),
	)
	msg, err := chromedp.Run(ctx, chromedp.TextContent(chromedp.ID("msg")))
	if err != nil {
		t.Fatal(err)
	}
	id := msg[len("预约成功："):]
	id = id[:strings.Index(id, "，")]
	a, err := h.e.Appointment(context.Background(), id)
	if err != nil || a.Service != "company-startup" || a.NameMasked != "张**" || a.PhoneTail != "1234" {
		t.Fatalf("appointment %q: %+v %v", id, a, err)
	}
	// The citizen cancels with the booking's code.
	do(t, ctx,
		chromedp.Click(chromedp.ID("cancel")),
		chromedp.Poll[chromedp.Void](`document.getElementById('msg').textContent.startsWith('已取消预约')`, chromedp.WithPollingTimeout(10*time.Second)),
	)
	if a, _ := h.e.Appointment(context.Background(), id); a.State != engine.ApptCancelled {
		t.Errorf("after cancelling on the page: %s", a.State)
	}
}

func TestAdminPageInChromium(t *testing.T) {
	h := newHall(t, true)
	bg := context.Background()
	for range 3 {
		if _, err := h.e.Issue(bg, engine.IssueRequest{Service: "tax-filing"}); err != nil {
			t.Fatal(err)
		}
	}
	for range 2 {
		h.clk.Advance(4 * time.Minute)
		if _, err := h.e.CallNext(bg, 19, "staff1"); err != nil {
			t.Fatal(err)
		}
		h.clk.Advance(2 * time.Minute)
		if _, err := h.e.Finish(bg, 19, "staff1"); err != nil {
			t.Fatal(err)
		}
	}
	ctx := browser(t)
	do(t, ctx,
		chromedp.Navigate(h.ts.URL+"/admin"),
		chromedp.WaitVisible(chromedp.ID("user")),
		chromedp.SendKeys(chromedp.ID("user"), "super1"),
		chromedp.SendKeys(chromedp.ID("pass"), "super1-demo"),
		chromedp.Click(chromedp.ID("loginBtn")),
		chromedp.WaitVisible(chromedp.ID("main")),
		// The page's date is the browser's; the hall's test clock is another day.
		chromedp.SetValue(chromedp.ID("from"), "2026-11-25"),
		chromedp.SetValue(chromedp.ID("to"), "2026-11-25"),
		chromedp.Click(chromedp.ID("load")),
		chromedp.Poll[chromedp.Void](`(() => { const r = document.querySelector('#stats tr[data-key="tax-filing"]'); return r && r.cells[2].textContent === '3' && r.cells[3].textContent === '2'; })()`, chromedp.WithPollingTimeout(10*time.Second)),
		chromedp.Poll[chromedp.Void](`document.querySelector('#windows tbody').textContent.includes('staff1')`, chromedp.WithPollingTimeout(10*time.Second)),
		chromedp.SetValue(chromedp.ID("notices"), "今日下午三点系统维护\n请保管好随身物品"),
		chromedp.Click(chromedp.ID("saveNotices")),
		chromedp.Poll[chromedp.Void](`document.getElementById('nmsg').textContent === '已保存'`, chromedp.WithPollingTimeout(10*time.Second)),
	)
	if n := h.s.Notices(); len(n) != 2 || n[0] != "今日下午三点系统维护" {
		t.Errorf("notices = %q", n)
	}
	if vis, _ := chromedp.Run(ctx, chromedp.Evaluate[bool](`!document.getElementById('catCard').classList.contains('hidden')`)); vis {
		t.Error("catalogue editor shown to a supervisor")
	}
	csvHref, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.getElementById('csv').href`))
	if err != nil || !strings.Contains(csvHref, "format=csv") {
		t.Errorf("csv link %q %v", csvHref, err)
	}
}

func TestCatalogueEditorInChromium(t *testing.T) {
	h := newHall(t, true)
	ctx := browser(t)
	do(t, ctx,
		chromedp.Navigate(h.ts.URL+"/admin"),
		chromedp.WaitVisible(chromedp.ID("user")),
		chromedp.SendKeys(chromedp.ID("user"), "admin"),
		chromedp.SendKeys(chromedp.ID("pass"), "admin-demo"),
		chromedp.Click(chromedp.ID("loginBtn")),
		chromedp.Poll[chromedp.Void](`document.getElementById('catalog').value.includes('tax-invoice')`, chromedp.WithPollingTimeout(10*time.Second)),
		// A duplicate prefix is refused with the validation detail.
		chromedp.Evaluate[chromedp.Void](`(() => { const c = JSON.parse(document.getElementById('catalog').value); c.zones[0].services[1].prefix = c.zones[0].services[0].prefix; document.getElementById('catalog').value = JSON.stringify(c); })()`),
		chromedp.Click(chromedp.ID("saveCatalog")),
		chromedp.Poll[chromedp.Void](`document.getElementById('cmsg').textContent.includes('prefix')`, chromedp.WithPollingTimeout(10*time.Second)),
		// A valid edit is stored.
		chromedp.Evaluate[chromedp.Void](`(() => { const c = JSON.parse(document.getElementById('catalog').value); c.zones[0].services[1].prefix = 'B'; c.zones[0].services[1].daily_cap = 7; document.getElementById('catalog').value = JSON.stringify(c); })()`),
		chromedp.Click(chromedp.ID("saveCatalog")),
		chromedp.Poll[chromedp.Void](`document.getElementById('cmsg').textContent === '已保存'`, chromedp.WithPollingTimeout(10*time.Second)),
	)
	s, _ := h.e.Catalog().Service("construction-permit")
	if s.DailyCap != 7 {
		t.Errorf("catalogue not saved: %+v", s)
	}
}
