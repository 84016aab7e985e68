package ui

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"

	"hallkiosk/drivers/idcard"
	"hallkiosk/drivers/idcard/idcardsim"
	"hallkiosk/drivers/scanner"
	"hallkiosk/drivers/scanner/scannersim"
	"hallkiosk/drivers/serialport"
	"hallkiosk/drivers/serialtest"
	"hallkiosk/internal/pii"
	"hallkiosk/kiosk/credential"
	"hallkiosk/kiosk/flow"
	"hallkiosk/kiosk/flow/adapters"
	"hallkiosk/printer"
	"hallkiosk/printer/printersim"
	"hallkiosk/queue/catalog"
	"hallkiosk/queue/engine"
	"hallkiosk/queue/registry"
)

// simRig is the kiosk window over the real parts: the hall engine on
// SQLite, the licence registry and invoice desk loaded with the demo data,
// and the printer, ID card reader and scanner simulators on pseudo-terminals
// speaking the devices' bytes to the real drivers.
type simRig struct {
	*uiRig
	psim *printersim.Sim
	csim *idcardsim.Sim
	ssim *scannersim.Sim
}

func pty(t *testing.T, run func(context.Context, *os.File)) string {
	t.Helper()
	p, err := serialtest.OpenPTY()
	if err != nil {
		t.Skip("no pty:", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); run(ctx, p.Master) }()
	t.Cleanup(func() { cancel(); p.Master.Close(); <-done })
	return p.SlavePath
}

func newSimUI(t *testing.T) *simRig {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	dir := t.TempDir()
	cat := catalog.Default()
	morning := time.Date(2026, 11, 25, 10, 0, 0, 0, cat.Location()) // a Wednesday
	eng, err := engine.Open(ctx, filepath.Join(dir, "hall.db"), engine.Options{Catalog: cat, Now: func() time.Time { return morning }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { eng.Close() })
	reg, err := registry.Open(filepath.Join(dir, "registry.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { reg.Close() })
	csv, err := os.ReadFile("../../assets/registry-demo.csv")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := reg.ImportCSV(ctx, bytes.NewReader(csv)); err != nil {
		t.Fatal(err)
	}
	inv, err := adapters.OpenInvoices(filepath.Join(dir, "invoices.db"), pii.NewHasher([]byte("0123456789abcdef-ui-test")))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { inv.Close() })
	if _, err := inv.ImportCSV(ctx, bytes.NewReader(adapters.DemoInvoicesCSV)); err != nil {
		t.Fatal(err)
	}

	r := &simRig{psim: printersim.New(nil), csim: idcardsim.New(0), ssim: scannersim.New(0)}
	ppath := pty(t, func(ctx context.Context, m *os.File) { r.psim.Run(ctx, m) })
	cpath := pty(t, func(ctx context.Context, m *os.File) { r.csim.Run(ctx, m) })
	spath := pty(t, func(ctx context.Context, m *os.File) { r.ssim.Run(ctx, m) })
	pconn, err := printer.OpenSerial(ppath, 115200)
	if err != nil {
		t.Fatal(err)
	}
	p := printer.New(pconn, nil)
	t.Cleanup(func() { p.Close() })
	cport, err := serialport.Open(cpath, 115200)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cport.Close() })
	card, err := idcard.New(cport, nil)
	if err != nil {
		t.Fatal(err)
	}
	sport, err := serialport.Open(spath, 9600)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sport.Close() })
	scan, err := scanner.New(sport, nil)
	if err != nil {
		t.Fatal(err)
	}
	codes := adapters.NewCodes(scan.Codes())
	t.Cleanup(func() { codes.Close(); scan.Close() })

	ea := &adapters.Engine{E: eng, Device: "kiosk-ui-test"}
	pa := &adapters.Printer{P: p, Hall: cat.Hall.Name}
	f := flow.New(flow.Deps{
		Catalogue: adapters.Catalogue{C: cat}, Issuer: ea, Status: ea, Appointments: ea, Rater: ea,
		Printer: pa, SlipPrinter: pa, TestPrinter: pa, Reader: adapters.CardReader{Dev: card}, Codes: codes,
		Faults: adapters.Faults{Printer: pa},
		Resolver: adapters.Resolver{Parser: &credential.Parser{}, Registry: adapters.RegistryLookup{Local: reg,
			Now: func() time.Time { return morning }}},
		Invoices: inv,
	}, flow.Options{HallName: "玉门市民中心", PIN: "2468"})
	t.Cleanup(f.Close)
	if err := f.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	a := test.NewTempApp(t)
	clock := &tapClock{now: morning}
	r.uiRig = &uiRig{f: f, clock: clock, k: New(a, f, Options{Do: func(func()) {}, Now: clock.Now})}
	r.k.Win.Resize(r.k.opt.Size())
	return r
}

func TestSimulatorsTicketDocumentInvoice(t *testing.T) {
	r := newSimUI(t)
	ctx := context.Background()
	r.golden(t, "sim-home")

	// Three taps: zone, service, ticket on paper.
	r.tap(t, "zone:assist")
	r.tap(t, "service:enquiry")
	r.waitFor(t, flow.ScreenTicket)
	r.golden(t, "sim-ticket")
	if n := len(r.psim.Jobs()); n != 1 {
		t.Fatalf("printer simulator got %d jobs", n)
	}
	r.tap(t, "home")

	// Real name with the simulated reader.
	r.tap(t, "zone:police")
	r.tap(t, "service:household")
	r.waitFor(t, flow.ScreenRealName)
	if err := r.csim.Place("resident1"); err != nil {
		t.Fatal(err)
	}
	r.waitFor(t, flow.ScreenTicket)
	if got := r.f.State().Person; got != "李**" {
		t.Fatalf("person %q", got)
	}
	r.csim.Remove()
	r.tap(t, "home")

	// Paper out (issue 12 changed this): the printer is asked before a
	// number is taken, so the citizen is told 缺纸 and no number is burnt;
	// home then shows the ticket tiles paused. Paper back: a ticket again.
	issued := len(r.psim.Jobs())
	r.psim.Set(func(s *printersim.State) { s.PaperOut = true })
	r.tap(t, "zone:assist")
	r.tap(t, "service:enquiry")
	r.waitFor(t, flow.ScreenMessage)
	if m := r.f.State().Message; m != "msg.paperout" {
		t.Fatalf("paper out: message %q", m)
	}
	if n := len(r.psim.Jobs()); n != issued {
		t.Fatalf("paper out: %d jobs, want %d", n, issued)
	}
	r.tap(t, "home")
	r.waitFor(t, flow.ScreenHome)
	if tl := r.k.Current().Tiles["zone:assist"]; !tl.Disabled || tl.Sub != "暂停取号（缺纸）" {
		t.Fatalf("home with the printer out of paper: tile disabled %v, %q", tl.Disabled, tl.Sub)
	}
	r.psim.Set(func(s *printersim.State) { s.PaperOut = false })
	_ = r.f.Refresh(ctx) // the 10 s status refresh: the printer is asked again
	r.k.Refresh()
	r.tap(t, "zone:assist")
	r.tap(t, "service:enquiry")
	r.waitFor(t, flow.ScreenTicket)
	r.tap(t, "home")

	// A 一照通 licence scanned by the simulated scanner module.
	r.tap(t, "scan")
	r.waitFor(t, flow.ScreenScan)
	waitCodes := func() {
		// NextCode must be waiting before the code is typed.
		time.Sleep(50 * time.Millisecond)
	}
	waitCodes()
	if err := r.ssim.Scan(ctx, "https://zzlz.gsxt.gov.cn/businessCheck/verifKey.do?showType=p&serial=91620981MA72BC4D2N-SAIC_SHOW_1&signData=x"); err != nil {
		t.Fatal(err)
	}
	r.waitFor(t, flow.ScreenDocument)
	r.golden(t, "sim-document")
	if d := r.f.State().Document; d.Title != "玉门市福康大药房有限公司" || len(d.Permits) != 2 {
		t.Fatalf("document %+v", d)
	}
	r.tap(t, "home")

	// Invoice pickup with the simulated card.
	r.tap(t, "invoice")
	r.waitFor(t, flow.ScreenInvoiceID)
	r.csim.Place("resident1")
	r.waitFor(t, flow.ScreenInvoices)
	r.golden(t, "sim-invoices")
	r.csim.Remove()
	r.tap(t, "invoice:0")
	r.tap(t, "collect")
	r.waitFor(t, flow.ScreenInvoiceDone)
	if n := len(r.psim.Jobs()); n != 4 {
		t.Fatalf("printer simulator got %d jobs, want 4 (3 tickets, 1 slip)", n)
	}
}
