package main

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	qsync "hallkiosk/queue/sync"
)

func TestSyncCommands(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	cert, fp, err := qsync.LoadOrCreateCert(dir)
	if err != nil {
		t.Fatal(err)
	}
	hall, err := qsync.OpenSQLHall(filepath.Join(dir, "hall.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer hall.Close()
	hs, err := qsync.OpenHallSync(filepath.Join(dir, "sync.db"), hall, fp, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer hs.Close()
	srv := httptest.NewUnstartedServer(qsync.NewHallHandler(hs))
	srv.TLS = &tls.Config{Certificates: []tls.Certificate{cert}}
	srv.StartTLS()
	defer srv.Close()
	data := filepath.Join(dir, "kiosk")

	var out, errb bytes.Buffer
	if err := run(ctx, []string{"sync", "status", "--data", data}, &out, &errb); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "enrolled: false") {
		t.Fatalf("status before enrolment:\n%s", out.String())
	}
	if err := run(ctx, []string{"sync", "once", "--data", data}, &out, &errb); err == nil || !strings.Contains(err.Error(), "not enrolled") {
		t.Fatalf("sync once before enrolment: %v", err)
	}
	if err := run(ctx, []string{"sync", "enrol", "--data", data, "--hall", srv.URL}, &out, &errb); err == nil {
		t.Fatal("enrol without code accepted")
	}
	code, _ := hs.IssueEnrolmentCode(ctx, "k1", 0)
	out.Reset()
	if err := run(ctx, []string{"sync", "enrol", "--data", data, "--hall", srv.URL, "--code", code, "--name", "大厅1号机"}, &out, &errb); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "enrolled k-") {
		t.Fatalf("enrol output: %s", out.String())
	}
	out.Reset()
	if err := run(ctx, []string{"sync", "once", "--data", data, "--json"}, &out, &errb); err != nil {
		t.Fatal(err)
	}
	var r syncReport
	if err := json.Unmarshal(out.Bytes(), &r); err != nil {
		t.Fatalf("%v: %s", err, out.String())
	}
	if !r.Enrolled || r.Online == nil || !*r.Online || r.Clock != "ok" || r.Index != 1 {
		t.Fatalf("report %+v", r)
	}
	devs, _ := hs.Devices(ctx)
	if len(devs) != 1 || devs[0].Name != "大厅1号机" || devs[0].Software == "" {
		t.Fatalf("hall devices %+v", devs)
	}
}
