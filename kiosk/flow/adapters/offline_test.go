package adapters

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"hallkiosk/internal/codesign"
	"hallkiosk/kiosk/credential"
	"hallkiosk/kiosk/flow"
	"hallkiosk/kiosk/store"
	"hallkiosk/queue/catalog"
)

// openKioskStore opens a real kiosk store, enrolled, so it issues from its
// overflow range.
func openKioskStore(t *testing.T) *store.Store {
	t.Helper()
	s, err := store.Open(filepath.Join(t.TempDir(), "kiosk.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	if err := s.SaveEnrolment(context.Background(), "http://127.0.0.1:1", "", 2); err != nil {
		t.Fatal(err)
	}
	return s
}

// TestStoreConfirmedIsBounded: over a long run the set of tickets a Store
// remembers as its own keeps only the latest, while those still tell a
// rating by sequence from one by hall ticket id.
func TestStoreConfirmedIsBounded(t *testing.T) {
	ctx := context.Background()
	a := &Store{S: openKioskStore(t), Cat: catalog.Default(), keep: 5}
	var refs []string
	for i := range 12 {
		tk, err := a.Issue(ctx, flow.IssueRequest{Service: "tax-invoice"}) // 7×24
		if err != nil {
			t.Fatal(err)
		}
		if i%3 == 2 {
			err = a.Void(ctx, tk, "paper out")
		} else {
			err = a.Confirm(ctx, tk)
		}
		if err != nil {
			t.Fatal(err)
		}
		refs = append(refs, tk.Ref)
	}
	a.mu.Lock()
	n, order, issued := len(a.confirmed), len(a.order), len(a.issued)
	a.mu.Unlock()
	if n != 5 || order != 5 || issued != 0 {
		t.Fatalf("remembered %d (order %d), still issued %d; want 5, 5, 0", n, order, issued)
	}
	for i, ref := range refs {
		if want := i >= len(refs)-5; a.own(ref) != want {
			t.Errorf("ticket %d (%s): own %v, want %v", i, ref, !want, want)
		}
	}
	// The default bound holds too.
	b := &Store{}
	for i := range keepConfirmed + 100 {
		b.remember(strconv.Itoa(i))
	}
	if len(b.confirmed) != keepConfirmed || len(b.order) != keepConfirmed || !b.confirmed[strconv.Itoa(keepConfirmed+99)] || b.confirmed["0"] {
		t.Fatalf("default bound: %d remembered, %d in order", len(b.confirmed), len(b.order))
	}
	// A ticket still remembered is rated by its sequence.
	last := refs[len(refs)-1]
	if err := a.Rate(ctx, flow.Rating{Ticket: "F5012", Ref: last, Level: 4}); err != nil {
		t.Fatal(err)
	}
	evs, err := a.S.Pending(ctx, 100)
	if err != nil || len(evs) == 0 {
		t.Fatalf("pending %d %v", len(evs), err)
	}
	if p := string(evs[len(evs)-1].Payload); !strings.Contains(p, `"ref":"`+last+`"`) {
		t.Errorf("rating of an own ticket: %s", p)
	}
}

// TestOfflineTicketIsTyped: a ticket issued from the lease while the hall
// is unreachable says so in Offline, its Ref is the store's sequence, its
// code still carries the documented "offline:SEQ" form, and reading that
// code back rates the ticket through the outbox, never at the hall.
func TestOfflineTicketIsTyped(t *testing.T) {
	ctx := context.Background()
	s := openKioskStore(t)
	st := &Store{S: s, Cat: catalog.Default()}
	h := &Hall{URL: "http://127.0.0.1:1", Device: "kiosk-7", Cat: catalog.Default(), Offline: st}
	tk, err := h.Issue(ctx, flow.IssueRequest{Service: "tax-invoice"})
	if err != nil {
		t.Fatal(err)
	}
	if !tk.Offline || strings.Contains(tk.Ref, ":") || tk.Ref == "" || h.FellBack.Load() != 1 {
		t.Fatalf("offline ticket %+v", tk)
	}
	if err := h.Confirm(ctx, tk); err != nil { // to the store, not the hall
		t.Fatal(err)
	}
	if got := codeID(tk); got != "offline:"+tk.Ref {
		t.Fatalf("code id %q", got)
	}
	if got := codeID(flow.Ticket{Ref: "20261125-tax-filing-3"}); got != "20261125-tax-filing-3" {
		t.Fatalf("hall ticket code id %q", got)
	}

	// The printed code read back at the rating screen.
	pub, priv, _ := ed25519.GenerateKey(rand.Reader)
	now := time.Now()
	code, err := codesign.NewSigner(priv, "k1").Sign("ticket", map[string]string{"n": tk.Number, "s": tk.Service, "id": codeID(tk)}, now, now.Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	r := Resolver{Parser: &credential.Parser{Verifier: codesign.NewVerifier(map[string]ed25519.PublicKey{"k1": pub})}}
	doc, err := r.Resolve(ctx, code)
	if err != nil || doc.Kind != flow.DocTicket || !doc.Offline || doc.Ref != tk.Ref || doc.Title != tk.Number {
		t.Fatalf("resolved %+v %v", doc, err)
	}
	rating := flow.Rating{Ticket: doc.Title, Ref: doc.Ref, Offline: doc.Offline, Code: code, Level: 5}
	if err := h.Rate(ctx, rating); !errors.Is(err, flow.ErrNotFound) {
		t.Fatalf("an offline ticket rated at the hall: %v", err)
	}
	if err := (Ratings{First: h, Store: st}).Rate(ctx, rating); err != nil {
		t.Fatal(err)
	}
	evs, err := s.Pending(ctx, 100)
	if err != nil {
		t.Fatal(err)
	}
	p := string(evs[len(evs)-1].Payload)
	if !strings.Contains(p, `"ref":"`+tk.Ref+`"`) || strings.Contains(p, "ticket_id") || strings.Contains(p, "offline") {
		t.Errorf("rating payload %s", p)
	}
	// A sequence the Store no longer remembers still rates as offline:
	// the flag, not the Store's memory, says what the ticket is.
	fresh := &Store{S: s, Cat: catalog.Default()}
	if err := fresh.Rate(ctx, flow.Rating{Ticket: tk.Number, Ref: tk.Ref, Offline: true, Level: 3}); err != nil {
		t.Fatal(err)
	}
	evs, _ = s.Pending(ctx, 100)
	if p := string(evs[len(evs)-1].Payload); !strings.Contains(p, `"ref":"`+tk.Ref+`"`) || strings.Contains(p, "ticket_id") {
		t.Errorf("rating after a restart %s", p)
	}
}
