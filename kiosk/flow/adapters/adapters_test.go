package adapters

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"hallkiosk/drivers/idcard"
	"hallkiosk/drivers/idcard/idcardsim"
	"hallkiosk/drivers/serialport"
	"hallkiosk/drivers/serialtest"
	"hallkiosk/kiosk/flow"
	"hallkiosk/kiosk/store"
	"hallkiosk/queue/catalog"
	"hallkiosk/queue/engine"
)

// A Wednesday morning and a Wednesday night in the hall's zone.
var (
	shanghai   = catalog.Default().Location()
	wedMorning = time.Date(2026, 11, 25, 10, 0, 0, 0, shanghai)
	wedNight   = time.Date(2026, 11, 25, 22, 0, 0, 0, shanghai)
)

func TestCatalogueZonesAndRealName(t *testing.T) {
	zs := Catalogue{catalog.Default()}.Zones()
	if len(zs) != 9 {
		t.Fatalf("%d zones, want 9", len(zs))
	}
	found := map[string]flow.Service{}
	for _, z := range zs {
		if z.NameZH == "" || z.NameEN == "" {
			t.Errorf("zone %s without names", z.Code)
		}
		for _, s := range z.Services {
			found[s.Code] = s
		}
	}
	for code, want := range map[string]flow.RealName{"household": flow.RealNameRequired, "enquiry": flow.RealNameNone,
		"tax-filing": flow.RealNameOptional} {
		if got := found[code].RealName; got != want {
			t.Errorf("%s: real name %v, want %v", code, got, want)
		}
	}
	if found["tax-invoice"].Prefix != "F" {
		t.Errorf("tax-invoice prefix %q", found["tax-invoice"].Prefix)
	}
}

func TestHoursOpenAndClosed(t *testing.T) {
	c := catalog.Default()
	day, _ := Hours{C: c, Now: func() time.Time { return wedMorning }}.HallStatus(context.Background())
	night, _ := Hours{C: c, Now: func() time.Time { return wedNight }}.HallStatus(context.Background())
	if !day.Open || night.Open {
		t.Fatalf("hall open: day %v night %v", day.Open, night.Open)
	}
	if !day.Services["household"].Open || night.Services["household"].Open {
		t.Error("household hours wrong")
	}
	if !night.Services["tax-invoice"].Open {
		t.Error("24×7 invoice service closed at night")
	}
	if len(day.Notices) == 0 {
		t.Error("no notices")
	}
}

func openEngine(t testing.TB, now *time.Time) *Engine {
	t.Helper()
	e, err := engine.Open(context.Background(), filepath.Join(t.TempDir(), "hall.db"),
		engine.Options{Catalog: catalog.Default(), Now: func() time.Time { return *now }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.Close() })
	return &Engine{E: e, Device: "kiosk-test"}
}

func TestEngineIssueVoidAndErrors(t *testing.T) {
	now := wedMorning
	e := openEngine(t, &now)
	ctx := context.Background()
	t1, err := e.Issue(ctx, flow.IssueRequest{Service: "tax-filing"})
	if err != nil {
		t.Fatal(err)
	}
	t2, err := e.Issue(ctx, flow.IssueRequest{Service: "tax-filing"})
	if err != nil {
		t.Fatal(err)
	}
	if t1.Number == t2.Number || t1.Number[0] != 'E' || t1.Ref == "" || t1.ServiceName != "税务申报" && t1.ServiceName == "" {
		t.Fatalf("tickets %+v %+v", t1, t2)
	}
	if t2.Ahead != 1 {
		t.Errorf("second ticket ahead %d, want 1", t2.Ahead)
	}
	st, _ := e.HallStatus(ctx)
	if st.Services["tax-filing"].Waiting != 2 || !st.Open {
		t.Fatalf("status %+v", st.Services["tax-filing"])
	}
	if err := e.Void(ctx, t1, "print failed"); err != nil {
		t.Fatal(err)
	}
	st, _ = e.HallStatus(ctx)
	if st.Services["tax-filing"].Waiting != 1 {
		t.Fatalf("after void: waiting %d", st.Services["tax-filing"].Waiting)
	}
	// Real-name services need the card.
	if _, err := e.Issue(ctx, flow.IssueRequest{Service: "household"}); err == nil {
		t.Error("household issued without a card")
	}
	tk, err := e.Issue(ctx, flow.IssueRequest{Service: "household", Citizen: &flow.Citizen{Name: "张小三", IDNumber: "11010519491231002X"}})
	if err != nil {
		t.Fatal(err)
	}
	if tk.Number[0] != 'G' {
		t.Errorf("household ticket %q", tk.Number)
	}
	now = wedNight
	if _, err := e.Issue(ctx, flow.IssueRequest{Service: "tax-filing"}); !errors.Is(err, flow.ErrClosed) {
		t.Errorf("night issue: %v, want ErrClosed", err)
	}
	if _, err := e.Issue(ctx, flow.IssueRequest{Service: "tax-invoice"}); err != nil {
		t.Errorf("24×7 service at night: %v", err)
	}
	if _, err := e.CheckIn(ctx, "HK1.bad.code", nil); !errors.Is(err, flow.ErrUntrusted) && !errors.Is(err, flow.ErrNotFound) {
		t.Errorf("forged check-in: %v", err)
	}
	if _, err := e.CheckIn(ctx, "", &flow.Citizen{}); !errors.Is(err, flow.ErrNotFound) {
		t.Errorf("card check-in: %v", err)
	}
}

func TestStoreIssueConfirmVoidRate(t *testing.T) {
	ctx := context.Background()
	s, err := store.Open(filepath.Join(t.TempDir(), "kiosk.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.SaveEnrolment(ctx, "http://127.0.0.1:1", "", 1); err != nil {
		t.Fatal(err)
	}
	a := &Store{S: s, Cat: catalog.Default()}
	t1, err := a.Issue(ctx, flow.IssueRequest{Service: "tax-invoice"})
	if err != nil {
		t.Fatal(err)
	}
	if t1.Number[0] != 'F' || t1.Ref == "" {
		t.Fatalf("ticket %+v", t1)
	}
	before, _ := s.PendingCount(ctx)
	if err := a.Confirm(ctx, t1); err != nil {
		t.Fatal(err)
	}
	if err := a.Confirm(ctx, t1); !errors.Is(err, flow.ErrNotFound) {
		t.Errorf("second confirm: %v", err)
	}
	t2, err := a.Issue(ctx, flow.IssueRequest{Service: "tax-invoice"})
	if err != nil {
		t.Fatal(err)
	}
	if t2.Number == t1.Number {
		t.Fatal("number issued twice")
	}
	if err := a.Void(ctx, t2, "paper out"); err != nil {
		t.Fatal(err)
	}
	if err := a.Rate(ctx, flow.Rating{Level: 2, Reasons: []string{"reason.wait"}, At: time.Now()}); err != nil {
		t.Fatal(err)
	}
	after, _ := s.PendingCount(ctx)
	// printed(t1), issued(t2), voided(t2) and the evaluation.
	if after != before+4 {
		t.Fatalf("outbox grew by %d, want 4", after-before)
	}
	tks, _ := s.Tickets(ctx, t1.IssuedAt.In(shanghai).Format("2006-01-02"))
	states := map[string]int{}
	for _, tk := range tks {
		states[tk.State]++
	}
	if states["printed"] != 1 || states["voided"] != 1 {
		t.Fatalf("ticket states %v", states)
	}
}

func TestCardReaderOverPTY(t *testing.T) {
	pty, err := serialtest.OpenPTY()
	if err != nil {
		t.Skip("no pty:", err)
	}
	defer pty.Master.Close()
	sim := idcardsim.New(0)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go sim.Run(ctx, pty.Master)
	port, err := serialport.Open(pty.SlavePath, 115200)
	if err != nil {
		t.Fatal(err)
	}
	defer port.Close()
	dev, err := idcard.New(port, nil)
	if err != nil {
		t.Fatal(err)
	}
	r := CardReader{Dev: dev}
	names := idcardsim.CardNames()
	if err := sim.Place(names[0]); err != nil {
		t.Fatal(err)
	}
	rctx, rcancel := context.WithTimeout(ctx, 5*time.Second)
	defer rcancel()
	c, err := r.ReadCard(rctx)
	if err != nil {
		t.Fatal(err)
	}
	want := idcardsim.Cards[names[0]]
	if c.IDNumber != want.IDNumber || c.Name == "" {
		t.Fatalf("read %q, want %q", c.IDNumber, want.IDNumber)
	}
	// No card: the wait ends with the context.
	sim.Remove()
	qctx, qcancel := context.WithTimeout(ctx, 300*time.Millisecond)
	defer qcancel()
	if _, err := r.ReadCard(qctx); err == nil {
		t.Fatal("read without a card")
	}
}

func TestCodesOnlyToAWaitingScreen(t *testing.T) {
	src := make(chan string)
	c := NewCodes(src)
	defer c.Close()
	src <- "stale" // nobody waits: dropped
	got := make(chan string)
	go func() {
		code, _ := c.NextCode(context.Background())
		got <- code
	}()
	// Wait until NextCode registered, then scan.
	for {
		c.mu.Lock()
		w := c.waiting
		c.mu.Unlock()
		if w != nil {
			break
		}
		time.Sleep(time.Millisecond)
	}
	src <- "HK1.fresh"
	if code := <-got; code != "HK1.fresh" {
		t.Fatalf("got %q", code)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if _, err := c.NextCode(ctx); err == nil {
		t.Fatal("code without a scan")
	}
}

func TestStoreRatingPayloadNamesTheTicket(t *testing.T) {
	ctx := context.Background()
	s, err := store.Open(filepath.Join(t.TempDir(), "kiosk.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	a := &Store{S: s, Cat: catalog.Default()}
	for _, r := range []flow.Rating{{Ticket: "F0012", Ref: "offline:12", Level: 5}, {Ticket: "E003", Ref: "2026-11-25-E-3", Level: 1}} {
		if err := a.Rate(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	evs, err := s.Pending(ctx, 10)
	if err != nil || len(evs) != 2 {
		t.Fatalf("pending %d %v", len(evs), err)
	}
	if p := string(evs[0].Payload); !strings.Contains(p, `"ref":"12"`) || strings.Contains(p, "offline") {
		t.Errorf("offline ticket rating %s", p)
	}
	if p := string(evs[1].Payload); !strings.Contains(p, `"ticket_id":"2026-11-25-E-3"`) || !strings.Contains(p, `"score":1`) {
		t.Errorf("hall ticket rating %s", p)
	}
}

func TestEngineHallClosedAtNightDespite24hServices(t *testing.T) {
	now := wedNight
	e := openEngine(t, &now)
	st, err := e.HallStatus(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if st.Open {
		t.Error("hall open at night")
	}
	if !st.Services["tax-invoice"].Open {
		t.Error("24×7 invoice service closed at night")
	}
}
