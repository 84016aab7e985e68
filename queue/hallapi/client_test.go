package hallapi

import (
	"context"
	"errors"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"hallkiosk/internal/pii"
	"hallkiosk/queue/engine"
	"hallkiosk/queue/invoices"
)

const clientIDNumber = "11010519491231002X"

func kioskClient(h *testHall) *Client {
	return &Client{URL: h.ts.URL, Device: "kiosk1", Secret: "secret-of-kiosk-one"}
}

// hallErr returns err as the hall's refusal, failing the test otherwise.
func hallErr(t *testing.T, err error) *HTTPError {
	t.Helper()
	var he *HTTPError
	if !errors.As(err, &he) {
		t.Fatalf("want a refusal by the hall, got %v", err)
	}
	if !Reached(err) {
		t.Fatalf("a refusal counted as not reached: %v", err)
	}
	return he
}

// TestClientTicketsCarryTheirPlace: the issue reply alone says how many
// are ahead and how long the wait is, 0 included and on a repeat of the
// key too, so the kiosk needs no status request after an issue.
func TestClientTicketsCarryTheirPlace(t *testing.T) {
	h := newHall(t, false)
	c := kioskClient(h)
	ctx := context.Background()

	req := engine.IssueRequest{Service: "tax-filing", Reserve: true, Key: "kiosk1:1"}
	t1, err := c.Issue(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	if t1.State != engine.StateReserved || t1.Label == "" || t1.Ahead != 0 || t1.WaitMin != 0 || t1.DeviceID != "kiosk1" {
		t.Fatalf("first ticket %+v", t1)
	}
	// The fields are there when 0: a kiosk tells 0 from "not said".
	var raw map[string]any
	if code := h.call("POST", "/api/v1/tickets", "Device kiosk1:secret-of-kiosk-one", req, &raw); code != 201 {
		t.Fatalf("repeat: %d", code)
	}
	if raw["ahead"] != 0.0 || raw["est_wait_min"] != 0.0 || raw["duplicate"] != true || raw["label"] != t1.Label {
		t.Fatalf("raw repeat reply %v", raw)
	}
	if ct, err := c.Confirm(ctx, t1.ID, true); err != nil || ct.State != engine.StateWaiting {
		t.Fatalf("confirm: %+v %v", ct, err)
	}

	req2 := engine.IssueRequest{Service: "tax-filing", Reserve: true, Key: "kiosk1:2"}
	t2, err := c.Issue(ctx, req2)
	if err != nil {
		t.Fatal(err)
	}
	if t2.Ahead != 1 || t2.WaitMin <= 0 || t2.Duplicate {
		t.Fatalf("second ticket ahead %d wait %d duplicate %v", t2.Ahead, t2.WaitMin, t2.Duplicate)
	}
	// A lost reply asked again: the same reservation, in the same place.
	again, err := c.Issue(ctx, req2)
	if err != nil {
		t.Fatal(err)
	}
	if !again.Duplicate || again.ID != t2.ID || again.Ahead != 1 || again.WaitMin != t2.WaitMin {
		t.Fatalf("repeat of the key: %+v, first %+v", again, t2)
	}

	st, err := c.Status(ctx)
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, s := range st.Services {
		if s.ID == "tax-filing" {
			found = true
			if s.Waiting != 1 {
				t.Errorf("waiting %d, want 1 (the reservation does not wait)", s.Waiting)
			}
		}
	}
	if !found || st.Day != h.e.Today() {
		t.Fatalf("status %+v", st)
	}

	// Not printed: the reservation lapses.
	if vt, err := c.Confirm(ctx, req2.Key, false); err != nil || vt.ID != t2.ID || vt.State == engine.StateWaiting {
		t.Fatalf("void by key: %+v %v", vt, err)
	}
	if _, err := c.Confirm(ctx, "20261125-tax-filing-999", true); hallErr(t, err).Status != 404 || hallErr(t, err).Code != engine.CodeNotFound {
		t.Fatalf("confirm of no ticket: %v", err)
	}
}

// TestClientRefusalsAreTyped: each refusal arrives as *HTTPError with the
// status and the code of the one error format.
func TestClientRefusalsAreTyped(t *testing.T) {
	h := newHall(t, false)
	c := kioskClient(h)
	ctx := context.Background()

	bad := &Client{URL: h.ts.URL, Device: "kiosk1", Secret: "wrong"}
	if he := hallErr(t, func() error { _, err := bad.Issue(ctx, engine.IssueRequest{Service: "tax-filing"}); return err }()); he.Status != 401 || he.Code != "unauthorised" || he.Message == "" {
		t.Errorf("wrong key: %+v", he)
	}
	if he := hallErr(t, func() error { _, err := c.Issue(ctx, engine.IssueRequest{Service: "no-such"}); return err }()); he.Status != 404 || he.Code != engine.CodeUnknownService {
		t.Errorf("unknown service: %+v", he)
	}

	// A booking of a later slot: checking in now is 409 bad_slot, "too early" with the time.
	var slot time.Time
	slots, err := h.e.Slots(ctx, "estate-transfer", h.e.Today())
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range slots {
		if s.Open && s.Start.After(h.clk.Now().Add(2*time.Hour)) {
			slot = s.Start
			break
		}
	}
	if slot.IsZero() {
		t.Fatalf("no later slot in %+v", slots)
	}
	a, err := h.e.Book(ctx, engine.BookRequest{Service: "estate-transfer", SlotStart: slot, IDNumber: clientIDNumber, Name: "张小三", Phone: "13800001234"})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.CheckIn(ctx, a.Code)
	he := hallErr(t, err)
	if he.Status != 409 || he.Code != engine.CodeBadSlot || !strings.Contains(he.Detail, "too early") || !strings.Contains(he.Detail, ":") {
		t.Errorf("early check-in: %+v", he)
	}
	_, err = c.CheckInPerson(ctx, clientIDNumber)
	if he := hallErr(t, err); he.Status != 409 || he.Code != engine.CodeBadSlot {
		t.Errorf("early check-in by ID card: %+v", he)
	}
	_, err = c.CheckInPerson(ctx, "62098219601120003X")
	if he := hallErr(t, err); he.Status != 404 || he.Code != engine.CodeNotFound {
		t.Errorf("check-in of a person without a booking: %+v", he)
	}

	// At the slot the same code checks in: an appointment-class ticket with its place.
	h.clk.Advance(slot.Sub(h.clk.Now()))
	ct, err := c.CheckIn(ctx, a.Code)
	if err != nil {
		t.Fatal(err)
	}
	if ct.AppointmentID != a.ID || ct.State != engine.StateWaiting || ct.Ahead != 0 {
		t.Fatalf("check-in ticket %+v", ct)
	}

	// A route the hall does not have: 404 without a code.
	if he := hallErr(t, func() error { _, err := c.PendingInvoices(ctx, clientIDNumber); return err }()); he.Status != 404 || he.Code != "" {
		t.Errorf("no invoice desk: %+v", he)
	}

	// Night: the hall is closed.
	h.clk.Advance(12 * time.Hour)
	if he := hallErr(t, func() error { _, err := c.Issue(ctx, engine.IssueRequest{Service: "tax-filing"}); return err }()); he.Status != 409 || he.Code != engine.CodeClosed {
		t.Errorf("night issue: %+v", he)
	}
}

// TestClientRate: a served ticket is rated with its signed code; a second
// and third rating are the hall's to refuse (409 bad_state).
func TestClientRate(t *testing.T) {
	h := newHall(t, false)
	c := kioskClient(h)
	ctx := context.Background()
	tk, err := c.Issue(ctx, engine.IssueRequest{Service: "tax-filing"})
	if err != nil {
		t.Fatal(err)
	}
	code, err := h.e.TicketCode(ctx, tk.ID)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Rate(ctx, tk.ID, RateRequest{Code: code, Level: 5}); hallErr(t, err).Code != engine.CodeBadState {
		t.Fatalf("rating a waiting ticket: %v", err)
	}
	if _, _, err := h.e.SignInAt(ctx, 19, "staff1"); err != nil {
		t.Fatal(err)
	}
	for _, step := range []func(context.Context, int, string) (*engine.Ticket, error){h.e.CallNext, h.e.Start, h.e.Finish} {
		if _, err := step(ctx, 19, "staff1"); err != nil {
			t.Fatal(err)
		}
	}
	rr, err := c.Rate(ctx, tk.ID, RateRequest{Code: code, Level: 2, Reasons: []string{"slow"}})
	if err != nil {
		t.Fatal(err)
	}
	if rr.Ticket != tk.ID || rr.Level != 2 || rr.Count != 1 || rr.Window != 19 {
		t.Fatalf("rating %+v", rr)
	}
	if _, err := c.Rate(ctx, tk.ID, RateRequest{Level: 5}); hallErr(t, err).Code != "not_identified" {
		t.Fatalf("rating without a code: %v", err)
	}
}

// TestClientInvoices: the invoice desk mounted as the hall mounts it.
func TestClientInvoices(t *testing.T) {
	h := newHall(t, false)
	st, err := invoices.Open(filepath.Join(t.TempDir(), "invoices.db"), pii.NewHasher([]byte("0123456789abcdef0123")))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	h.s.Handle("/api/v1/invoices/", invoices.Handler(st, invoices.HandlerOpts{Prefix: "/api/v1/invoices/",
		AllowKiosk: func(r *http.Request) bool { return h.s.DeviceOf(r) != "" }}))
	ctx := context.Background()
	csv := "id_number,number,seller,amount,issued\n" + clientIDNumber + ",24622000000012345678,好味道餐饮,1280.00,2026-11-20\n" +
		clientIDNumber + ",24622000000012345679,好味道餐饮,80.00,2026-11-21\n"
	if n, err := st.ImportCSV(ctx, strings.NewReader(csv)); err != nil || n != 2 {
		t.Fatalf("import %d %v", n, err)
	}
	c := kioskClient(h)
	p, err := c.PendingInvoices(ctx, clientIDNumber)
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Invoices) != 2 || p.Invoices[0].Number != "24622000000012345678" || p.Invoices[0].Amount != "1280.00" {
		t.Fatalf("pending %+v", p)
	}
	got, err := c.CollectInvoices(ctx, clientIDNumber, []string{p.Invoices[0].Number})
	if err != nil || !strings.HasPrefix(got.Code, "P") {
		t.Fatalf("collect %+v %v", got, err)
	}
	if _, err := c.CollectInvoices(ctx, clientIDNumber, []string{p.Invoices[0].Number}); hallErr(t, err).Status != 404 || hallErr(t, err).Code != engine.CodeNotFound {
		t.Fatalf("collected twice: %v", err)
	}
	bad := &Client{URL: h.ts.URL, Device: "kiosk1", Secret: "wrong"}
	if _, err := bad.PendingInvoices(ctx, clientIDNumber); hallErr(t, err).Status != 401 {
		t.Fatalf("wrong key: %v", err)
	}
}

// TestClientUnreachable: a hall that does not answer is not a refusal.
func TestClientUnreachable(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	c := &Client{URL: "http://" + addr, Device: "kiosk1", HTTP: &http.Client{Timeout: 2 * time.Second}}
	_, err = c.Issue(context.Background(), engine.IssueRequest{Service: "tax-filing"})
	var he *HTTPError
	if err == nil || errors.As(err, &he) || Reached(err) {
		t.Fatalf("closed port: %v (reached %v)", err, Reached(err))
	}
	if !Reached(nil) {
		t.Fatal("no error counted as not reached")
	}
	// A reply that is not the error format still is a refusal, without a code.
	if e := replyError(502, []byte("<html>bad gateway</html>")); e.Code != "" || e.Status != 502 {
		t.Fatalf("plain reply %+v", e)
	}
}
