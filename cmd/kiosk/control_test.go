package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"hallkiosk/kiosk/flow"
)

// FuzzTap feeds arbitrary targets from the control endpoint to the flow: an
// unknown target is an error, never a panic, and the flow stays usable.
func FuzzTap(f *testing.F) {
	for _, s := range []string{"zone:tax", "service:tax-filing", "rate:5", "rate:x", "invoice:-1", "invoice:99999999999999999999",
		"pin:7", "pin:ok", "pin:", "corner", ":", "", "maint.logs", "reason:reason.wait"} {
		f.Add(s)
	}
	fl := flow.New(flow.Deps{}, flow.Options{PIN: "2468"})
	f.Cleanup(fl.Close)
	f.Fuzz(func(t *testing.T, target string) {
		_ = tap(fl, target)
		_ = fl.State()
	})
}

// The parts of a flow for driving every action through the control
// endpoint: each records or hands out what the action needs.
type ctlIssuer struct {
	mu               sync.Mutex
	n                int
	confirmed, voids []string
}

func (i *ctlIssuer) Issue(_ context.Context, req flow.IssueRequest) (flow.Ticket, error) {
	i.mu.Lock()
	defer i.mu.Unlock()
	i.n++
	return flow.Ticket{Number: fmt.Sprintf("A%03d", i.n), Service: req.Service, Key: fmt.Sprint("k", i.n), Ref: fmt.Sprint("t", i.n)}, nil
}

func (i *ctlIssuer) Confirm(_ context.Context, t flow.Ticket) error {
	i.mu.Lock()
	defer i.mu.Unlock()
	i.confirmed = append(i.confirmed, t.Number)
	return nil
}

func (i *ctlIssuer) Void(_ context.Context, t flow.Ticket, _ string) error {
	i.mu.Lock()
	defer i.mu.Unlock()
	i.voids = append(i.voids, t.Number)
	return nil
}

type ctlPrinter struct {
	mu    sync.Mutex
	fail  int
	slips int
	tests int
}

func (p *ctlPrinter) PrintTicket(context.Context, flow.Ticket) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.fail > 0 {
		p.fail--
		return errors.New("paper jam")
	}
	return nil
}

func (p *ctlPrinter) PrintSlip(context.Context, flow.InvoiceSlip) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.slips++
	return nil
}

func (p *ctlPrinter) TestPrint(context.Context) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.tests++
	return nil
}

type ctlReader chan flow.Citizen

func (r ctlReader) ReadCard(ctx context.Context) (flow.Citizen, error) {
	select {
	case c := <-r:
		return c, nil
	case <-ctx.Done():
		return flow.Citizen{}, ctx.Err()
	}
}

type ctlCodes chan string

func (c ctlCodes) NextCode(ctx context.Context) (string, error) {
	select {
	case s := <-c:
		return s, nil
	case <-ctx.Done():
		return "", ctx.Err()
	}
}

type ctlResolver struct{}

func (ctlResolver) Resolve(_ context.Context, code string) (flow.Document, error) {
	if code == "LIC" {
		return flow.Document{Kind: flow.DocLicence, Title: "玉门市某餐饮店"}, nil
	}
	return flow.Document{Kind: flow.DocUnknown}, nil
}

type ctlAppts struct{}

func (ctlAppts) CheckIn(context.Context, string, *flow.Citizen) (flow.Ticket, error) {
	return flow.Ticket{}, flow.ErrNotFound
}

type ctlRater struct {
	mu  sync.Mutex
	got []flow.Rating
}

func (r *ctlRater) Rate(_ context.Context, x flow.Rating) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.got = append(r.got, x)
	return nil
}

type ctlDesk struct {
	mu        sync.Mutex
	collected []string
}

func (d *ctlDesk) PendingInvoices(context.Context, flow.Citizen) ([]flow.Invoice, error) {
	return []flow.Invoice{{ID: "i1", Number: "1", Amount: "1.00"}, {ID: "i2", Number: "2", Amount: "2.00"}}, nil
}

func (d *ctlDesk) MarkCollected(_ context.Context, _ flow.Citizen, ids []string) (string, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.collected = append(d.collected, ids...)
	return "P1", nil
}

type ctlMaint struct{}

func (ctlMaint) Health(context.Context) []flow.DeviceStatus {
	return []flow.DeviceStatus{{Name: "printer", OK: true}}
}
func (ctlMaint) SyncStatus(context.Context) []string { return []string{"outbox 0"} }
func (ctlMaint) RecentLogs(int) []string             { return []string{"kiosk up"} }

// TestEveryActionThroughControl walks a kiosk through every action of the
// flow's vocabulary by its documented name over a real HTTP server, checks
// that each did what its button does, and that the names the docs list are
// exactly the vocabulary. Actions a screen does not allow change nothing
// and the reply is the unchanged state.
func TestEveryActionThroughControl(t *testing.T) {
	issuer, printer, reader, codes := &ctlIssuer{}, &ctlPrinter{}, make(ctlReader, 1), make(ctlCodes, 1)
	rater, desk := &ctlRater{}, &ctlDesk{}
	f := flow.New(flow.Deps{
		Catalogue: ctlCatalogue{}, Issuer: issuer, Printer: printer, SlipPrinter: printer, TestPrinter: printer,
		Reader: reader, Codes: codes, Resolver: ctlResolver{}, Appointments: ctlAppts{}, Rater: rater, Invoices: desk,
		Health: ctlMaint{}, Sync: ctlMaint{}, Logs: ctlMaint{},
	}, flow.Options{PIN: "2468", ConfigLines: []string{"kiosk.id = k1"}})
	t.Cleanup(f.Close)
	srv := httptest.NewServer(controlHandler(f))
	t.Cleanup(srv.Close)

	done := map[flow.ActionKind]bool{}
	tap := func(target string) stateView {
		t.Helper()
		a, err := flow.ParseAction(target)
		if err != nil {
			t.Fatalf("%q: %v", target, err)
		}
		done[a.Kind] = true
		resp, err := http.Post(srv.URL+"/tap?target="+url.QueryEscape(target), "", nil)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var v stateView
		if resp.StatusCode != http.StatusOK || json.NewDecoder(resp.Body).Decode(&v) != nil {
			t.Fatalf("tap %q: %s", target, resp.Status)
		}
		return v
	}
	wait := func(what string, cond func(flow.State) bool) flow.State {
		t.Helper()
		deadline := time.Now().Add(5 * time.Second)
		for {
			s := f.State()
			if cond(s) {
				return s
			}
			if time.Now().After(deadline) {
				t.Fatalf("waiting for %s: screen %v message %q", what, s.Screen, s.Message)
			}
			time.Sleep(5 * time.Millisecond)
		}
	}
	on := func(sc flow.Screen) func(flow.State) bool {
		return func(s flow.State) bool { return s.Screen == sc && !s.Busy }
	}
	screen := func(sc flow.Screen) { t.Helper(); wait(sc.String(), on(sc)) }

	if v := tap("lang"); v.Lang != "en" {
		t.Fatalf("lang: %q", v.Lang)
	}
	tap("lang")
	if v := tap("elder"); !v.Elder {
		t.Fatal("elder: off")
	}
	tap("elder")

	// Refused here: nothing changes, the reply is the state.
	for _, target := range []string{"skip", "pin:ok", "submit", "maint.logs", "exit", "collect", "retry", "rate:3"} {
		if v := tap(target); v.Screen != "home" {
			t.Fatalf("%s on home: screen %q", target, v.Screen)
		}
	}
	if _, confirmed := issuer.snapshot(); len(confirmed) != 0 {
		t.Fatal("refused actions issued a ticket")
	}

	if v := tap("zone:tax"); v.Screen != "zone" {
		t.Fatalf("zone: %q", v.Screen)
	}
	if v := tap("back"); v.Screen != "home" {
		t.Fatalf("back: %q", v.Screen)
	}
	tap("zone:tax")
	if v := tap("home"); v.Screen != "home" {
		t.Fatalf("home: %q", v.Screen)
	}

	// Ticket with the card step skipped, then 好差评 from the ticket screen.
	if v := tap("service:tax-filing"); v.Screen != "realname" {
		t.Fatalf("service: %q", v.Screen)
	}
	if v := tap("cancel"); v.Screen != "home" {
		t.Fatalf("cancel: %q", v.Screen)
	}
	tap("service:tax-filing")
	tap("skip")
	screen(flow.ScreenTicket)
	if v := tap("rate"); v.Screen != "rating" {
		t.Fatalf("rate: %q", v.Screen)
	}
	tap("rate:1")
	tap("reason:reason.wait")
	if s := f.State(); s.Rating != 1 || len(s.Reasons) != 1 || s.Reasons[0] != "reason.wait" {
		t.Fatalf("rating %d reasons %v", s.Rating, s.Reasons)
	}
	tap("submit")
	screen(flow.ScreenRated)
	if len(rater.got) != 1 || rater.got[0].Level != 1 {
		t.Fatalf("ratings %+v", rater.got)
	}
	tap("home")

	// A failed print: retry, and cancel (voided).
	printer.mu.Lock()
	printer.fail = 2
	printer.mu.Unlock()
	tap("service:tax-filing")
	tap("skip")
	screen(flow.ScreenPrintFailed)
	tap("retry")
	screen(flow.ScreenPrintFailed)
	tap("cancel")
	screen(flow.ScreenHome)
	wait("void", func(flow.State) bool { _, v := issuer.snapshot(); return len(v) == 1 })
	printer.mu.Lock()
	printer.fail = 1
	printer.mu.Unlock()
	tap("service:tax-filing")
	tap("skip")
	screen(flow.ScreenPrintFailed)
	tap("retry")
	screen(flow.ScreenTicket)
	tap("home")

	if v := tap("appointment"); v.Screen != "appointment" {
		t.Fatalf("appointment: %q", v.Screen)
	}
	tap("home")

	if v := tap("scan"); v.Screen != "scan" {
		t.Fatalf("scan: %q", v.Screen)
	}
	codes <- "LIC"
	screen(flow.ScreenDocument)
	if v := tap("back"); v.Screen != "scan" {
		t.Fatalf("back on the document: %q", v.Screen)
	}
	tap("home")

	if v := tap("invoice"); v.Screen != "invoiceid" {
		t.Fatalf("invoice: %q", v.Screen)
	}
	reader <- flow.Citizen{Name: "张小三", IDNumber: "11010519491231002X"}
	screen(flow.ScreenInvoices)
	tap("invoice:0")
	if s := f.State(); s.Selected[0] || !s.Selected[1] {
		t.Fatalf("selected %v", s.Selected)
	}
	tap("collect")
	screen(flow.ScreenInvoiceDone)
	if len(desk.collected) != 1 || desk.collected[0] != "i2" {
		t.Fatalf("collected %v", desk.collected)
	}
	tap("home")

	// Maintenance: the corner, the PIN pad, every panel operation, exit.
	for range 5 {
		tap("corner")
	}
	screen(flow.ScreenPIN)
	tap("pin:2")
	if s := f.State(); s.PINLen != 1 {
		t.Fatalf("PIN length %d", s.PINLen)
	}
	tap("pin:clear")
	if s := f.State(); s.PINLen != 0 {
		t.Fatalf("PIN length %d after clear", s.PINLen)
	}
	for _, d := range "2468" {
		tap("pin:" + string(d))
	}
	if v := tap("pin:ok"); v.Screen != "maintenance" {
		t.Fatalf("pin:ok: %q", v.Screen)
	}
	for _, op := range []struct {
		target string
		feed   func()
		want   string
	}{
		{"maint.testprint", nil, "OK"},
		{"maint.idtest", func() { reader <- flow.Citizen{Name: "张小三", IDNumber: "11010519491231002X"} }, "OK 张"},
		{"maint.scantest", func() { codes <- "HELLO" }, "OK 5 chars: HELLO"},
		{"maint.sync", nil, "outbox 0"},
		{"maint.logs", nil, "kiosk up"},
		{"maint.config", nil, "kiosk.id = k1"},
	} {
		tap(op.target)
		if op.feed != nil {
			op.feed()
		}
		s := wait(op.target, func(s flow.State) bool {
			return !s.Busy && len(s.MaintOutput) > 1 && s.MaintOutput[0] == op.target
		})
		if !strings.HasPrefix(s.MaintOutput[1], op.want) {
			t.Fatalf("%s: %q", op.target, s.MaintOutput)
		}
	}
	if printer.tests != 1 {
		t.Fatalf("test prints %d", printer.tests)
	}
	if v := tap("exit"); v.Screen != "home" {
		t.Fatalf("exit: %q", v.Screen)
	}

	for _, k := range flow.ActionKinds() {
		if !done[k] {
			t.Errorf("action %v not driven through the control endpoint", k)
		}
	}
	documented := documentedTargets(t)
	for _, k := range flow.ActionKinds() {
		if !documented[k] {
			t.Errorf("action %v missing from docs/KIOSK.md's targets", k)
		}
	}
}

// documentedTargets reads the control endpoint's target list in
// docs/KIOSK.md ("Targets are ..." up to the next blank line) and returns
// the action kinds its names parse to; a listed name that does not parse
// fails the test. `x:1`..`x:5` stands for its ends; placeholders (ID, KEY,
// N) stand for an argument.
func documentedTargets(t *testing.T) map[flow.ActionKind]bool {
	t.Helper()
	b, err := os.ReadFile("../../docs/KIOSK.md")
	if err != nil {
		t.Fatal(err)
	}
	doc := string(b)
	i := strings.Index(doc, "Targets are")
	if i < 0 {
		t.Fatal("docs/KIOSK.md: no target list")
	}
	para, _, _ := strings.Cut(doc[i:], "\n\n")
	kinds := map[flow.ActionKind]bool{}
	parts := strings.Split(para, "`")
	for j := 1; j < len(parts); j += 2 {
		name := strings.NewReplacer(":ID", ":x", ":KEY", ":x", ":N", ":0").Replace(parts[j])
		a, err := flow.ParseAction(name)
		if err != nil {
			t.Errorf("docs/KIOSK.md lists %q: %v", parts[j], err)
			continue
		}
		kinds[a.Kind] = true
	}
	return kinds
}

type ctlCatalogue struct{}

func (ctlCatalogue) Zones() []flow.Zone {
	return []flow.Zone{{Code: "tax", NameZH: "税务", Services: []flow.Service{
		{Code: "tax-filing", NameZH: "纳税申报", Prefix: "A", RealName: flow.RealNameOptional},
	}}}
}

func (i *ctlIssuer) snapshot() (confirmed, voids []string) {
	i.mu.Lock()
	defer i.mu.Unlock()
	return append([]string(nil), i.confirmed...), append([]string(nil), i.voids...)
}
