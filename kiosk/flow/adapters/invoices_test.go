package adapters

import (
	"bytes"
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	"hallkiosk/internal/pii"
	"hallkiosk/kiosk/flow"
	"hallkiosk/queue/catalog"
	"hallkiosk/queue/engine"
	"hallkiosk/queue/hallapi"
	"hallkiosk/queue/invoices"
)

var (
	invLi = flow.Citizen{Name: "李玉梅", IDNumber: "620982199003070021"}
	invMa = flow.Citizen{Name: "马建国", IDNumber: "62098219601120003x"} // lower-case x: same person
)

func openInvoices(t testing.TB) *Invoices {
	x, err := OpenInvoices(filepath.Join(t.TempDir(), "invoices.db"), pii.NewHasher([]byte("0123456789abcdef-test")))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { x.Close() })
	return x
}

// deskContract runs list, collect, collect again and another holder's
// pickup against any invoice desk holding the demo invoices.
func deskContract(t *testing.T, d flow.InvoiceDesk) {
	t.Helper()
	ctx := context.Background()
	list, err := d.PendingInvoices(ctx, invLi)
	if err != nil || len(list) != 3 || list[0].Issued.IsZero() || list[0].Seller == "" || list[0].ID != list[0].Number {
		t.Fatalf("pending: %+v %v", list, err)
	}
	if l, err := d.PendingInvoices(ctx, invMa); err != nil || len(l) != 1 {
		t.Fatalf("ma pending %d %v", len(l), err)
	}
	if _, err := d.MarkCollected(ctx, invMa, []string{list[0].ID}); !errors.Is(err, flow.ErrNotFound) {
		t.Fatalf("collect another holder's invoice: %v", err)
	}
	code, err := d.MarkCollected(ctx, invLi, []string{list[0].ID, list[2].ID})
	if err != nil || len(code) != 7 || code[0] != 'P' {
		t.Fatalf("collect: %q %v", code, err)
	}
	if _, err := d.MarkCollected(ctx, invLi, []string{list[0].ID}); !errors.Is(err, flow.ErrNotFound) {
		t.Fatalf("collect again: %v", err)
	}
	if l, _ := d.PendingInvoices(ctx, invLi); len(l) != 1 || l[0].ID != list[1].ID {
		t.Fatalf("after collect: %+v", l)
	}
}

func TestInvoicesLocal(t *testing.T) {
	x := openInvoices(t)
	if n, err := x.ImportCSV(context.Background(), bytes.NewReader(DemoInvoicesCSV)); err != nil || n != 4 {
		t.Fatalf("import: %d %v", n, err)
	}
	deskContract(t, x)
	if n, err := x.PurgeCollected(context.Background(), time.Now().Add(time.Hour)); err != nil || n != 2 {
		t.Fatalf("purge: %d %v", n, err)
	}
}

// invoiceHall runs the real hall API with the invoice desk mounted as
// hallserver mounts it (kiosk key or demo for pending/collect) on loopback.
func invoiceHall(t *testing.T, kiosks map[string]string) (*httptest.Server, string) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	dir := t.TempDir()
	e, err := engine.Open(ctx, filepath.Join(dir, "hall.db"), engine.Options{Catalog: catalog.Default()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.Close() })
	s, err := hallapi.New(ctx, e, hallapi.Config{Kiosks: kiosks})
	if err != nil {
		t.Fatal(err)
	}
	dbPath := filepath.Join(dir, "invoices.db")
	st, err := invoices.Open(dbPath, pii.NewHasher([]byte("hall-key-0123456789abcdef")))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if _, err := st.ImportCSV(ctx, bytes.NewReader(invoices.DemoCSV)); err != nil {
		t.Fatal(err)
	}
	s.Handle("/api/v1/invoices/", invoices.Handler(st, invoices.HandlerOpts{Prefix: "/api/v1/invoices/",
		AllowKiosk: func(r *http.Request) bool { return s.DeviceOf(r) != "" || s.Demo() }}))
	go s.Run(ctx)
	srv := httptest.NewServer(s)
	t.Cleanup(srv.Close)
	return srv, dbPath
}

func TestHallInvoices(t *testing.T) {
	srv, dbPath := invoiceHall(t, map[string]string{"kiosk-7": "s3cret-s3cret-s3cret"})
	d := HallInvoices{Hall: &Hall{URL: srv.URL, Device: "kiosk-7", Secret: "s3cret-s3cret-s3cret"}}
	deskContract(t, d)
	// A kiosk without the key is refused (not a crash, not "nothing waiting").
	bad := HallInvoices{Hall: &Hall{URL: srv.URL, Device: "kiosk-7", Secret: "wrong"}}
	if l, err := bad.PendingInvoices(context.Background(), invLi); err == nil || l != nil {
		t.Fatalf("wrong key: %v %v", l, err)
	}
	// The raw ID number never reaches the hall's database files.
	for _, p := range []string{dbPath, dbPath + "-wal"} {
		b, err := os.ReadFile(p)
		if err != nil && !os.IsNotExist(err) {
			t.Fatal(err)
		}
		if bytes.Contains(b, []byte("620982199003070021")) || bytes.Contains(b, []byte("62098219601120003")) {
			t.Fatalf("%s holds a raw ID number", filepath.Base(p))
		}
	}
}

func TestHallInvoicesUnavailable(t *testing.T) {
	ctx := context.Background()
	// A hall without the desk: the route is missing (plain 404).
	now := wedMorning
	old := hallServer(t, &now, nil)
	d := HallInvoices{Hall: &Hall{URL: old.URL, Device: "kiosk-7"}}
	if _, err := d.PendingInvoices(ctx, invLi); !errors.Is(err, flow.ErrUnavailable) {
		t.Fatalf("hall without desk: %v", err)
	}
	if _, err := d.MarkCollected(ctx, invLi, []string{"24622000000012345678"}); !errors.Is(err, flow.ErrUnavailable) {
		t.Fatalf("hall without desk, collect: %v", err)
	}
	// An unreachable hall: a closed port.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	d = HallInvoices{Hall: &Hall{URL: "http://" + addr, Device: "kiosk-7", Client: &http.Client{Timeout: 2 * time.Second}}}
	if _, err := d.PendingInvoices(ctx, invLi); !errors.Is(err, flow.ErrUnavailable) {
		t.Fatalf("unreachable hall: %v", err)
	}
}
