package hallapi

import (
	"testing"

	"hallkiosk/queue/engine"
)

// TestConfirmRoute: a reserved ticket is not in the queue until the kiosk
// confirms it printed; "printed": false lapses it; repeats answer the
// ticket as it is; an unknown ticket is not_found.
func TestConfirmRoute(t *testing.T) {
	h := newHall(t, false)
	auth := "Device kiosk1:secret-of-kiosk-one"
	var a, b engine.Ticket
	if code := h.call("POST", "/api/v1/tickets", auth, map[string]any{"service": "tax-invoice", "key": "kiosk1:r1", "reserve": true}, &a); code != 201 || a.State != engine.StateReserved {
		t.Fatalf("reserve: %d %+v", code, a)
	}
	if code := h.call("POST", "/api/v1/tickets", auth, map[string]any{"service": "tax-invoice", "key": "kiosk1:r2", "reserve": true}, &b); code != 201 {
		t.Fatalf("reserve: %d", code)
	}
	waiting := func() int {
		for _, s := range h.e.Status() {
			if s.ID == "tax-invoice" {
				return s.Waiting
			}
		}
		return -1
	}
	if n := waiting(); n != 0 {
		t.Fatalf("%d waiting before any confirmation", n)
	}
	var c engine.Ticket
	if code := h.call("POST", "/api/v1/tickets/"+a.ID+"/confirm", auth, map[string]bool{"printed": true}, &c); code != 200 || c.State != engine.StateWaiting {
		t.Fatalf("confirm: %d %+v", code, c)
	}
	if code := h.call("POST", "/api/v1/tickets/kiosk1:r1/confirm", auth, nil, &c); code != 200 || c.State != engine.StateWaiting {
		t.Fatalf("repeat by key, empty body: %d %+v", code, c)
	}
	if code := h.call("POST", "/api/v1/tickets/"+b.ID+"/confirm", auth, map[string]bool{"printed": false}, &c); code != 200 || c.State != engine.StateLapsed {
		t.Fatalf("not printed: %d %+v", code, c)
	}
	if n := waiting(); n != 1 {
		t.Fatalf("%d waiting, want 1", n)
	}
	if code := h.call("POST", "/api/v1/tickets/nope/confirm", auth, nil, nil); code != 404 {
		t.Fatalf("unknown ticket: %d", code)
	}
	if code := h.call("POST", "/api/v1/tickets/"+a.ID+"/confirm", "", nil, nil); code != 401 {
		t.Fatalf("confirm without a kiosk key: %d", code)
	}
}
