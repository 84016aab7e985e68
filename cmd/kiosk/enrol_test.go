package main

import (
	"context"
	"crypto/tls"
	"fmt"
	"log/slog"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"hallkiosk/kiosk/store"
	"hallkiosk/queue/catalog"
	"hallkiosk/queue/engine"
	"hallkiosk/queue/hallapi"
	qsync "hallkiosk/queue/sync"
)

// TestEnrolledKioskUsesThePinnedHall: a hall serving its API over TLS with
// its own self-signed certificate, as hallserver's tls_listen does; the
// kiosk enrols with a one-time code (as `kioskctl sync enrol` does), then
// takes a real-name ticket with the ID card over hall.url = https://…: the
// ID number reaches the hall only through the pinned certificate, and the
// hall holds the masked name, never the number.
func TestEnrolledKioskUsesThePinnedHall(t *testing.T) {
	if testing.Short() {
		t.Skip("starts the whole kiosk")
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	hallDir := t.TempDir()
	e, err := engine.Open(ctx, filepath.Join(hallDir, "hall.db"), engine.Options{Catalog: catalog.Default()})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	api, err := hallapi.New(ctx, e, hallapi.Config{Kiosks: map[string]string{"kiosk-01": "k3y-of-kiosk-01"}})
	if err != nil {
		t.Fatal(err)
	}
	go api.Run(ctx)
	cert, fp, err := qsync.LoadOrCreateCert(hallDir, "127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	hs, err := qsync.OpenHallSync(filepath.Join(hallDir, "sync.db"), qsync.NewEngineHall(e, slog.New(slog.DiscardHandler)), fp,
		&qsync.HallOptions{Zone: e.Location(), HallName: "测试大厅"})
	if err != nil {
		t.Fatal(err)
	}
	defer hs.Close()
	api.Handle(qsync.Prefix, qsync.NewHallHandler(hs))
	srv := httptest.NewUnstartedServer(api)
	srv.TLS = &tls.Config{Certificates: []tls.Certificate{cert}}
	srv.StartTLS()
	defer srv.Close()

	// Enrol the kiosk's store before the kiosk starts.
	dir := t.TempDir()
	code, err := hs.IssueEnrolmentCode(ctx, "kiosk-e2e", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	os.MkdirAll(filepath.Join(dir, "data"), 0o750)
	st, err := store.Open(filepath.Join(dir, "data", "kiosk.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := qsync.NewClient(st, &qsync.ClientOptions{Timeout: 10 * time.Second}).Enrol(ctx, srv.URL, code, "kiosk-e2e"); err != nil {
		t.Fatalf("enrol: %v", err)
	}
	st.Close()

	card, cardConf := cardReader(t)
	base, _, log := headlessIn(t, dir, fmt.Sprintf("[hall]\nurl = %s\nkey = k3y-of-kiosk-01\n%s", srv.URL, cardConf))
	c := controlClient{t, base, log}
	c.waitScreen("home")
	if s := c.state(); !s.Online {
		t.Fatalf("hall not online over the pinned TLS: %+v\n%s", s, log.String())
	}
	if !strings.Contains(log.String(), "pinned at enrolment") {
		t.Errorf("kiosk did not use the pinned client:\n%s", log.String())
	}
	c.tap("zone:tax")
	c.tap("service:tax-invoice")
	c.waitScreen("realname")
	card.Place("resident1")
	s := c.waitScreen("ticket", "printfailed", "message")
	if s.Screen != "ticket" || s.Person != "李**" {
		t.Fatalf("state %+v\n%s", s, log.String())
	}
	ts, err := e.Tickets(ctx, e.Today())
	if err != nil || len(ts) != 1 || ts[0].NameMasked != "李**" || ts[0].Label != s.Ticket {
		t.Fatalf("hall tickets %+v, %v", ts, err)
	}
	for _, f := range []string{"hall.db", "hall.db-wal", "sync.db", "sync.db-wal"} {
		if b, err := os.ReadFile(filepath.Join(hallDir, f)); err == nil && strings.Contains(string(b), "620982199003070021") {
			t.Errorf("ID number stored in the hall's %s", f)
		}
	}
	if strings.Contains(log.String(), "620982199003070021") {
		t.Error("ID number in the kiosk's log")
	}
}
