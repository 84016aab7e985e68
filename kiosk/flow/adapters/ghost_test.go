package adapters

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"hallkiosk/kiosk/flow"
	"hallkiosk/kiosk/store"
	"hallkiosk/queue/catalog"
	"hallkiosk/queue/engine"
	"hallkiosk/queue/hallapi"
	qsync "hallkiosk/queue/sync"
)

// lossyTransport forwards every request to the hall, and loses the reply
// of the first lose issue requests (POST /api/v1/tickets) after the hall
// handled them: the case of issue 16's ghost tickets.
type lossyTransport struct {
	lose atomic.Int64
	lost atomic.Int64
}

func (l *lossyTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := http.DefaultTransport.RoundTrip(r)
	if err == nil && r.Method == "POST" && r.URL.Path == "/api/v1/tickets" && l.lose.Add(-1) >= 0 {
		resp.Body.Close()
		l.lost.Add(1)
		return nil, errors.New("reply lost on the way")
	}
	return resp, err
}

// storeIssuer issues from the kiosk store directly (the real store, with
// no opening-hours check, so the test runs at any hour).
type storeIssuer struct {
	s  *store.Store
	mu map[string]*store.Ticket
}

func (o *storeIssuer) Issue(ctx context.Context, r flow.IssueRequest) (flow.Ticket, error) {
	t, err := o.s.Issue(ctx, r.Service)
	if err != nil {
		return flow.Ticket{}, err
	}
	ref := strconv.FormatUint(t.Seq, 10)
	o.mu[ref] = t
	return flow.Ticket{Number: t.Label(), Service: r.Service, Ref: ref, Key: ref}, nil
}
func (o *storeIssuer) Confirm(ctx context.Context, t flow.Ticket) error {
	return o.s.MarkPrinted(ctx, o.mu[t.Ref])
}
func (o *storeIssuer) Void(ctx context.Context, t flow.Ticket, _ string) error {
	return o.s.Void(ctx, o.mu[t.Ref])
}

// live counts the hall's tickets of today that a window may call now or
// later: waiting (or further), not reserved, lapsed or void.
func live(t *testing.T, e *engine.Engine) (live, reserved int) {
	t.Helper()
	for _, s := range e.Status() {
		live += s.Waiting
	}
	return live, e.Reserved()
}

// TestNoGhostTickets: the reply to an online issue is lost. First once:
// the kiosk asks again with the same key, gets the same reservation,
// prints it and confirms it: one ticket at the hall. Then every time: the
// kiosk falls back to its lease; when its offline ticket reaches the hall
// (the real sync import), the reservation it replaces lapses. Either way
// the hall ends with exactly one live ticket per citizen, and nothing
// unprinted is ever in the queue.
func TestNoGhostTickets(t *testing.T) {
	ctx := context.Background()
	now := wedMorning
	clock := func() time.Time { return now }
	e, err := engine.Open(ctx, filepath.Join(t.TempDir(), "hall.db"), engine.Options{Catalog: catalog.Default(), Now: clock})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	srv, err := hallapi.New(ctx, e, hallapi.Config{Kiosks: map[string]string{"kiosk-7": "s3cret"}, Now: clock})
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv)
	defer hs.Close()
	st, err := store.Open(filepath.Join(t.TempDir(), "kiosk.db"), &store.Options{Now: func() time.Time { return now.Add(time.Second) }})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if err := st.SaveEnrolment(ctx, "https://hall.invalid", "", 2); err != nil {
		t.Fatal(err)
	}
	lossy := &lossyTransport{}
	h := &Hall{URL: hs.URL, Device: "kiosk-7", Secret: "s3cret", Cat: catalog.Default(),
		Client: &http.Client{Transport: lossy, Timeout: 3 * time.Second}, Offline: &storeIssuer{s: st, mu: map[string]*store.Ticket{}}}

	// 1. One reply lost: the retry with the same key gets the reservation.
	lossy.lose.Store(1)
	t1, err := h.Issue(ctx, flow.IssueRequest{Service: "tax-filing"})
	if err != nil {
		t.Fatal(err)
	}
	if lossy.lost.Load() != 1 || h.Retried.Load() != 1 || h.FellBack.Load() != 0 || t1.Offline {
		t.Fatalf("lost %d, retried %d, fell back %d, ticket %+v", lossy.lost.Load(), h.Retried.Load(), h.FellBack.Load(), t1)
	}
	if l, r := live(t, e); l != 0 || r != 1 {
		t.Fatalf("before printing: %d live, %d reserved", l, r)
	}
	if err := h.Confirm(ctx, t1); err != nil { // printed
		t.Fatal(err)
	}
	if l, r := live(t, e); l != 1 || r != 0 {
		t.Fatalf("after printing: %d live, %d reserved", l, r)
	}

	// 2. Every reply lost: the kiosk falls back to its lease.
	lossy.lose.Store(1 << 30)
	t2, err := h.Issue(ctx, flow.IssueRequest{Service: "tax-filing"})
	if err != nil {
		t.Fatal(err)
	}
	if h.FellBack.Load() != 1 || !t2.Offline {
		t.Fatalf("fell back %d, ticket %+v", h.FellBack.Load(), t2)
	}
	if l, r := live(t, e); l != 1 || r != 1 {
		t.Fatalf("the hall's reservation: %d live, %d reserved", l, r)
	}
	// The kiosk's outbox reaches the hall before printing finished: the
	// offline ticket is imported reserved, the online one lapses.
	id, _ := st.Identity(ctx)
	eh := qsync.NewEngineHall(e, nil)
	evs, _ := st.Pending(ctx, 100)
	if err := eh.ImportEvents(ctx, id.Device, evs); err != nil {
		t.Fatal(err)
	}
	if l, r := live(t, e); l != 1 || r != 1 {
		t.Fatalf("offline ticket imported before its printing: %d live, %d reserved", l, r)
	}
	if err := h.Confirm(ctx, t2); err != nil { // printed
		t.Fatal(err)
	}
	evs2, _ := st.Pending(ctx, 100)
	if err := eh.ImportEvents(ctx, id.Device, evs2[len(evs):]); err != nil {
		t.Fatal(err)
	}
	if l, r := live(t, e); l != 2 || r != 0 {
		t.Fatalf("after the offline ticket printed: %d live, %d reserved (want 2 citizens, 2 tickets)", l, r)
	}
	if n, _ := e.ExpireReservations(ctx, time.Nanosecond); n != 0 {
		t.Fatalf("%d reservations left to lapse", n)
	}
}
