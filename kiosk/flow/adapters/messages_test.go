package adapters

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"testing"
	"time"

	"golang.org/x/text/encoding/simplifiedchinese"

	"hallkiosk/drivers/idcard/idcardsim"
	"hallkiosk/kiosk/flow"
	"hallkiosk/queue/catalog"
	"hallkiosk/queue/engine"
)

func gbBytes(t *testing.T, s string) []byte {
	t.Helper()
	b, err := simplifiedchinese.GB18030.NewEncoder().Bytes([]byte(s))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestRealNameRefusesExpiredAndInvalidCards (issue 12 item 9): on the
// simulators, the driver's flags reach the flow: an expired card and a card
// whose number fails GB 11643 each get their own message for a service that
// needs an ID card, and no ticket is printed; a valid card gets its ticket,
// with the holder's name masked to a fixed width.
func TestRealNameRefusesExpiredAndInvalidCards(t *testing.T) {
	x := newE2E(t)
	for card, want := range map[string]string{"expired1": "realname.expired", "badid1": "realname.invalid"} {
		x.csim.Place(card)
		x.f.PickService("household") // real name required
		st := x.wait(t, flow.ScreenMessage)
		if st.Message != want || st.Person != "" {
			t.Errorf("%s: message %q person %q, want %s and no person", card, st.Message, st.Person, want)
		}
		x.csim.Remove()
		x.f.Home()
	}
	if n := len(x.psim.Jobs()); n != 0 {
		t.Fatalf("%d tickets printed for refused cards", n)
	}
	x.csim.Place("resident1")
	x.f.PickService("household")
	st := x.wait(t, flow.ScreenTicket)
	jobs := x.psim.Jobs()
	if len(jobs) != 1 {
		t.Fatalf("%d jobs", len(jobs))
	}
	name := []rune(idcardsim.Cards["resident1"].Name)
	if !bytes.Contains(jobs[0].Data, gbBytes(t, "实名取号："+string(name[0])+"**")) {
		t.Errorf("ticket %s lacks the fixed-width masked name", st.Ticket.Number)
	}
	if bytes.Contains(jobs[0].Data, gbBytes(t, string(name[1:]))) {
		t.Errorf("ticket prints more of the name than its first character")
	}
}

// TestHallCheckInTooEarlyAndTooLate (issue 12 item 7): the hall's 409
// bad_slot reaches the flow as ErrTooEarly with the time check-in opens, and
// as ErrTooLate with the time it closed, not as "no appointment found".
func TestHallCheckInTooEarlyAndTooLate(t *testing.T) {
	now := wedMorning
	srv := hallServer(t, &now, map[string]string{"kiosk-7": "s3cret"})
	ctx := context.Background()
	// Book the 11:00 slot (check-in 10:30 … 11:15) through the public API.
	slot := time.Date(2026, 11, 25, 11, 0, 0, 0, wedMorning.Location())
	body, _ := json.Marshal(engine.BookRequest{Service: "estate-transfer", SlotStart: slot, IDNumber: idcardsim.Cards["resident1"].IDNumber, Name: "张小三", Phone: "13800001234"})
	resp, err := http.Post(srv.URL+"/api/v1/appointments", "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	var a engine.Appointment
	json.NewDecoder(resp.Body).Decode(&a)
	resp.Body.Close()
	if resp.StatusCode != 201 || a.Code == "" {
		t.Fatalf("booking: %s %+v", resp.Status, a)
	}
	h := &Hall{URL: srv.URL, Device: "kiosk-7", Secret: "s3cret", Cat: catalog.Default()}
	_, err = h.CheckIn(ctx, a.Code, nil)
	var se *flow.SlotError
	if !errors.Is(err, flow.ErrTooEarly) || !errors.As(err, &se) || se.At != "10:30" || errors.Is(err, flow.ErrNotFound) {
		t.Fatalf("10:00 check-in: %v, want ErrTooEarly at 10:30", err)
	}
	now = time.Date(2026, 11, 25, 11, 20, 0, 0, wedMorning.Location())
	_, err = h.CheckIn(ctx, a.Code, nil)
	if !errors.Is(err, flow.ErrTooLate) || !errors.As(err, &se) || se.At != "11:15" {
		t.Fatalf("11:20 check-in: %v, want ErrTooLate at 11:15", err)
	}
}

// TestFlowSaysWhenCheckInOpens: the flow turns the error into the message
// with the time, on the real engine in the kiosk (standalone).
func TestFlowSaysWhenCheckInOpens(t *testing.T) {
	var idx *bookingIndex
	x := newE2EWith(t, func(d *flow.Deps) {
		e := d.Appointments.(*Engine)
		idx = &bookingIndex{e: e.E, codes: map[string]string{}}
		e.Person = idx
	})
	card := idcardsim.Cards["resident1"]
	// The first open slot after 11:00 opens for check-in 30 min before it.
	a := idx.book(t, wedMorning.Add(time.Hour), card.IDNumber)
	x.f.StartAppointment()
	x.wait(t, flow.ScreenAppointment)
	x.csim.Place("resident1")
	st := x.wait(t, flow.ScreenMessage)
	want := a.SlotStart.Add(-30 * time.Minute).In(wedMorning.Location()).Format("15:04")
	if st.Message != "appt.early" || len(st.Args) != 1 || st.Args[0] != want {
		t.Fatalf("message %q %v, want appt.early [%s]", st.Message, st.Args, want)
	}
}

// TestWaitWindows: the printed hint names the windows of the service's own
// area, compactly (cross-authorised windows elsewhere are left out).
func TestWaitWindows(t *testing.T) {
	cat := catalog.Default()
	if got := catalog.WindowRange(cat.WaitWindows("tax-filing")); got != "19–33" {
		t.Errorf("tax-filing: %q", got)
	}
	if got := catalog.WindowRange(cat.WaitWindows("tax-invoice")); got != "19、34–38" {
		t.Errorf("tax-invoice: %q", got)
	}
	if got := catalog.WindowRange([]int{3, 1, 2, 2, 7}); got != "1–3、7" {
		t.Errorf("range: %q", got)
	}
}
