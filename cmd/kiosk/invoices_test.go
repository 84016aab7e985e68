package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"hallkiosk/drivers/idcard/idcardsim"
	"hallkiosk/drivers/serialtest"
	"hallkiosk/internal/config"
	"hallkiosk/internal/pii"
	"hallkiosk/kiosk/flow"
	"hallkiosk/queue/catalog"
	"hallkiosk/queue/engine"
	"hallkiosk/queue/hallapi"
	"hallkiosk/queue/invoices"
)

// cardReader plays the simulated ID card reader on a pty and returns the
// [idcard] lines for the kiosk's configuration.
func cardReader(t *testing.T) (*idcardsim.Sim, string) {
	t.Helper()
	pty, err := serialtest.OpenPTY()
	if err != nil {
		t.Skip("no pty:", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	sim := idcardsim.New(0)
	done := make(chan struct{})
	go func() { defer close(done); sim.Run(ctx, pty.Master) }()
	t.Cleanup(func() { cancel(); pty.Master.Close(); <-done })
	return sim, fmt.Sprintf("[idcard]\nport = %s\n", pty.SlavePath)
}

// invoiceHall is a real hall API over a real engine with the invoice desk
// mounted as hallserver mounts it, holding the demo invoices.
func invoiceHall(t *testing.T, key string) (*httptest.Server, *invoices.Store) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	dir := t.TempDir()
	e, err := engine.Open(ctx, filepath.Join(dir, "hall.db"), engine.Options{Catalog: catalog.Default()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.Close() })
	api, err := hallapi.New(ctx, e, hallapi.Config{Kiosks: map[string]string{"kiosk-01": key}})
	if err != nil {
		t.Fatal(err)
	}
	st, err := invoices.Open(filepath.Join(dir, "invoices.db"), pii.NewHasher([]byte("hall-key-0123456789abcdef")))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if _, err := st.ImportCSV(ctx, bytes.NewReader(invoices.DemoCSV)); err != nil {
		t.Fatal(err)
	}
	api.Handle("/api/v1/invoices/", invoices.Handler(st, invoices.HandlerOpts{Prefix: "/api/v1/invoices/",
		AllowKiosk: func(r *http.Request) bool { return api.DeviceOf(r) != "" }}))
	go api.Run(ctx)
	srv := httptest.NewServer(api)
	t.Cleanup(srv.Close)
	return srv, st
}

// TestHeadlessHallModeInvoices: a kiosk in a hall lists the card holder's
// invoices from the hall's desk, prints the pickup slip, and the hall
// marks them collected.
func TestHeadlessHallModeInvoices(t *testing.T) {
	if testing.Short() {
		t.Skip("starts the whole kiosk")
	}
	srv, st := invoiceHall(t, "k3y-k3y-k3y-k3y")
	card, cardConf := cardReader(t)
	base, sim, log := headless(t, fmt.Sprintf("[hall]\nurl = %s\nkey = k3y-k3y-k3y-k3y\n%s", srv.URL, cardConf))
	c := controlClient{t, base, log}
	c.waitScreen("home")
	if err := card.Place("resident1"); err != nil {
		t.Fatal(err)
	}
	c.tap("invoice")
	s := c.waitScreen("invoices", "message")
	if s.Screen != "invoices" || s.Invoices != 3 {
		t.Fatalf("state %+v; log:\n%s", s, log.String())
	}
	c.tap("invoice:1") // leave the second one for later
	c.tap("collect")
	if s := c.waitScreen("invoicedone", "message"); s.Screen != "invoicedone" {
		t.Fatalf("state %+v; log:\n%s", s, log.String())
	}
	if n := len(sim.Jobs()); n != 1 {
		t.Fatalf("printer got %d jobs", n)
	}
	left, err := st.Pending(context.Background(), "620982199003070021")
	if err != nil || len(left) != 1 || left[0].Number != "24622000000012345679" {
		t.Fatalf("hall after pickup: %+v %v", left, err)
	}
	if strings.Contains(log.String(), "620982199003070021") {
		t.Error("kiosk log holds the ID number")
	}
}

// TestHeadlessHallWithoutInvoiceDesk: a hall that does not offer the desk
// gives the error message after the card is read, not a crash.
func TestHeadlessHallWithoutInvoiceDesk(t *testing.T) {
	if testing.Short() {
		t.Skip("starts the whole kiosk")
	}
	old := httptest.NewServer(http.NotFoundHandler())
	defer old.Close()
	card, cardConf := cardReader(t)
	base, sim, log := headless(t, fmt.Sprintf("[hall]\nurl = %s\n%s", old.URL, cardConf))
	c := controlClient{t, base, log}
	c.waitScreen("home")
	card.Place("resident1")
	c.tap("invoice")
	if s := c.waitScreen("invoices", "message"); s.Screen != "message" || s.Message != "invoice.unavailable" {
		t.Fatalf("state %+v", s)
	}
	if len(sim.Jobs()) != 0 {
		t.Fatal("printed a slip")
	}
	if !strings.Contains(log.String(), "no invoice desk") {
		t.Errorf("log does not say why:\n%s", log.String())
	}
}

// TestInvoicesImportOnlyStandalone: invoices.import in hall mode is a
// configuration error naming the key; standalone it is imported.
func TestInvoicesImportOnlyStandalone(t *testing.T) {
	dir := t.TempDir()
	cfg := defaults()
	cfg.Kiosk.DataDir = dir
	cfg.Invoices.Import = "demo"
	var ce *config.Error
	if _, _, err := openInvoices(context.Background(), cfg, nil, nil, slog.New(slog.DiscardHandler)); !errors.As(err, &ce) || ce.Key != "invoices.import" {
		t.Fatalf("hall mode with invoices.import: %v", err)
	}
	cfg.Kiosk.Standalone = true
	k := &kiosk{cfg: cfg, log: slog.New(slog.DiscardHandler), cat: catalog.Default(), health: &health{}}
	box, err := startHall(context.Background(), k) // the standalone box's own hall
	if err != nil {
		t.Fatal(err)
	}
	defer k.Close()
	desk, closeDesk, err := openInvoices(context.Background(), cfg, box, nil, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer closeDesk()
	list, err := desk.PendingInvoices(context.Background(), flow.Citizen{IDNumber: "620982199003070021"})
	if err != nil || len(list) != 3 {
		t.Fatalf("standalone desk after import: %d %v", len(list), err)
	}
}
