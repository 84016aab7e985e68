package adapters

import (
	"context"
	"errors"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	"hallkiosk/kiosk/flow"
	"hallkiosk/kiosk/store"
	"hallkiosk/queue/catalog"
	"hallkiosk/queue/engine"
	"hallkiosk/queue/hallapi"
)

// hallServer runs the real hall API over a real engine on loopback.
func hallServer(t *testing.T, now *time.Time, kiosks map[string]string) *httptest.Server {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	clock := func() time.Time { return *now }
	e, err := engine.Open(ctx, filepath.Join(t.TempDir(), "hall.db"), engine.Options{Catalog: catalog.Default(), Now: clock})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.Close() })
	s, err := hallapi.New(ctx, e, hallapi.Config{Kiosks: kiosks, Now: clock})
	if err != nil {
		t.Fatal(err)
	}
	go s.Run(ctx)
	srv := httptest.NewServer(s)
	t.Cleanup(srv.Close)
	return srv
}

func TestHallIssueVoidStatusCheckIn(t *testing.T) {
	now := wedMorning
	srv := hallServer(t, &now, map[string]string{"kiosk-7": "s3cret"})
	ctx := context.Background()
	h := &Hall{URL: srv.URL, Device: "kiosk-7", Secret: "s3cret", Cat: catalog.Default()}
	// Issued tickets are reserved until the kiosk confirms they printed
	// (issue 16: no window calls a number nobody holds).
	t1, err := h.Issue(ctx, flow.IssueRequest{Service: "tax-filing"})
	if err != nil {
		t.Fatal(err)
	}
	if st, _ := h.HallStatus(ctx); st.Services["tax-filing"].Waiting != 0 {
		t.Fatalf("an unconfirmed ticket waits: %+v", st.Services["tax-filing"])
	}
	if err := h.Confirm(ctx, t1); err != nil {
		t.Fatal(err)
	}
	t2, err := h.Issue(ctx, flow.IssueRequest{Service: "tax-filing"})
	if err != nil {
		t.Fatal(err)
	}
	if t1.Number[0] != 'E' || t1.Number == t2.Number || t2.Ahead != 1 || t1.ServiceName == "" {
		t.Fatalf("tickets %+v %+v", t1, t2)
	}
	if err := h.Confirm(ctx, t2); err != nil {
		t.Fatal(err)
	}
	st, err := h.HallStatus(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if st.Services["tax-filing"].Waiting != 2 || !st.Online {
		t.Fatalf("status %+v", st.Services["tax-filing"])
	}
	if err := h.Void(ctx, t2, "paper out"); err != nil {
		t.Fatal(err)
	}
	if st, _ := h.HallStatus(ctx); st.Services["tax-filing"].Waiting != 1 {
		t.Fatalf("after void waiting %d", st.Services["tax-filing"].Waiting)
	}
	if _, err := h.CheckIn(ctx, "HK1.Zm9v.YmFy", nil); !errors.Is(err, flow.ErrUntrusted) && !errors.Is(err, flow.ErrNotFound) {
		t.Errorf("forged check-in: %v", err)
	}
	// A wrong key is refused, not taken for "offline".
	bad := &Hall{URL: srv.URL, Device: "kiosk-7", Secret: "wrong"}
	if _, err := bad.Issue(ctx, flow.IssueRequest{Service: "tax-filing"}); err == nil {
		t.Error("wrong kiosk key accepted")
	}
	now = wedNight
	if _, err := h.Issue(ctx, flow.IssueRequest{Service: "tax-filing"}); !errors.Is(err, flow.ErrClosed) {
		t.Errorf("night issue: %v", err)
	}
}

func TestHallOfflineFallsBackToLeases(t *testing.T) {
	ctx := context.Background()
	s, err := store.Open(filepath.Join(t.TempDir(), "kiosk.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.SaveEnrolment(ctx, "http://127.0.0.1:1", "", 2); err != nil {
		t.Fatal(err)
	}
	h := &Hall{URL: "http://127.0.0.1:1", Device: "kiosk-7", Cat: catalog.Default(),
		Offline: &Store{S: s, Cat: catalog.Default()}}
	tk, err := h.Issue(ctx, flow.IssueRequest{Service: "tax-invoice"})
	if err != nil {
		t.Fatal(err)
	}
	if h.Online() || tk.Number[0] != 'F' {
		t.Fatalf("offline ticket %+v online %v", tk, h.Online())
	}
	if err := h.Confirm(ctx, tk); err != nil {
		t.Fatal(err)
	}
	day := tk.IssuedAt.In(shanghai).Format("2006-01-02")
	tks, _ := s.Tickets(ctx, day)
	if len(tks) != 1 || tks[0].State != "printed" {
		t.Fatalf("store tickets %+v", tks)
	}
}

// TestHallNoticesInEnglish: the catalogue's English notices reach the
// kiosk's home status through the hall's status API, by position.
func TestHallNoticesInEnglish(t *testing.T) {
	now := wedMorning
	srv := hallServer(t, &now, map[string]string{"kiosk-7": "s3cret"})
	h := &Hall{URL: srv.URL, Device: "kiosk-7", Secret: "s3cret", Cat: catalog.Default()}
	st, err := h.HallStatus(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	want := catalog.Default().Hall
	if len(want.NoticesEN) == 0 || len(st.Notices) != len(want.Notices) {
		t.Fatalf("notices %q", st.Notices)
	}
	en := st.NoticesIn(true)
	if en[0] != want.NoticesEN[0] || st.NoticesIn(false)[0] != want.Notices[0] {
		t.Errorf("English notices %q", en)
	}
}
