package adapters

import (
	"bytes"
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"hallkiosk/internal/pii"
	"hallkiosk/kiosk/flow"
)

func openInvoices(t testing.TB) *Invoices {
	x, err := OpenInvoices(filepath.Join(t.TempDir(), "invoices.db"), pii.NewHasher([]byte("0123456789abcdef-test")))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { x.Close() })
	return x
}

func TestInvoicesImportPendingCollect(t *testing.T) {
	ctx := context.Background()
	x := openInvoices(t)
	n, err := x.ImportCSV(ctx, bytes.NewReader(DemoInvoicesCSV))
	if err != nil || n != 4 {
		t.Fatalf("import: %d %v", n, err)
	}
	if n, _ := x.ImportCSV(ctx, bytes.NewReader(DemoInvoicesCSV)); n != 0 {
		t.Fatalf("second import added %d", n)
	}
	li := flow.Citizen{Name: "李玉梅", IDNumber: "620982199003070021"}
	ma := flow.Citizen{Name: "马建国", IDNumber: "62098219601120003x"} // lower-case x: same person
	list, err := x.PendingInvoices(ctx, li)
	if err != nil || len(list) != 3 {
		t.Fatalf("pending: %v %v", list, err)
	}
	if l, _ := x.PendingInvoices(ctx, ma); len(l) != 1 {
		t.Fatalf("ma pending %d", len(l))
	}
	if _, err := x.MarkCollected(ctx, ma, []string{list[0].ID}); !errors.Is(err, flow.ErrNotFound) {
		t.Fatalf("collect another holder's invoice: %v", err)
	}
	code, err := x.MarkCollected(ctx, li, []string{list[0].ID, list[2].ID})
	if err != nil || len(code) != 7 || code[0] != 'P' {
		t.Fatalf("collect: %q %v", code, err)
	}
	if l, _ := x.PendingInvoices(ctx, li); len(l) != 1 || l[0].ID != list[1].ID {
		t.Fatalf("after collect: %+v", l)
	}
	var stored int
	x.db.QueryRow(`SELECT count(*) FROM invoices WHERE holder LIKE '%620982%'`).Scan(&stored)
	if stored != 0 {
		t.Fatal("raw ID number stored")
	}
}

func TestInvoicesImportRejectsBadRows(t *testing.T) {
	x := openInvoices(t)
	head := "id_number,number,seller,amount,issued\n"
	for _, bad := range []string{
		"id,number\n",
		head + "620982199003070021,123,某店,1.00,2026-11-20\n",
		head + "620982199003070021,24622000000012345678,某店,1,2026-11-20\n",
		head + "620982199003070021,24622000000012345678,某店,1.00,20/11/2026\n",
		head + "1,24622000000012345678,某店,1.00,2026-11-20\n",
		head + "620982199003070021,24622000000012345678,,1.00,2026-11-20\n",
	} {
		if _, err := x.ImportCSV(context.Background(), strings.NewReader(bad)); err == nil {
			t.Errorf("accepted %q", bad)
		}
	}
	if l, _ := x.PendingInvoices(context.Background(), flow.Citizen{IDNumber: "620982199003070021"}); len(l) != 0 {
		t.Fatal("bad import stored rows")
	}
}

func FuzzInvoicesImportCSV(f *testing.F) {
	f.Add(DemoInvoicesCSV)
	f.Add([]byte("id_number,number,seller,amount,issued\n620982199003070021,24622000000012345678,\"a,\"\"b\",1.00,2026-11-20\n"))
	x := openInvoices(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		n, err := x.ImportCSV(context.Background(), bytes.NewReader(data))
		if err != nil && n != 0 {
			t.Fatalf("error with %d rows", n)
		}
	})
}

func TestInvoicesPurgeCollected(t *testing.T) {
	ctx := context.Background()
	x := openInvoices(t)
	if _, err := x.ImportCSV(ctx, bytes.NewReader(DemoInvoicesCSV)); err != nil {
		t.Fatal(err)
	}
	li := flow.Citizen{Name: "李玉梅", IDNumber: "620982199003070021"}
	list, err := x.PendingInvoices(ctx, li)
	if err != nil || len(list) != 3 {
		t.Fatalf("pending: %v %v", list, err)
	}
	day0 := time.Date(2026, 11, 1, 10, 0, 0, 0, time.UTC)
	x.now = func() time.Time { return day0 }
	if _, err := x.MarkCollected(ctx, li, []string{list[0].ID}); err != nil {
		t.Fatal(err)
	}
	x.now = func() time.Time { return day0.AddDate(0, 0, 20) }
	if _, err := x.MarkCollected(ctx, li, []string{list[1].ID}); err != nil {
		t.Fatal(err)
	}
	n, err := x.PurgeCollected(ctx, day0.AddDate(0, 0, 10))
	if err != nil || n != 1 {
		t.Fatalf("purge: %d %v", n, err)
	}
	holders := map[string]string{}
	rows, err := x.db.Query(`SELECT number, holder || '|' || coalesce(code,'') FROM invoices`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var num, h string
		rows.Scan(&num, &h)
		holders[num] = h
	}
	rows.Close()
	if holders[list[0].ID] != "|" {
		t.Errorf("old pickup keeps holder or code: %q", holders[list[0].ID])
	}
	if holders[list[1].ID] == "|" || holders[list[2].ID] == "|" {
		t.Error("recent pickup or waiting invoice lost its holder")
	}
	// The waiting invoice is still found; a repeated import adds nothing back.
	if l, _ := x.PendingInvoices(ctx, li); len(l) != 1 || l[0].ID != list[2].ID {
		t.Fatalf("pending after purge: %+v", l)
	}
	if n, _ := x.ImportCSV(ctx, bytes.NewReader(DemoInvoicesCSV)); n != 0 {
		t.Fatalf("import after purge added %d", n)
	}
}
