package hallapi

import (
	"context"
	"testing"

	"hallkiosk/queue/engine"
)

// TestRateByIDCard: a kiosk finds the card holder's served, unrated ticket
// and rates it with the code the hall signs for it; an unserved or
// already-rated ticket is not offered; staff sessions and anonymous callers
// cannot look people up.
func TestRateByIDCard(t *testing.T) {
	h := newHall(t, false)
	ctx := context.Background()
	const id = "62098219601120003X"
	tk, err := h.e.Issue(ctx, engine.IssueRequest{Service: "household", IDNumber: id, Name: "张*三"})
	if err != nil {
		t.Fatal(err)
	}
	var e errReply
	if code := h.call("POST", "/api/v1/tickets/served", kioskAuth, map[string]string{"id_number": id}, &e); code != 404 || e.Error.Code != "not_found" {
		t.Fatalf("waiting ticket offered for rating: %d %+v", code, e)
	}
	w := h.e.Catalog().WindowsFor("household")[0]
	if err := h.e.SignIn(ctx, w, "staff1"); err != nil {
		t.Fatal(err)
	}
	if _, err := h.e.CallNext(ctx, w, "staff1"); err != nil {
		t.Fatal(err)
	}
	h.e.Start(ctx, w, "staff1")
	if _, err := h.e.Finish(ctx, w, "staff1"); err != nil {
		t.Fatal(err)
	}
	if code := h.call("POST", "/api/v1/tickets/served", "", map[string]string{"id_number": id}, nil); code != 401 && code != 403 {
		t.Errorf("anonymous lookup: %d", code)
	}
	if code := h.call("POST", "/api/v1/tickets/served", h.login("staff1", "staff1-demo"), map[string]string{"id_number": id}, nil); code != 403 {
		t.Errorf("staff lookup: %d", code)
	}
	if code := h.call("POST", "/api/v1/tickets/served", kioskAuth, map[string]string{"id_number": "620982196011200031"}, &e); code != 400 || e.Error.Code != "invalid_id" {
		t.Errorf("bad check digit: %d %+v", code, e)
	}
	if code := h.call("POST", "/api/v1/tickets/served", kioskAuth, map[string]string{"id_number": "620102199001010011"}, &e); code != 404 {
		t.Errorf("someone else's card: %d", code)
	}
	var got ServedReply
	if code := h.call("POST", "/api/v1/tickets/served", kioskAuth, map[string]string{"id_number": "62098219601120003x"}, &got); code != 200 || got.ID != tk.ID || got.Label != tk.Label || got.Code == "" {
		t.Fatalf("served lookup: %d %+v", code, got)
	}
	if code := h.call("POST", "/api/v1/tickets/"+tk.ID+"/rate", kioskAuth, map[string]any{"code": got.Code, "level": 5}, nil); code != 200 {
		t.Fatalf("rate with the served code: %d", code)
	}
	if rt, _ := h.e.Ticket(ctx, tk.ID); rt.Rating != 5 {
		t.Errorf("rating at the hall %d", rt.Rating)
	}
	if code := h.call("POST", "/api/v1/tickets/served", kioskAuth, map[string]string{"id_number": id}, &e); code != 404 {
		t.Errorf("rated ticket offered again: %d", code)
	}
}
