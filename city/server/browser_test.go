package server

import (
	"context"
	"encoding/json"
	"os"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"hallkiosk/city/wire"
)

const chromium = "/usr/bin/chromium"

func browser(t *testing.T) context.Context {
	t.Helper()
	if _, err := os.Stat(chromium); err != nil {
		t.Fatalf("headless Chromium is needed at %s (scripts/setup.sh installs it): %v", chromium, err)
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
	if err := chromedp.Do(ctx, chromedp.Navigate("about:blank")); err != nil {
		t.Fatal(err)
	}
	return ctx
}

func do(t *testing.T, ctx context.Context, actions ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	for i, a := range actions {
		sctx, cancel := context.WithTimeout(ctx, 20*time.Second)
		err := chromedp.Do(sctx, a)
		cancel()
		if err != nil {
			text, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.body.innerText`))
			t.Fatalf("step %d: %v\npage text:\n%s", i, err, text)
		}
	}
}

func poll(js string) chromedp.Action[chromedp.Void] {
	return chromedp.Poll[chromedp.Void](js, chromedp.WithPollingTimeout(15*time.Second))
}

// TestDashboardInChromium: sign in, see the site, then a push from a site
// whose clock is 3 h fast updates its row live (SSE) and marks the skew.
func TestDashboardInChromium(t *testing.T) {
	f := setup(t)
	ctx := browser(t)
	do(t, ctx,
		chromedp.Navigate(f.ts.URL+"/"),
		chromedp.WaitVisible(chromedp.ID("login")),
		chromedp.SendKeys(chromedp.ID("user"), "boss"),
		chromedp.SendKeys(chromedp.ID("password"), "correct horse"),
		chromedp.Click(chromedp.CSS(`#login button`)),
		chromedp.WaitVisible(chromedp.ID("board")),
		poll(`document.querySelector('tr[data-site="hall-a"]') !== null`),
		poll(`document.querySelector('tr[data-site="hall-a"]').children[8].textContent.includes('从未')`),
	)
	var p wire.Push
	json.Unmarshal(batch("hall-a", 1, 8), &p)
	p.SentAt = time.Now().Add(3 * time.Hour).UnixMilli()
	p.Status = &wire.Status{Waiting: 17, OpenWindows: 4, KiosksOnline: 3, KiosksFaulty: 1, CatalogVersion: "v9", LongestWaitMin: 42}
	body, _ := json.Marshal(p)
	if status, e, _ := f.push(t, body, time.Now(), nil); status != 200 {
		t.Fatalf("push %d %v", status, e)
	}
	row := `document.querySelector('tr[data-site="hall-a"]')`
	do(t, ctx,
		poll(row+`.children[2].textContent === '17'`),
		poll(row+`.children[3].textContent === '42'`),
		poll(row+`.children[6].textContent === '1'`),
		poll(row+`.children[7].textContent === 'v9'`),
		poll(row+`.children[9].classList.contains('skew') && `+row+`.children[9].textContent.includes('+3.0 h')`),
	)
}

// TestFleetAndStatsPagesInChromium: the fleet page lists a site's kiosk
// and the statistics page the hall row, for a signed-in supervisor.
func TestFleetAndStatsPagesInChromium(t *testing.T) {
	f := setup(t)
	var p wire.Push
	json.Unmarshal(batch("hall-a", 1, 8), &p)
	p.Status = &wire.Status{Kiosks: []wire.Kiosk{{Device: "k-00aa", Software: "1.2.3", PaperOut: true, Faulty: true, Online: true}}}
	body, _ := json.Marshal(p)
	if status, e, _ := f.push(t, body, time.Now(), nil); status != 200 {
		t.Fatalf("push %d %v", status, e)
	}
	ctx := browser(t)
	do(t, ctx,
		chromedp.Navigate(f.ts.URL+"/"),
		chromedp.WaitVisible(chromedp.ID("login")),
		chromedp.SendKeys(chromedp.ID("user"), "boss"),
		chromedp.SendKeys(chromedp.ID("password"), "correct horse"),
		chromedp.Click(chromedp.CSS(`#login button`)),
		chromedp.WaitVisible(chromedp.ID("board")),
		chromedp.Navigate(f.ts.URL+"/fleet"),
		poll(`[...document.querySelectorAll('#rows td')].some(td => td.textContent === 'k-00aa')`),
		poll(`[...document.querySelectorAll('#rows td')].some(td => td.textContent === '1.2.3')`),
		chromedp.Navigate(f.ts.URL+"/stats"),
		chromedp.SetValue(chromedp.ID("from"), "2026-12-01"),
		chromedp.SetValue(chromedp.ID("to"), "2026-12-01"),
		chromedp.Click(chromedp.CSS(`#range button`)),
		poll(`[...document.querySelectorAll('#rows tr')].some(tr => tr.children[2].textContent === 'hall' && tr.children[5].textContent === '2')`),
	)
}
