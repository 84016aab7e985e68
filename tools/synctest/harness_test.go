package synctest_test

import (
	"context"
	"crypto/tls"
	"io"
	"log"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	"hallkiosk/kiosk/store"
	qsync "hallkiosk/queue/sync"
)

// testHall is a real hall on loopback: SQLite reference hall, sync state,
// TLS with a generated certificate.
type testHall struct {
	hall *qsync.SQLHall
	sync *qsync.HallSync
	srv  *httptest.Server
	url  string
	fp   string
	logs *logBuffer
}

type logBuffer struct{ records []string }

func (b *logBuffer) Write(p []byte) (int, error) {
	b.records = append(b.records, string(p))
	return len(p), nil
}

func newTestHall(t testing.TB, opts *qsync.HallOptions) *testHall {
	t.Helper()
	dir := t.TempDir()
	cert, fp, err := qsync.LoadOrCreateCert(dir)
	if err != nil {
		t.Fatal(err)
	}
	hall, err := qsync.OpenSQLHall(filepath.Join(dir, "hall.db"))
	if err != nil {
		t.Fatal(err)
	}
	th := &testHall{hall: hall, fp: fp, logs: &logBuffer{}}
	if opts == nil {
		opts = &qsync.HallOptions{}
	}
	if opts.Log == nil {
		opts.Log = slog.New(slog.NewJSONHandler(th.logs, nil))
	}
	hs, err := qsync.OpenHallSync(filepath.Join(dir, "sync.db"), hall, fp, opts)
	if err != nil {
		t.Fatal(err)
	}
	th.sync = hs
	mux := http.NewServeMux()
	mux.Handle(qsync.Prefix, qsync.NewHallHandler(hs))
	th.srv = httptest.NewUnstartedServer(mux)
	th.srv.Config.ErrorLog = log.New(io.Discard, "", 0) // TLS errors from the fault proxy are expected
	th.srv.TLS = &tls.Config{Certificates: []tls.Certificate{cert}}
	th.srv.StartTLS()
	th.url = th.srv.URL
	t.Cleanup(func() {
		th.srv.Close()
		hs.Close()
		hall.Close()
	})
	return th
}

// listener returns the hall's address for a proxy to dial.
func (th *testHall) addr() string { return th.srv.Listener.Addr().(*net.TCPAddr).String() }

// newKiosk opens a kiosk store and enrols it with the hall at url.
func newKiosk(t testing.TB, th *testHall, url string, copts *qsync.ClientOptions) (*store.Store, *qsync.Client) {
	t.Helper()
	st, err := store.Open(filepath.Join(t.TempDir(), "kiosk.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	c := qsync.NewClient(st, copts)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	code, err := th.sync.IssueEnrolmentCode(ctx, "kiosk-test", 0)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; ; i++ { // through a faulty proxy enrolment may need retries
		if _, err = c.Enrol(ctx, url, code, "kiosk-test"); err == nil {
			break
		}
		if i == 50 {
			t.Fatalf("enrol: %v", err)
		}
	}
	return st, c
}
