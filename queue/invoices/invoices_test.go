package invoices

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"hallkiosk/internal/pii"
)

const (
	li = "620982199003070021"
	ma = "62098219601120003x" // lower-case x: the same person as ...03X
)

func open(t testing.TB) (*Store, string) {
	path := filepath.Join(t.TempDir(), "invoices.db")
	s, err := Open(path, pii.NewHasher([]byte("0123456789abcdef-test")))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s, path
}

func TestImportPendingCollect(t *testing.T) {
	ctx := context.Background()
	s, path := open(t)
	n, err := s.ImportCSV(ctx, bytes.NewReader(DemoCSV))
	if err != nil || n != 4 {
		t.Fatalf("import: %d %v", n, err)
	}
	if n, err := s.ImportCSV(ctx, bytes.NewReader(DemoCSV)); n != 0 || err != nil {
		t.Fatalf("second import added %d (%v)", n, err)
	}
	list, err := s.Pending(ctx, li)
	if err != nil || len(list) != 3 || list[0].Issued != "2026-11-20" || list[0].Amount != "1280.00" {
		t.Fatalf("pending: %+v %v", list, err)
	}
	if l, _ := s.Pending(ctx, ma); len(l) != 1 {
		t.Fatalf("ma pending %d", len(l))
	}
	if _, err := s.Collect(ctx, ma, []string{list[0].Number}); !errors.Is(err, ErrNotWaiting) {
		t.Fatalf("collect another holder's invoice: %v", err)
	}
	// One bad number refuses the whole pickup.
	if _, err := s.Collect(ctx, li, []string{list[0].Number, "99999999999"}); !errors.Is(err, ErrNotWaiting) {
		t.Fatalf("collect with unknown number: %v", err)
	}
	if l, _ := s.Pending(ctx, li); len(l) != 3 {
		t.Fatalf("refused pickup marked invoices: %d left", len(l))
	}
	code, err := s.Collect(ctx, li, []string{list[0].Number, list[2].Number})
	if err != nil || len(code) != 7 || code[0] != 'P' {
		t.Fatalf("collect: %q %v", code, err)
	}
	if _, err := s.Collect(ctx, li, []string{list[0].Number}); !errors.Is(err, ErrNotWaiting) {
		t.Fatalf("collect twice: %v", err)
	}
	if l, _ := s.Pending(ctx, li); len(l) != 1 || l[0].Number != list[1].Number {
		t.Fatalf("after collect: %+v", l)
	}
	s.Close()
	assertNoRawID(t, path)
}

// assertNoRawID checks the database files for the demo ID numbers.
func assertNoRawID(t *testing.T, path string) {
	t.Helper()
	for _, p := range []string{path, path + "-wal"} {
		b, err := os.ReadFile(p)
		if err != nil && !os.IsNotExist(err) {
			t.Fatal(err)
		}
		for _, id := range []string{li, "620982196011200", "620982199003"} {
			if bytes.Contains(b, []byte(id)) {
				t.Fatalf("%s holds a raw ID number", filepath.Base(p))
			}
		}
	}
}

func TestImportRejectsBadRows(t *testing.T) {
	s, _ := open(t)
	head := CSVHeader + "\n"
	for _, bad := range []string{
		"id,number\n",
		"",
		head + li + ",123,某店,1.00,2026-11-20\n",
		head + li + ",24622000000012345678,某店,1,2026-11-20\n",
		head + li + ",24622000000012345678,某店,1.00,20/11/2026\n",
		head + "1,24622000000012345678,某店,1.00,2026-11-20\n",
		head + li + ",24622000000012345678,,1.00,2026-11-20\n",
		head + li + ",24622000000012345678,某店,1.00\n",
		head + li + ",24622000000012345678,\"某店,1.00,2026-11-20\n",
	} {
		_, err := s.ImportCSV(context.Background(), strings.NewReader(bad))
		if !errors.Is(err, ErrInvalid) {
			t.Errorf("%q: %v", bad, err)
		}
		if err != nil && strings.Contains(err.Error(), li) {
			t.Errorf("error shows the ID number: %v", err)
		}
	}
	if l, _ := s.Pending(context.Background(), li); len(l) != 0 {
		t.Fatal("bad import stored rows")
	}
	// A good first row does not survive a bad later one.
	_, err := s.ImportCSV(context.Background(), strings.NewReader(head+li+",24622000000012345678,某店,1.00,2026-11-20\n"+li+",x,某店,1.00,2026-11-20\n"))
	if err == nil || !strings.Contains(err.Error(), "line 3") {
		t.Fatalf("want line 3 error, got %v", err)
	}
	if l, _ := s.Pending(context.Background(), li); len(l) != 0 {
		t.Fatal("half a bad file stored")
	}
}

func FuzzParseCSV(f *testing.F) {
	f.Add(DemoCSV)
	f.Add([]byte(CSVHeader + "\n" + li + ",24622000000012345678,\"a,\"\"b\",1.00,2026-11-20\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		recs, err := ParseCSV(bytes.NewReader(data))
		if err != nil {
			if recs != nil {
				t.Fatal("records with an error")
			}
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("error not ErrInvalid: %v", err)
			}
			return
		}
		for _, r := range recs {
			if err := r.Validate(); err != nil {
				t.Fatalf("parsed an invalid record: %v", err)
			}
		}
	})
}

func TestPurgeCollected(t *testing.T) {
	ctx := context.Background()
	s, _ := open(t)
	if _, err := s.ImportCSV(ctx, bytes.NewReader(DemoCSV)); err != nil {
		t.Fatal(err)
	}
	list, _ := s.Pending(ctx, li)
	day0 := time.Date(2026, 11, 1, 10, 0, 0, 0, time.UTC)
	s.SetClock(func() time.Time { return day0 })
	if _, err := s.Collect(ctx, li, []string{list[0].Number}); err != nil {
		t.Fatal(err)
	}
	s.SetClock(func() time.Time { return day0.AddDate(0, 0, 20) })
	if _, err := s.Collect(ctx, li, []string{list[1].Number}); err != nil {
		t.Fatal(err)
	}
	n, err := s.PurgeCollected(ctx, day0.AddDate(0, 0, 10))
	if err != nil || n != 1 {
		t.Fatalf("purge: %d %v", n, err)
	}
	holders := map[string]string{}
	rows, err := s.db.Query(`SELECT number, holder || '|' || coalesce(code,'') FROM invoices`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var num, h string
		rows.Scan(&num, &h)
		holders[num] = h
	}
	rows.Close()
	if holders[list[0].Number] != "|" {
		t.Errorf("old pickup keeps holder or code: %q", holders[list[0].Number])
	}
	if holders[list[1].Number] == "|" || holders[list[2].Number] == "|" {
		t.Error("recent pickup or waiting invoice lost its holder")
	}
	if l, _ := s.Pending(ctx, li); len(l) != 1 || l[0].Number != list[2].Number {
		t.Fatalf("pending after purge: %+v", l)
	}
	if n, _ := s.ImportCSV(ctx, bytes.NewReader(DemoCSV)); n != 0 {
		t.Fatalf("import after purge added %d", n)
	}
}

func TestCSVFeedRereadsOnChange(t *testing.T) {
	ctx := context.Background()
	s, _ := open(t)
	path := filepath.Join(t.TempDir(), "export.csv")
	head := CSVHeader + "\n"
	row1 := li + ",24622000000000000001,玉门市甲店,10.00,2026-11-01\n"
	row2 := li + ",24622000000000000002,玉门市乙店,20.00,2026-11-02\n"
	if err := os.WriteFile(path, []byte(head+row1), 0o644); err != nil {
		t.Fatal(err)
	}
	feed := &CSVFeed{Path: path}
	if n, err := SyncOnce(ctx, s, feed); n != 1 || err != nil {
		t.Fatalf("first sync: %d %v", n, err)
	}
	if recs, err := feed.Fetch(ctx); recs != nil || err != nil {
		t.Fatalf("unchanged file fetched again: %d %v", len(recs), err)
	}
	// A broken export is reported, and the good one after it imported.
	os.WriteFile(path, []byte("garbage\n"), 0o644)
	if _, err := SyncOnce(ctx, s, feed); !errors.Is(err, ErrInvalid) {
		t.Fatalf("broken export: %v", err)
	}
	os.WriteFile(path, []byte(head+row1+row2), 0o644)
	if n, err := SyncOnce(ctx, s, feed); n != 1 || err != nil {
		t.Fatalf("changed file: %d %v", n, err)
	}
	if l, _ := s.Pending(ctx, li); len(l) != 2 {
		t.Fatalf("pending %d", len(l))
	}
	os.Remove(path)
	if _, err := SyncOnce(ctx, s, feed); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("missing export: %v", err)
	}
}

func TestSyncDemoFeed(t *testing.T) {
	s, _ := open(t)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); Sync(ctx, s, &DemoFeed{}, time.Hour, nil) }()
	deadline := time.Now().Add(10 * time.Second)
	for {
		if l, _ := s.Pending(context.Background(), li); len(l) == 3 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("demo feed not imported")
		}
		time.Sleep(20 * time.Millisecond)
	}
	cancel()
	<-done
	// The demo feed serves once.
	if recs, err := (&DemoFeed{}).Fetch(ctx); len(recs) != 4 || err != nil {
		t.Fatalf("demo feed: %d %v", len(recs), err)
	}
}
