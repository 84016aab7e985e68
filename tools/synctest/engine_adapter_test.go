package synctest_test

import (
	"context"
	"crypto/tls"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	"hallkiosk/kiosk/store"
	"hallkiosk/queue/engine"
	qsync "hallkiosk/queue/sync"
)

// newEngineSite runs the sync API in front of a real queue engine (leases
// of 10) over TLS on loopback and enrols a kiosk store with it.
func newEngineSite(t *testing.T, sopts *store.Options) (*engine.Engine, *store.Store, *qsync.Client) {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	eng, err := engine.Open(ctx, filepath.Join(dir, "engine.db"), engine.Options{IgnoreHours: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { eng.Close() })
	cert, fp, err := qsync.LoadOrCreateCert(dir)
	if err != nil {
		t.Fatal(err)
	}
	hs, err := qsync.OpenHallSync(filepath.Join(dir, "sync.db"), qsync.NewEngineHall(eng, nil), fp, &qsync.HallOptions{Lease: 10})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { hs.Close() })
	mux := http.NewServeMux()
	mux.Handle(qsync.Prefix, qsync.NewHallHandler(hs))
	srv := httptest.NewUnstartedServer(mux)
	srv.TLS = &tls.Config{Certificates: []tls.Certificate{cert}}
	srv.StartTLS()
	t.Cleanup(srv.Close)
	st, err := store.Open(filepath.Join(dir, "kiosk.db"), sopts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	c := qsync.NewClient(st, nil)
	code, _ := hs.IssueEnrolmentCode(ctx, "k1", 0)
	if _, err := c.Enrol(ctx, srv.URL, code, "k1"); err != nil {
		t.Fatal(err)
	}
	return eng, st, c
}

// TestEngineHall runs the sync API in front of the real queue engine: a
// kiosk's offline tickets land in the engine's queue, a voided one ends
// void, a repeat is not imported twice, and the catalogue reaches the kiosk.
func TestEngineHall(t *testing.T) {
	ctx := context.Background()
	eng, st, c := newEngineSite(t, nil)
	if err := st.SetServices(ctx, "project-approval=A"); err != nil {
		t.Fatal(err)
	}
	// The hall issues one of its own first; the lease starts LeaseAhead
	// past it, plus twice the hall's tickets of the last 30 s (one).
	own, err := eng.Issue(ctx, engine.IssueRequest{Service: "project-approval"})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.SyncOnce(ctx); err != nil {
		t.Fatal(err)
	}
	if doc, v, _ := st.Document(ctx, "catalog"); v == 0 || len(doc) < 100 {
		t.Fatalf("catalogue not pulled: v%d %d bytes", v, len(doc))
	}
	var tks []*store.Ticket
	for i := 0; i < 4; i++ {
		tk, err := st.Issue(ctx, "project-approval")
		if err != nil {
			t.Fatal(err)
		}
		if i == 2 {
			err = st.Void(ctx, tk)
		} else {
			err = st.MarkPrinted(ctx, tk)
		}
		if err != nil {
			t.Fatal(err)
		}
		tks = append(tks, tk)
		time.Sleep(2 * time.Millisecond)
	}
	if tks[0].Number != own.Number+qsync.LeaseAhead+2+1 || tks[0].Label() != engine.Label("A", tks[0].Number) {
		t.Fatalf("first kiosk ticket %s (%d), hall's own %d", tks[0].Label(), tks[0].Number, own.Number)
	}
	if err := c.SyncOnce(ctx); err != nil {
		t.Fatal(err)
	}
	all, err := eng.Tickets(ctx, eng.Today())
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != 5 {
		t.Fatalf("engine holds %d tickets, want 5", len(all))
	}
	states := map[int]engine.State{}
	for _, tk := range all {
		states[tk.Number] = tk.State
	}
	for i, tk := range tks {
		want := engine.StateWaiting
		if i == 2 {
			want = engine.StateVoid
		}
		if states[tk.Number] != want {
			t.Fatalf("ticket %s is %s at the hall, want %s", tk.Label(), states[tk.Number], want)
		}
	}
	// Offline past the lease: the kiosk's overflow range, accepted by the
	// engine too.
	var last *store.Ticket
	for i := 0; ; i++ {
		if i > 100 {
			t.Fatal("no overflow ticket after 100 issues")
		}
		tk, err := st.Issue(ctx, "project-approval")
		if err != nil {
			t.Fatal(err)
		}
		if err := st.MarkPrinted(ctx, tk); err != nil {
			t.Fatal(err)
		}
		if last = tk; tk.Overflow {
			break
		}
	}
	if err := c.SyncOnce(ctx); err != nil {
		t.Fatal(err)
	}
	if tk, err := eng.Ticket(ctx, engineID(last)); err != nil || tk.State != engine.StateWaiting {
		t.Fatalf("overflow ticket %s at the hall: %+v %v", last.Label(), tk, err)
	}
	// Calls follow issue time: the hall's own ticket first, then the kiosk's.
	called, err := eng.CallNext(ctx, 1, "staff1")
	if err != nil {
		t.Fatal(err)
	}
	if called.Number != own.Number {
		t.Fatalf("first call %s, want the hall's own %s", called.Label, own.Label)
	}
	// Serve the hall's own ticket and the kiosk's first; the kiosk's
	// rating of its ticket (by ref, as the kiosk flow records it) reaches
	// the engine.
	for i := 0; i < 2; i++ {
		if i == 1 {
			if called, err = eng.CallNext(ctx, 1, "staff1"); err != nil || called.Number != tks[0].Number {
				t.Fatalf("second call %+v %v", called, err)
			}
		}
		if _, err := eng.Start(ctx, 1, "staff1"); err != nil {
			t.Fatal(err)
		}
		if _, err := eng.Finish(ctx, 1, "staff1"); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := st.Append(ctx, qsync.KindEvaluation, map[string]any{"ticket": tks[0].Label(), "ref": fmt.Sprint(tks[0].Seq), "score": 5}); err != nil {
		t.Fatal(err)
	}
	if err := c.SyncOnce(ctx); err != nil {
		t.Fatal(err)
	}
	if rt, err := eng.Ticket(ctx, engineID(tks[0])); err != nil || rt.Rating != 5 {
		t.Fatalf("rating at the hall: %+v %v", rt, err)
	}
}

func engineID(t *store.Ticket) string {
	return t.Day[:4] + t.Day[5:7] + t.Day[8:] + "-" + t.Service + "-" + fmt.Sprint(t.Number)
}
