package ui

import (
	"context"
	"errors"
	"image/png"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"hallkiosk/kiosk/flow"
)

// The UI tests drive the real flow through taps; the parts behind the
// flow are small in-memory stand-ins (the real ones are exercised by the
// adapters' tests and cmd/kiosk's end-to-end test).

type memIssuer struct {
	mu sync.Mutex
	n  int
}

func (m *memIssuer) Issue(_ context.Context, r flow.IssueRequest) (flow.Ticket, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.n++
	return flow.Ticket{Number: "B" + string(rune('0'+m.n/100)) + string(rune('0'+m.n/10%10)) + string(rune('0'+m.n%10)),
		Service: r.Service, Ahead: 6, Wait: 18 * time.Minute, Priority: r.Priority}, nil
}
func (m *memIssuer) Confirm(context.Context, flow.Ticket) error      { return nil }
func (m *memIssuer) Void(context.Context, flow.Ticket, string) error { return nil }

type memPrinter struct{ fail bool }

func (p *memPrinter) PrintTicket(context.Context, flow.Ticket) error {
	if p.fail {
		return errors.New("printer: paper out")
	}
	return nil
}
func (p *memPrinter) PrintSlip(context.Context, flow.InvoiceSlip) error { return nil }

type chanReader chan flow.Citizen

func (c chanReader) ReadCard(ctx context.Context) (flow.Citizen, error) {
	select {
	case x := <-c:
		return x, nil
	case <-ctx.Done():
		return flow.Citizen{}, ctx.Err()
	}
}

type chanCodes chan string

func (c chanCodes) NextCode(ctx context.Context) (string, error) {
	select {
	case x := <-c:
		return x, nil
	case <-ctx.Done():
		return "", ctx.Err()
	}
}

type mapResolver map[string]flow.Document

func (m mapResolver) Resolve(_ context.Context, code string) (flow.Document, error) {
	if d, ok := m[code]; ok {
		return d, nil
	}
	return flow.Document{Kind: flow.DocUnknown}, nil
}

type memRater struct{ got []flow.Rating }

func (r *memRater) Rate(_ context.Context, x flow.Rating) error { r.got = append(r.got, x); return nil }

type memDesk struct{}

func (memDesk) PendingInvoices(context.Context, flow.Citizen) ([]flow.Invoice, error) {
	return []flow.Invoice{{ID: "1", Number: "24622000000012345678", Seller: "玉门市商贸公司", Amount: "1280.00"},
		{ID: "2", Number: "24622000000012345679", Seller: "玉门市餐饮店", Amount: "86.50"}}, nil
}
func (memDesk) MarkCollected(context.Context, flow.Citizen, []string) (string, error) {
	return "P-0007", nil
}

type memAppts struct{ issuer *memIssuer }

func (m memAppts) CheckIn(ctx context.Context, code string, c *flow.Citizen) (flow.Ticket, error) {
	if code != "APPT" {
		return flow.Ticket{}, flow.ErrNotFound
	}
	return m.issuer.Issue(ctx, flow.IssueRequest{Service: "tax-reg", Priority: true})
}

type memHealth struct{}

func (memHealth) Health(context.Context) []flow.DeviceStatus {
	return []flow.DeviceStatus{{Name: "printer", OK: true, Detail: "paper ok"}, {Name: "idcard", OK: false, Detail: "no reply"}}
}

type staticStatus flow.HallStatus

func (s staticStatus) HallStatus(context.Context) (flow.HallStatus, error) {
	return flow.HallStatus(s), nil
}

type cat []flow.Zone

func (c cat) Zones() []flow.Zone { return c }

var testCatalogue = cat{
	{Code: "tax", NameZH: "税务", NameEN: "Tax", Services: []flow.Service{
		{Code: "tax-reg", NameZH: "税务登记", NameEN: "Tax registration", Prefix: "B"},
		{Code: "tax-inv", NameZH: "发票代开", NameEN: "Invoice issuing", Prefix: "C", RealName: flow.RealNameOptional}}},
	{Code: "police", NameZH: "公安", NameEN: "Police", Services: []flow.Service{
		{Code: "hukou", NameZH: "户籍办理", NameEN: "Household registration", Prefix: "D", RealName: flow.RealNameRequired}}},
	{Code: "estate", NameZH: "不动产登记", NameEN: "Real estate", Services: []flow.Service{
		{Code: "transfer", NameZH: "转移登记", NameEN: "Transfer", Prefix: "E"}}},
}

// tapClock is the tap guard's clock in tests: each tap of the rig comes a
// second after the one before (a person's pace), unless a test taps twice
// at once on purpose.
type tapClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *tapClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *tapClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

type uiRig struct {
	clock   *tapClock
	k       *Kiosk
	f       *flow.Flow
	cards   chanReader
	codes   chanCodes
	printer *memPrinter
	rater   *memRater
}

func newUI(t *testing.T, landscape bool) *uiRig {
	t.Helper()
	a := test.NewTempApp(t)
	r := &uiRig{cards: make(chanReader, 1), codes: make(chanCodes, 1), printer: &memPrinter{}, rater: &memRater{}}
	issuer := &memIssuer{}
	r.f = flow.New(flow.Deps{
		Catalogue: testCatalogue, Issuer: issuer, Printer: r.printer, SlipPrinter: r.printer,
		Reader: r.cards, Codes: r.codes, Rater: r.rater, Invoices: memDesk{}, Appointments: memAppts{issuer}, Health: memHealth{},
		Resolver: mapResolver{
			"LIC": {Kind: flow.DocLicence, Title: "玉门市好味道餐饮有限公司", Fields: []flow.Field{
				{Label: "统一社会信用代码", Value: "91620981MA74XXXX1K"}, {Label: "法定代表人", Value: "王*明"}},
				Permits: []flow.Permit{{Kind: "食品经营许可证", Number: "JY16209810000123", Valid: "2028-05-31"}}},
		},
		Status: staticStatus{Open: true, Online: true, Services: map[string]flow.ServiceStatus{
			"tax-reg": {Waiting: 6, Wait: 18 * time.Minute, Open: true}, "tax-inv": {Waiting: 2, Wait: 5 * time.Minute, Open: true},
			"hukou": {Waiting: 11, Wait: 40 * time.Minute, Open: true}, "transfer": {Open: false}},
			Notices:   []string{"发票可7×24小时自助领取", "请对本次服务作出评价（好差评）"},
			NoticesEN: []string{"Tax invoices: self-service pickup 24/7"}},
	}, flow.Options{HallName: "玉门市民中心", PIN: "2468", ConfigLines: []string{"hall.url = http://127.0.0.1:8080"}})
	if err := r.f.Refresh(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(r.f.Close)
	r.clock = &tapClock{now: time.Date(2026, 11, 25, 10, 0, 0, 0, time.Local)}
	r.k = New(a, r.f, Options{Landscape: landscape, Do: func(func()) {}, Now: r.clock.Now})
	r.k.Win.Resize(r.k.opt.Size())
	return r
}

// waitFor redraws until the screen is s (device results arrive from
// goroutines through fyne.Do).
func (r *uiRig) waitFor(t *testing.T, s flow.Screen) *Screen {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		r.k.Refresh()
		if r.k.Current().Kind == s {
			return r.k.Current()
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Fatalf("screen %v, want %v", r.k.Current().Kind, s)
	return nil
}

func (r *uiRig) tap(t *testing.T, name string) {
	t.Helper()
	if r.clock != nil {
		r.clock.Advance(time.Second)
	}
	sc := r.k.Current()
	if b, ok := sc.Buttons[name]; ok {
		test.Tap(b)
		r.k.Refresh()
		return
	}
	if tl, ok := sc.Tiles[name]; ok {
		test.Tap(tl)
		r.k.Refresh()
		return
	}
	t.Fatalf("no button or tile %q on %v", name, sc.Kind)
}

func (r *uiRig) golden(t *testing.T, name string) {
	t.Helper()
	test.AssertRendersToMarkup(t, name+".xml", r.k.Win.Canvas())
	assertRegularText(t, name, r.k.Win.Canvas().Content())
	if dir := os.Getenv("KIOSK_UI_CAPTURE"); dir != "" {
		// Software-rendered captures for a quick look at a screen; the
		// screenshots in docs/ come from the real window under Xvfb.
		f, err := os.Create(filepath.Join(dir, name+".png"))
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		if err := png.Encode(f, r.k.Win.Canvas().Capture()); err != nil {
			t.Fatal(err)
		}
	}
}

func TestHomeRendersAndTicketInThreeTaps(t *testing.T) {
	r := newUI(t, false)
	r.golden(t, "home")
	r.tap(t, "zone:tax")
	r.golden(t, "zone")
	r.tap(t, "service:tax-reg")
	r.waitFor(t, flow.ScreenTicket)
	r.golden(t, "ticket")
	r.tap(t, "home")
	r.waitFor(t, flow.ScreenHome)
}

// Issue 12 changed this: a closed service's tile looks greyed out but
// answers a tap with why it is closed (and when it opens), instead of
// doing nothing.
func TestClosedServiceTileSaysWhy(t *testing.T) {
	r := newUI(t, false)
	r.tap(t, "zone:estate")
	tl := r.k.Current().Tiles["service:transfer"]
	if !tl.Muted || tl.Disabled {
		t.Fatalf("closed service tile muted %v disabled %v, want muted and tappable", tl.Muted, tl.Disabled)
	}
	r.tap(t, "service:transfer")
	if r.k.Current().Kind != flow.ScreenMessage || r.f.State().Message != "msg.closed" {
		t.Fatalf("tap on a closed service: screen %v message %q", r.k.Current().Kind, r.f.State().Message)
	}
}

func TestRealNameAndPrintFailure(t *testing.T) {
	r := newUI(t, false)
	r.tap(t, "zone:police")
	r.tap(t, "service:hukou")
	sc := r.waitFor(t, flow.ScreenRealName)
	if _, ok := sc.Buttons["skip"]; ok {
		t.Fatal("skip offered for a required real-name service")
	}
	r.golden(t, "realname")
	r.printer.fail = true
	r.cards <- flow.Citizen{Name: "张小三", IDNumber: "11010519491231002X"}
	r.waitFor(t, flow.ScreenPrintFailed)
	r.golden(t, "printfailed")
	r.printer.fail = false
	r.tap(t, "retry")
	r.waitFor(t, flow.ScreenTicket)
	r.golden(t, "ticket-realname")
}

func TestLanguageAndElderMode(t *testing.T) {
	r := newUI(t, false)
	r.tap(t, "lang")
	r.tap(t, "elder")
	r.golden(t, "home-en-elder")
	if !r.k.theme.Elder || r.k.theme.Size("text") <= (&Theme{}).Size("text") {
		t.Fatal("elder mode did not enlarge the text")
	}
	r.tap(t, "elder")
	r.tap(t, "lang")
	if r.k.theme.Elder {
		t.Fatal("elder mode still on")
	}
}

func TestLandscapeHome(t *testing.T) {
	r := newUI(t, true)
	r.golden(t, "home-landscape")
}

func TestDocumentAppointmentRatingInvoice(t *testing.T) {
	r := newUI(t, false)
	r.tap(t, "scan")
	r.waitFor(t, flow.ScreenScan)
	r.golden(t, "scan")
	r.codes <- "LIC"
	r.waitFor(t, flow.ScreenDocument)
	r.golden(t, "document")
	r.tap(t, "home")

	r.tap(t, "appointment")
	r.waitFor(t, flow.ScreenAppointment)
	r.codes <- "APPT"
	sc := r.waitFor(t, flow.ScreenTicket)
	_ = sc
	if !r.f.State().Ticket.Priority {
		t.Fatal("appointment ticket without priority")
	}
	r.tap(t, "home")

	r.tap(t, "rate")
	r.waitFor(t, flow.ScreenRating)
	r.tap(t, "rate:2")
	r.tap(t, "reason:reason.wait")
	r.golden(t, "rating")
	r.tap(t, "submit")
	r.waitFor(t, flow.ScreenRated)
	if len(r.rater.got) != 1 || r.rater.got[0].Level != 2 || len(r.rater.got[0].Reasons) != 1 {
		t.Fatalf("rating %+v", r.rater.got)
	}
	r.tap(t, "home")

	r.tap(t, "invoice")
	r.waitFor(t, flow.ScreenInvoiceID)
	r.cards <- flow.Citizen{Name: "张小三", IDNumber: "11010519491231002X"}
	r.waitFor(t, flow.ScreenInvoices)
	r.golden(t, "invoices")
	r.tap(t, "invoice:1")
	r.tap(t, "collect")
	r.waitFor(t, flow.ScreenInvoiceDone)
}

func TestMaintenanceGestureAndPIN(t *testing.T) {
	r := newUI(t, false)
	for range 5 {
		test.Tap(r.k.Current().Corner)
		r.k.Refresh()
	}
	r.waitFor(t, flow.ScreenPIN)
	for _, d := range "2468" {
		r.tap(t, "pin:"+string(d))
	}
	r.golden(t, "pin")
	r.tap(t, "pin:ok")
	r.waitFor(t, flow.ScreenMaintenance)
	deadline := time.Now().Add(2 * time.Second)
	for len(r.f.State().Health) == 0 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	r.tap(t, "maint.config")
	deadline = time.Now().Add(2 * time.Second)
	for r.f.State().Busy && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	r.k.Refresh()
	r.golden(t, "maintenance")
	r.tap(t, "exit")
	r.waitFor(t, flow.ScreenHome)
}

func TestWindowIsLockedDown(t *testing.T) {
	r := newUI(t, false)
	r.k.Win.Close() // intercepted: the kiosk keeps running
	if r.k.Win.Content() == nil {
		t.Fatal("window closed")
	}
	var _ fyne.Tappable = r.k.Current().Corner
	if r.k.Current().Corner.MinSize().Height < MinTouch {
		t.Fatal("maintenance corner smaller than a touch target")
	}
}

func TestHeartbeatFeedsHealth(t *testing.T) {
	r := newUI(t, false)
	time.Sleep(30 * time.Millisecond)
	if r.k.Healthy(20 * time.Millisecond) {
		t.Fatal("healthy without a heartbeat")
	}
	stop := make(chan struct{})
	go r.k.Heartbeat(5*time.Millisecond, stop)
	deadline := time.Now().Add(2 * time.Second)
	for !r.k.Healthy(20*time.Millisecond) && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	if !r.k.Healthy(20 * time.Millisecond) {
		t.Fatal("heartbeat did not mark the UI loop alive")
	}
	close(stop)
	time.Sleep(40 * time.Millisecond)
	if r.k.Healthy(20 * time.Millisecond) {
		t.Fatal("still healthy after the heartbeat stopped")
	}
}
