package adapters

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"hallkiosk/drivers/idcard/idcardsim"
	"hallkiosk/kiosk/flow"
	"hallkiosk/queue/catalog"
	"hallkiosk/queue/engine"
)

// hallBook books the first open estate-transfer slot of today at the hall
// for idNumber through the hall's public booking API.
func hallBook(t *testing.T, base, idNumber string) {
	t.Helper()
	resp, err := http.Get(base + "/api/v1/appointments/slots?service=estate-transfer")
	if err != nil {
		t.Fatal(err)
	}
	var slots []engine.Slot
	err = json.NewDecoder(resp.Body).Decode(&slots)
	resp.Body.Close()
	if err != nil {
		t.Fatal(err)
	}
	for _, sl := range slots {
		if !sl.Open || sl.Start.Before(wedMorning) {
			continue
		}
		body, _ := json.Marshal(engine.BookRequest{Service: "estate-transfer", SlotStart: sl.Start, IDNumber: idNumber, Name: "张小三", Phone: "13800001234"}) // the hall requires name and mobile
		resp, err := http.Post(base+"/api/v1/appointments", "application/json", bytes.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 201 {
			t.Fatalf("booking at the hall: %s", resp.Status)
		}
		return
	}
	t.Fatalf("no open slot in %+v", slots)
}

// bookingIndex stands in for the lookup queue/engine does not offer yet
// (PersonCheckIn): it remembers the signed code of each booking by the ID
// number it was made for, and checks in with the real engine by that code.
type bookingIndex struct {
	e     *engine.Engine
	codes map[string]string
}

func (b *bookingIndex) CheckInPerson(ctx context.Context, idNumber, deviceID string) (*engine.Ticket, error) {
	code, ok := b.codes[idNumber]
	if !ok {
		return nil, &engine.Error{Code: engine.CodeNotFound, Msg: "no booking for this person today"}
	}
	return b.e.CheckIn(ctx, code, deviceID)
}

// book books the next open estate-transfer slot of today for idNumber.
func (b *bookingIndex) book(t testing.TB, now time.Time, idNumber string) *engine.Appointment {
	t.Helper()
	ctx := context.Background()
	slots, err := b.e.Slots(ctx, "estate-transfer", b.e.Today())
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range slots {
		if s.Open && !s.Start.Before(now) {
			a, err := b.e.Book(ctx, engine.BookRequest{Service: "estate-transfer", SlotStart: s.Start, IDNumber: idNumber, Name: "张小三", Phone: "13800001234"}) // the hall requires name and mobile
			if err != nil {
				t.Fatal(err)
			}
			b.codes[idNumber] = a.Code
			return a
		}
	}
	t.Fatalf("no open slot after %v in %+v", now, slots)
	return nil
}

// TestEngineCheckInByIDCard: with a person lookup (here a stand-in that
// checks in by the booking's code), laying the card of the person who booked
// checks the booking in at the real engine and gives its priority ticket;
// another card finds no booking.
func TestEngineCheckInByIDCard(t *testing.T) {
	now := wedMorning
	e := openEngine(t, &now)
	ctx := context.Background()
	zhang := &flow.Citizen{Name: "张小三", IDNumber: idcardsim.Cards["resident1"].IDNumber}
	if _, err := e.CheckIn(ctx, "", zhang); !errors.Is(err, flow.ErrNotFound) {
		t.Fatalf("no booking yet: %v", err)
	}
	idx := &bookingIndex{e: e.E, codes: map[string]string{}}
	a := idx.book(t, now, zhang.IDNumber)
	e.Person = idx
	tk, err := e.CheckIn(ctx, "", zhang)
	if err != nil {
		t.Fatal(err)
	}
	if !tk.Priority || tk.Service != "estate-transfer" || tk.Number[0] != 'N' || tk.Ref == "" {
		t.Fatalf("ticket %+v", tk)
	}
	if got, _ := e.E.Appointment(ctx, a.ID); got.State != engine.ApptCheckedIn || got.TicketID != tk.Ref {
		t.Fatalf("appointment after check-in: %+v", got)
	}
	again, err := e.CheckIn(ctx, "", zhang)
	if err != nil || again.Number != tk.Number {
		t.Fatalf("second check-in: %+v, %v (want the same ticket %s)", again, err, tk.Number)
	}
	if _, err := e.CheckIn(ctx, "", &flow.Citizen{IDNumber: idcardsim.Cards["resident2"].IDNumber}); !errors.Is(err, flow.ErrNotFound) {
		t.Errorf("card without a booking: %v", err)
	}
	if _, err := e.CheckIn(ctx, "", nil); !errors.Is(err, flow.ErrNotFound) {
		t.Errorf("no card: %v", err)
	}
}

// TestEngineCheckInByIDCardReal: the same through the engine's own lookup
// by person (engine.CheckInPerson), which Engine uses without Person.
func TestEngineCheckInByIDCardReal(t *testing.T) {
	now := wedMorning
	e := openEngine(t, &now)
	ctx := context.Background()
	zhang := &flow.Citizen{Name: "张小三", IDNumber: idcardsim.Cards["resident1"].IDNumber}
	idx := &bookingIndex{e: e.E, codes: map[string]string{}} // used only to book
	idx.book(t, now, zhang.IDNumber)
	tk, err := e.CheckIn(ctx, "", zhang)
	if err != nil {
		t.Fatal(err)
	}
	if !tk.Priority || tk.Service != "estate-transfer" {
		t.Fatalf("ticket %+v", tk)
	}
	if _, err := e.CheckIn(ctx, "", &flow.Citizen{IDNumber: idcardsim.Cards["resident2"].IDNumber}); !errors.Is(err, flow.ErrNotFound) {
		t.Errorf("card without a booking: %v", err)
	}
}

// TestCardCheckInOnSimulators: the whole flow on the simulators: the
// check-in screen, the simulated reader's card, the engine's check-in, the
// priority ticket printed by the printer simulator.
func TestCardCheckInOnSimulators(t *testing.T) {
	var idx *bookingIndex
	x := newE2EWith(t, func(d *flow.Deps) {
		e := d.Appointments.(*Engine)
		idx = &bookingIndex{e: e.E, codes: map[string]string{}}
		e.Person = idx
	})
	card := idcardsim.Cards["resident1"]
	idx.book(t, wedMorning, card.IDNumber)
	x.f.StartAppointment()
	x.wait(t, flow.ScreenAppointment)
	x.csim.Place("resident1")
	st := x.wait(t, flow.ScreenTicket)
	if !st.Ticket.Priority || st.Ticket.Service != "estate-transfer" {
		t.Fatalf("ticket %+v", st.Ticket)
	}
	if n := len(x.psim.Jobs()); n != 1 {
		t.Fatalf("%d jobs printed", n)
	}
	x.csim.Remove()
	x.f.Home()

	// Another person's card: no booking, said so.
	x.f.StartAppointment()
	x.wait(t, flow.ScreenAppointment)
	x.csim.Place("resident2")
	if st := x.wait(t, flow.ScreenMessage); st.Message != "appt.none" {
		t.Fatalf("message %q, want appt.none", st.Message)
	}
}

// TestHallCheckInByIDCard: against the real hall API a card without a
// booking finds none, and the card of a person booked through the hall's
// booking API checks in to a priority ticket; against a stand-in hall the
// kiosk is seen to send the card's number with its device key.
func TestHallCheckInByIDCard(t *testing.T) {
	now := wedMorning
	srv := hallServer(t, &now, map[string]string{"kiosk-7": "s3cret"})
	ctx := context.Background()
	zhang := &flow.Citizen{Name: "张小三", IDNumber: idcardsim.Cards["resident1"].IDNumber}
	h := &Hall{URL: srv.URL, Device: "kiosk-7", Secret: "s3cret", Cat: catalog.Default()}
	if _, err := h.CheckIn(ctx, "", zhang); !errors.Is(err, flow.ErrNotFound) {
		t.Fatalf("card without a booking at the real hall: %v", err)
	}
	// Book at the real hall through its public booking API, then lay the card.
	hallBook(t, srv.URL, zhang.IDNumber)
	tk, err := h.CheckIn(ctx, "", zhang)
	if err != nil {
		t.Fatal(err)
	}
	if !tk.Priority || tk.Service != "estate-transfer" || tk.Number[0] != 'N' {
		t.Fatalf("ticket from the real hall %+v", tk)
	}

	var got struct {
		IDNumber string `json:"id_number"`
	}
	var auth string
	fake := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != "POST" || r.URL.Path != "/api/v1/checkin/person" {
			http.NotFound(w, r)
			return
		}
		auth = r.Header.Get("Authorization")
		_ = json.NewDecoder(r.Body).Decode(&got)
		if got.IDNumber != zhang.IDNumber {
			w.WriteHeader(404)
			_, _ = w.Write([]byte(`{"error":{"code":"not_found","message":"no booking"}}`))
			return
		}
		w.WriteHeader(201)
		_ = json.NewEncoder(w).Encode(engine.Ticket{ID: "T1", Label: "N001", Service: "estate-transfer", Priority: catalog.PriorityAppointment})
	}))
	defer fake.Close()
	h = &Hall{URL: fake.URL, Device: "kiosk-7", Secret: "s3cret", Cat: catalog.Default()}
	tk, err = h.CheckIn(ctx, "", zhang)
	if err != nil {
		t.Fatal(err)
	}
	if tk.Number != "N001" || !tk.Priority || tk.Ref != "T1" || auth != "Device kiosk-7:s3cret" {
		t.Fatalf("ticket %+v, authorization %q", tk, auth)
	}
	if _, err := h.CheckIn(ctx, "", &flow.Citizen{IDNumber: idcardsim.Cards["resident2"].IDNumber}); !errors.Is(err, flow.ErrNotFound) {
		t.Errorf("unknown person: %v", err)
	}
}
