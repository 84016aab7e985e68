package hallapi

import (
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"hallkiosk/internal/codesign"
	"hallkiosk/internal/pii"
	"hallkiosk/queue/engine"
)

// progressKeys: the hall's key "hall1" and one enrolled kiosk "k-enrolled";
// "k-stranger" signs but was never enrolled.
type progressKeys struct {
	hall, kiosk, stranger *codesign.Signer
}

func newProgressKeys(h *testHall) *progressKeys {
	key := func(s string) ed25519.PrivateKey {
		seed := sha256.Sum256([]byte(s))
		return ed25519.NewKeyFromSeed(seed[:])
	}
	k := &progressKeys{
		hall:     codesign.NewSigner(key("hall"), "hall1"),
		kiosk:    codesign.NewSigner(key("kiosk"), "k-enrolled"),
		stranger: codesign.NewSigner(key("stranger"), "k-stranger"),
	}
	h.s.SetTicketKeys(func(_ context.Context, kid string) (ed25519.PublicKey, bool) {
		switch kid {
		case "hall1":
			return k.hall.Public(), true
		case "k-enrolled":
			return k.kiosk.Public(), true
		}
		return nil, false
	})
	return k
}

// sign makes the code a kiosk prints for t (cmd/kiosk, adapters.Printer).
func sign(t *testing.T, s *codesign.Signer, tk *engine.Ticket, ref string, at time.Time) string {
	t.Helper()
	c, err := s.Sign("ticket", map[string]string{"n": tk.Label, "s": tk.Service, "id": ref}, at, at.Add(24*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func progress(t *testing.T, h *testHall, code string) (int, Progress, map[string]map[string]string) {
	t.Helper()
	resp, err := http.Get(h.ts.URL + "/api/v1/public/progress?c=" + url.QueryEscape(code))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var p Progress
	var e map[string]map[string]string
	json.Unmarshal(b, &p)
	json.Unmarshal(b, &e)
	return resp.StatusCode, p, e
}

func page(t *testing.T, h *testHall, rawQuery string) (int, string) {
	t.Helper()
	resp, err := http.Get(h.ts.URL + "/q?" + rawQuery)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestProgressStates(t *testing.T) {
	h := newHall(t, true)
	k := newProgressKeys(h)
	ctx := context.Background()
	first, err := h.e.Issue(ctx, engine.IssueRequest{Service: "tax-invoice"})
	if err != nil {
		t.Fatal(err)
	}
	h.clk.Advance(time.Minute)
	// A real-name ticket: its holder's name must never reach the page.
	mine, err := h.e.Issue(ctx, engine.IssueRequest{Service: "tax-invoice", IDNumber: "11010519491231002X", Name: "张小三"})
	if err != nil {
		t.Fatal(err)
	}
	code := sign(t, k.kiosk, mine, mine.ID, h.clk.Now())

	st, p, _ := progress(t, h, code)
	if st != 200 || p.Number != mine.Label || p.State != "waiting" || p.Ahead != 1 || p.Service != "税务·发票领取" && p.Service == "" {
		t.Fatalf("waiting: %d %+v", st, p)
	}
	if !strings.Contains(p.Where, "19") || !strings.Contains(p.Where, "号窗口") || p.Message != "前面还有 1 人" {
		t.Errorf("waiting: where %q message %q", p.Where, p.Message)
	}
	// The whole QR URL works as well as the bare code (phones open the URL).
	if st, p2, _ := progress(t, h, "https://hall.example/q?c="+code); st != 200 || p2.Number != mine.Label {
		t.Errorf("code inside a URL: %d %+v", st, p2)
	}
	st, body := page(t, h, "c="+url.QueryEscape(code))
	if st != 200 || !strings.Contains(body, mine.Label) || !strings.Contains(body, "width=device-width") {
		t.Fatalf("page: %d", st)
	}
	for _, personal := range []string{"张小三", "张*三", "张**", "11010519491231002X", "name_masked"} {
		if strings.Contains(body, personal) {
			t.Errorf("page shows personal data %q", personal)
		}
	}

	if err := h.e.SignIn(ctx, 19, "staff1"); err != nil {
		t.Fatal(err)
	}
	if c, err := h.e.CallNext(ctx, 19, "staff1"); err != nil || c.ID != first.ID {
		t.Fatalf("call first: %v %v", c, err)
	}
	if _, err := h.e.Finish(ctx, 19, "staff1"); err != nil {
		t.Fatal(err)
	}
	if c, err := h.e.CallNext(ctx, 19, "staff1"); err != nil || c.ID != mine.ID {
		t.Fatalf("call mine: %v %v", c, err)
	}
	if _, p, _ = progress(t, h, code); p.State != "called" || p.Message != "请到 19 号窗口" || p.Window != 19 {
		t.Errorf("called: %+v", p)
	}
	if _, err := h.e.Finish(ctx, 19, "staff1"); err != nil {
		t.Fatal(err)
	}
	if _, p, _ = progress(t, h, code); p.State != "done" || !p.CanRate {
		t.Errorf("done: %+v", p)
	}
	if _, err := h.e.Rate(ctx, mine.ID, 5, engine.Actor{Name: "pad"}); err != nil {
		t.Fatal(err)
	}
	if _, p, _ = progress(t, h, code); !p.Rated || p.CanRate {
		t.Errorf("rated: %+v", p)
	}
}

// TestProgressOfflineTicket: a kiosk's offline ticket carries the kiosk's
// own reference, not the hall's id; the page finds it by service, day and
// number once it was imported, and says "on its way" before.
func TestProgressOfflineTicket(t *testing.T) {
	h := newHall(t, true)
	k := newProgressKeys(h)
	ctx := context.Background()
	day := h.e.Today()
	if _, err := h.e.Lease(ctx, "k-enrolled", "tax-filing", day, 40); err != nil {
		t.Fatal(err)
	}
	at := h.clk.Now()
	ghost := &engine.Ticket{Label: "E001", Service: "tax-filing"}
	code := sign(t, k.kiosk, ghost, "offline:7", at)
	if st, p, _ := progress(t, h, code); st != 200 || p.State != "pending" || p.Number != "E001" {
		t.Fatalf("before import: %d %+v", st, p)
	}
	if _, err := h.e.Import(ctx, engine.ImportRequest{DeviceID: "k-enrolled", DeviceSeq: 7, Service: "tax-filing",
		Number: 1, IssuedAt: at}); err != nil {
		t.Fatal(err)
	}
	if st, p, _ := progress(t, h, code); st != 200 || p.State != "waiting" || p.Number != "E001" {
		t.Fatalf("after import: %d %+v", st, p)
	}
}

func TestProgressRefusesBadCodes(t *testing.T) {
	h := newHall(t, true)
	k := newProgressKeys(h)
	tk, err := h.e.Issue(context.Background(), engine.IssueRequest{Service: "tax-filing"})
	if err != nil {
		t.Fatal(err)
	}
	good := sign(t, k.hall, tk, tk.ID, h.clk.Now())
	// Altered: another number, same signature.
	parts := strings.Split(good, ".")
	altered := sign(t, k.hall, &engine.Ticket{Label: "E999", Service: "tax-filing"}, tk.ID, h.clk.Now())
	altered = strings.Join([]string{parts[0], strings.Split(altered, ".")[1], parts[2]}, ".")
	expired, _ := k.hall.Sign("ticket", map[string]string{"n": tk.Label, "s": tk.Service, "id": tk.ID},
		h.clk.Now().Add(-48*time.Hour), h.clk.Now().Add(-24*time.Hour))
	unknown := sign(t, k.hall, &engine.Ticket{Label: "E777", Service: "tax-filing"}, "20261125-tax-filing-777", h.clk.Now())
	appt, _ := k.hall.Sign("appointment", map[string]string{"id": "x"}, h.clk.Now(), h.clk.Now().Add(time.Hour))
	for name, c := range map[string]struct {
		code   string
		status int
		err    string
		title  string
	}{
		"forged by a stranger": {sign(t, k.stranger, tk, tk.ID, h.clk.Now()), 403, "forged", "二维码无效"},
		"altered":              {altered, 403, "forged", "二维码无效"},
		"expired":              {expired, 410, "expired", "二维码已过期"},
		"unknown ticket":       {unknown, 404, "unknown", "未找到这张小票"},
		"not a ticket":         {appt, 400, "malformed", "无法识别的二维码"},
		"garbage":              {"HK1.not.base64!", 400, "malformed", "无法识别的二维码"},
		"empty":                {"", 400, "malformed", "无法识别的二维码"},
	} {
		t.Run(name, func(t *testing.T) {
			st, _, e := progress(t, h, c.code)
			if st != c.status || e["error"]["code"] != c.err {
				t.Errorf("json: %d %v, want %d %s", st, e, c.status, c.err)
			}
			st, body := page(t, h, "c="+url.QueryEscape(c.code))
			if st != c.status || !strings.Contains(body, c.title) || strings.Contains(body, `id="number"`) {
				t.Errorf("page: %d, want %d with %q", st, c.status, c.title)
			}
		})
	}
	if st, p, _ := progress(t, h, good); st != 200 || p.Number != tk.Label {
		t.Errorf("good code: %d %+v", st, p)
	}
}

// TestProgressPageOnPhone opens the page in Chromium at a phone's viewport:
// it shows the ticket, follows a call without a reload, and its rating form
// for a served ticket posts {"code","level","reasons","text"} as JSON to
// POST /api/v1/public/rate, which credits the served step.
func TestProgressPageOnPhone(t *testing.T) {
	h := newHall(t, true)
	k := newProgressKeys(h)
	ctx := context.Background()
	tk, err := h.e.Issue(ctx, engine.IssueRequest{Service: "tax-invoice"})
	if err != nil {
		t.Fatal(err)
	}
	code := sign(t, k.kiosk, tk, tk.ID, h.clk.Now())
	ts := httptest.NewServer(h.s)
	defer ts.Close()

	b := browser(t)
	do(t, b,
		chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(2), chromedp.EmulateMobile),
		chromedp.Navigate(ts.URL+"/q?c="+url.QueryEscape(code)),
		textIs("#number", tk.Label),
		textIs("#state", "下一位就是您，请留意叫号"),
		chromedp.Poll[chromedp.Void](`document.documentElement.scrollWidth <= window.innerWidth`, chromedp.WithPollingTimeout(5*time.Second)),
	)
	shoot(t, b, "progress-waiting.png")
	if err := h.e.SignIn(ctx, 19, "staff1"); err != nil {
		t.Fatal(err)
	}
	if _, err := h.e.CallNext(ctx, 19, "staff1"); err != nil {
		t.Fatal(err)
	}
	do(t, b,
		chromedp.Evaluate[chromedp.Void](`window.__same = true`), // survives only without a reload
		textIs("#state", "请到 19 号窗口"),
		chromedp.Poll[chromedp.Void](`window.__same === true`, chromedp.WithPollingTimeout(time.Second)),
	)
	shoot(t, b, "progress-called.png")
	if _, err := h.e.Finish(ctx, 19, "staff1"); err != nil {
		t.Fatal(err)
	}
	do(t, b,
		chromedp.WaitVisible(chromedp.ID("rate")),
		chromedp.Click(chromedp.CSS(`#levels button[data-level="2"]`)),
		chromedp.Click(chromedp.CSS(`#reasons input[value="等候时间长"]`)),
		chromedp.SendKeys(chromedp.ID("text"), "窗口少"),
		chromedp.Click(chromedp.ID("send")),
		textIs("#rateMsg", "感谢您的评价"),
	)
	shoot(t, b, "progress-rate.png")
	// The rating reached the hall through the real endpoint, credited to
	// the served step, and the poor rating opened a 整改 case.
	got, err := h.e.Ticket(ctx, tk.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Rating != 2 {
		t.Errorf("rating at the hall %d, want 2", got.Rating)
	}
	day := tk.IssuedAt.In(loc).Format("2006-01-02")
	rs, err := h.e.Ratings(ctx, day, day)
	if err != nil {
		t.Fatal(err)
	}
	if len(rs) != 1 || rs[0].Ticket != tk.ID || rs[0].Case == "" || rs[0].Channel != engine.ChannelProgress || len(rs[0].Reasons) != 1 || rs[0].Reasons[0] != "等候时间长" || rs[0].Text != "窗口少" {
		t.Errorf("ratings %+v", rs)
	}

	// A forged code gets a clear page, not a ticket.
	forged := sign(t, k.stranger, tk, tk.ID, h.clk.Now())
	do(t, b,
		chromedp.Navigate(ts.URL+"/q?c="+url.QueryEscape(forged)),
		textIs("#errTitle", "二维码无效"),
	)
	shoot(t, b, "progress-forged.png")
}

// FuzzProgressCode feeds arbitrary text as the c parameter of the public
// progress page and its JSON (outside bytes from any phone): the answer is
// never a server error, the JSON is the documented shape, and only a code
// signed by a trusted key shows a ticket.
func FuzzProgressCode(f *testing.F) {
	clk := &clock{t: time.Date(2026, 11, 25, 10, 0, 0, 0, loc)}
	e, err := engine.Open(context.Background(), filepath.Join(f.TempDir(), "hall.db"), engine.Options{Now: clk.Now, Hasher: pii.NewHasher([]byte("0123456789abcdef0123"))})
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { e.Close() })
	srv, err := New(context.Background(), e, Config{Demo: true, Now: clk.Now})
	if err != nil {
		f.Fatal(err)
	}
	h := &testHall{e: e, s: srv, ts: httptest.NewServer(srv), clk: clk}
	f.Cleanup(h.ts.Close)
	k := newProgressKeys(h)
	tk, err := h.e.Issue(context.Background(), engine.IssueRequest{Service: "tax-filing"})
	if err != nil {
		f.Fatal(err)
	}
	good, _ := k.kiosk.Sign("ticket", map[string]string{"n": tk.Label, "s": tk.Service, "id": tk.ID}, h.clk.Now(), h.clk.Now().Add(time.Hour))
	for _, s := range []string{good, "https://hall.example/q?c=" + good, "HK1.", "HK1.e30.", "HK1.e30.AAAA", "HK1..", "",
		"HK1.eyJraWQiOiJrLWVucm9sbGVkIn0.AAAA", "%zz", strings.Repeat("A", 5000), "\x00\xff"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, c string) {
		for _, path := range []string{"/api/v1/public/progress?c=", "/q?c="} {
			resp, err := http.Get(h.ts.URL + path + url.QueryEscape(c))
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode >= 500 {
				t.Fatalf("%s%q: %d", path, c, resp.StatusCode)
			}
			if path[1] == 'a' && resp.StatusCode != 200 {
				var e map[string]map[string]string
				if json.Unmarshal(b, &e) != nil || e["error"]["code"] == "" {
					t.Fatalf("%q: error body %s", c, b)
				}
			}
			if resp.StatusCode == 200 && c != good && !strings.Contains(c, good) {
				// A different text verified: only possible with the key.
				if _, err := codesign.NewVerifier(map[string]ed25519.PublicKey{"k-enrolled": k.kiosk.Public()}).Verify(c, h.clk.Now()); err != nil {
					t.Fatalf("%q shows a ticket without a valid signature", c)
				}
			}
		}
	})
}
