package engine

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"hallkiosk/internal/codesign"
	"hallkiosk/queue/catalog"
)

// CodeKind is the codesign kind of appointment codes.
const CodeKind = "appointment"

// AppointmentState is a booking's state.
type AppointmentState string

// Appointment states.
const (
	ApptBooked    AppointmentState = "booked"
	ApptCheckedIn AppointmentState = "checked_in"
	ApptCancelled AppointmentState = "cancelled"
	ApptMissed    AppointmentState = "missed" // not checked in by slot start + AppointmentLate; the place is released
)

// Appointment is one booking of a slot.
type Appointment struct {
	ID         string           `json:"id"`
	Service    string           `json:"service"`
	Day        string           `json:"day"`
	SlotStart  time.Time        `json:"slot_start"`
	SlotEnd    time.Time        `json:"slot_end"`
	State      AppointmentState `json:"state"`
	PersonHash string           `json:"-"`
	NameMasked string           `json:"name_masked,omitempty"`
	PhoneTail  string           `json:"phone_tail,omitempty"` // last 4 digits
	TicketID   string           `json:"ticket_id,omitempty"`
	CreatedAt  time.Time        `json:"created_at"`
	// Code is the signed QR payload (codesign, kind "appointment") the kiosk checks in with.
	Code string `json:"code,omitempty"`
}

// Slot is one appointment period of a service.
type Slot struct {
	Start    time.Time `json:"start"`
	End      time.Time `json:"end"`
	Capacity int       `json:"capacity"`
	Booked   int       `json:"booked"`
	Left     int       `json:"left"`
	Open     bool      `json:"open"` // still bookable (not over, places left)
}

// BookRequest books an appointment.
type BookRequest struct {
	Service   string    `json:"service"`
	SlotStart time.Time `json:"slot_start"`
	IDNumber  string    `json:"id_number,omitempty"` // hashed at once, never stored
	Name      string    `json:"name,omitempty"`      // masked at once
	Phone     string    `json:"phone,omitempty"`     // only the last 4 digits are kept
}

func (e *Engine) loadAppointmentsLocked(ctx context.Context) error {
	if e.appts != nil {
		return nil
	}
	rows, err := e.rdb.QueryContext(ctx, `SELECT data, COALESCE(person_hash,'') FROM appointments WHERE day>=?`, e.day)
	if err != nil {
		return &Error{Code: CodeUnavailable, Msg: "load appointments", Err: err}
	}
	defer rows.Close()
	m := map[string]*Appointment{}
	for rows.Next() {
		var data, ph string
		if err := rows.Scan(&data, &ph); err != nil {
			return &Error{Code: CodeUnavailable, Msg: "load appointments", Err: err}
		}
		a := &Appointment{}
		if err := json.Unmarshal([]byte(data), a); err != nil {
			return &Error{Code: CodeUnavailable, Msg: "decode appointment", Err: err}
		}
		a.PersonHash = ph
		m[a.ID] = a
	}
	e.appts = m
	return rows.Err()
}

func (e *Engine) saveAppt(o *op, a *Appointment) {
	data, _ := json.Marshal(a)
	var ph any
	if a.PersonHash != "" {
		ph = a.PersonHash
	}
	o.stmts = append(o.stmts, stmt{`INSERT INTO appointments(id, service, day, slot_start, state, person_hash, data) VALUES (?,?,?,?,?,?,?)
ON CONFLICT(id) DO UPDATE SET state=excluded.state, data=excluded.data`, []any{a.ID, a.Service, a.Day, a.SlotStart.Unix(), string(a.State), ph, string(data)}})
}

// sweepLocked marks bookings not checked in by slot start + AppointmentLate as missed.
func (e *Engine) sweepLocked(o *op, now time.Time) {
	for _, a := range e.appts {
		if a.State == ApptBooked && now.After(a.SlotStart.Add(e.opts.AppointmentLate)) {
			a.State = ApptMissed
			e.saveAppt(o, a)
			o.events = append(o.events, &Event{Kind: EvNoShow, At: now, Day: e.dayOf(now), Service: a.Service, Actor: "system", Detail: "appointment " + a.ID + " missed"})
		}
		if a.Day < e.day {
			delete(e.appts, a.ID)
		}
	}
}

func (e *Engine) slotsLocked(s *catalog.Service, day string, now time.Time) ([]Slot, error) {
	d, err := time.ParseInLocation(time.DateOnly, day, e.loc)
	if err != nil {
		return nil, errf(CodeInvalid, "day %q: want YYYY-MM-DD", day)
	}
	if !s.TakesAppointments() {
		return nil, errf(CodeBadSlot, "service %s takes no appointments", s.ID)
	}
	var out []Slot
	step := time.Duration(s.SlotMinutes) * time.Minute
	for _, p := range s.Periods(d.Add(12*time.Hour), e.loc) {
		for st := p[0]; !st.Add(step).After(p[1]); st = st.Add(step) {
			sl := Slot{Start: st, End: st.Add(step), Capacity: s.SlotCapacity}
			for _, a := range e.appts {
				if a.Service == s.ID && a.SlotStart.Equal(st) && (a.State == ApptBooked || a.State == ApptCheckedIn) {
					sl.Booked++
				}
			}
			sl.Left = max(0, sl.Capacity-sl.Booked)
			sl.Open = sl.Left > 0 && now.Before(st.Add(e.opts.AppointmentLate))
			out = append(out, sl)
		}
	}
	return out, nil
}

// Slots lists a service's appointment slots on day (YYYY-MM-DD) with the
// places left.
func (e *Engine) Slots(ctx context.Context, service, day string) ([]Slot, error) {
	var out []Slot
	err := e.do(ctx, func(now time.Time, o *op) error {
		s, ok := e.cat.Service(service)
		if !ok {
			return errf(CodeUnknownService, "unknown service %q", service)
		}
		if err := e.loadAppointmentsLocked(ctx); err != nil {
			return err
		}
		e.sweepLocked(o, now)
		var err error
		out, err = e.slotsLocked(s, day, now)
		return err
	})
	return out, err
}

// Book books a place in a slot and returns the appointment with its signed
// code. A person (by ID number) may hold one live booking per service and day.
func (e *Engine) Book(ctx context.Context, req BookRequest) (*Appointment, error) {
	var ph string
	if req.IDNumber != "" {
		ph = e.opts.Hasher.Hash(strings.ToUpper(strings.TrimSpace(req.IDNumber)))
	}
	name := ""
	if req.Name != "" {
		name = MaskName(req.Name)
	}
	tail := ""
	if d := strings.TrimSpace(req.Phone); len(d) >= 4 {
		tail = d[len(d)-4:]
	}
	var out *Appointment
	err := e.do(ctx, func(now time.Time, o *op) error {
		s, ok := e.cat.Service(req.Service)
		if !ok {
			return errf(CodeUnknownService, "unknown service %q", req.Service)
		}
		if ph == "" && s.RealNameMode() == catalog.RealNameRequired {
			return errf(CodeRealNameRequired, "service %s needs an ID number", s.ID)
		}
		if err := e.loadAppointmentsLocked(ctx); err != nil {
			return err
		}
		e.sweepLocked(o, now)
		day := e.dayOf(req.SlotStart)
		slots, err := e.slotsLocked(s, day, now)
		if err != nil {
			return err
		}
		i := slices.IndexFunc(slots, func(sl Slot) bool { return sl.Start.Equal(req.SlotStart) })
		if i < 0 || !now.Before(slots[i].Start.Add(e.opts.AppointmentLate)) {
			return errf(CodeBadSlot, "no open slot of %s at %s", s.ID, req.SlotStart.In(e.loc).Format("2006-01-02 15:04"))
		}
		if slots[i].Left == 0 {
			return errf(CodeSlotFull, "slot %s of %s is full", req.SlotStart.In(e.loc).Format("2006-01-02 15:04"), s.ID)
		}
		if ph != "" {
			live := 0
			for _, a := range e.appts {
				if a.PersonHash != ph || a.Day != day || (a.State != ApptBooked && a.State != ApptCheckedIn) {
					continue
				}
				if a.Service == s.ID {
					return errf(CodePersonLimit, "person already booked %s on %s", s.ID, day)
				}
				live++
			}
			if live >= e.opts.PersonBookingsPerDay {
				return errf(CodePersonLimit, "person holds %d bookings on %s", live, day)
			}
		}
		var rb [6]byte
		rand.Read(rb[:])
		a := &Appointment{ID: "AP" + strings.ReplaceAll(day, "-", "")[2:] + strings.ToUpper(hex.EncodeToString(rb[:])),
			Service: s.ID, Day: day, SlotStart: slots[i].Start, SlotEnd: slots[i].End, State: ApptBooked,
			PersonHash: ph, NameMasked: name, PhoneTail: tail, CreatedAt: now}
		code, err := e.opts.Signer.Sign(CodeKind, map[string]string{"id": a.ID, "svc": s.ID, "slot": a.SlotStart.UTC().Format(time.RFC3339)}, now, a.SlotEnd.Add(e.opts.AppointmentLate))
		if err != nil {
			return &Error{Code: CodeUnavailable, Msg: "sign", Err: err}
		}
		a.Code = code
		e.appts[a.ID] = a
		e.saveAppt(o, a)
		o.events = append(o.events, &Event{Kind: "book", At: now, Day: e.dayOf(now), Service: s.ID, Actor: "booking", Detail: a.ID})
		c := *a
		out = &c
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// Appointment returns a booking by id.
func (e *Engine) Appointment(ctx context.Context, id string) (*Appointment, error) {
	var out *Appointment
	err := e.do(ctx, func(now time.Time, o *op) error {
		if err := e.loadAppointmentsLocked(ctx); err != nil {
			return err
		}
		e.sweepLocked(o, now)
		a := e.appts[id]
		if a == nil {
			return errf(CodeNotFound, "no appointment %q", id)
		}
		c := *a
		out = &c
		return nil
	})
	return out, err
}

// CancelAppointment cancels a booking and releases its place.
func (e *Engine) CancelAppointment(ctx context.Context, id string, who Actor) error {
	return e.do(ctx, func(now time.Time, o *op) error {
		if err := e.loadAppointmentsLocked(ctx); err != nil {
			return err
		}
		a := e.appts[id]
		if a == nil {
			return errf(CodeNotFound, "no appointment %q", id)
		}
		if a.State != ApptBooked {
			return errf(CodeBadState, "appointment %s is %s", id, a.State)
		}
		a.State = ApptCancelled
		e.saveAppt(o, a)
		o.events = append(o.events, &Event{Kind: EvCancel, At: now, Day: e.dayOf(now), Service: a.Service, Actor: who.Name, Detail: "appointment " + id})
		return nil
	})
}

// AppointmentOfCode verifies a booking's signed code and returns the
// booking's id (CodeBadCode when forged, altered or expired).
func (e *Engine) AppointmentOfCode(code string) (string, error) {
	if c, ok := codesign.Extract(code); ok {
		code = c
	}
	cl, err := e.opts.Verifier.Verify(code, e.opts.Now())
	if err != nil {
		return "", &Error{Code: CodeBadCode, Msg: "appointment code", Err: err}
	}
	if cl.Kind != CodeKind || cl.Fields["id"] == "" {
		return "", &Error{Code: CodeBadCode, Msg: "not an appointment code", Err: errors.New("not an appointment")}
	}
	return cl.Fields["id"], nil
}

// CheckIn turns a booking's signed code (or a URL carrying it) into an
// appointment-class ticket, from AppointmentEarly before the slot until
// AppointmentLate after its start. A repeated check-in returns the same
// ticket with Duplicate set. Forged, altered or expired codes are refused
// with CodeBadCode.
func (e *Engine) CheckIn(ctx context.Context, code, deviceID string) (*Ticket, error) {
	cl, err := e.opts.Verifier.Verify(code, e.opts.Now())
	if err != nil {
		return nil, &Error{Code: CodeBadCode, Msg: "appointment code", Err: err}
	}
	if cl.Kind != CodeKind || cl.Fields["id"] == "" {
		return nil, &Error{Code: CodeBadCode, Msg: fmt.Sprintf("code of kind %q", cl.Kind), Err: errors.New("not an appointment")}
	}
	id := cl.Fields["id"]
	return e.checkIn(ctx, deviceID, func(time.Time) (*Appointment, error) {
		a := e.appts[id]
		if a == nil {
			return nil, errf(CodeNotFound, "no appointment %q", id)
		}
		return a, nil
	})
}

// checkInLocked turns booking a into its appointment ticket (or returns the
// ticket it already has, with Duplicate set).
func (e *Engine) checkInLocked(now time.Time, o *op, a *Appointment, deviceID string) (*Ticket, error) {
	if a.State == ApptCheckedIn {
		if t := e.tickets[a.TicketID]; t != nil {
			out := t.clone()
			out.Duplicate = true
			e.placeLocked(out, t, now)
			return out, nil
		}
		return nil, errf(CodeBadState, "appointment %s already used", a.ID)
	}
	if a.State != ApptBooked {
		return nil, errf(CodeBadState, "appointment %s is %s", a.ID, a.State)
	}
	if now.Before(a.SlotStart.Add(-e.opts.AppointmentEarly)) {
		return nil, errf(CodeBadSlot, "too early: check in from %s", a.SlotStart.Add(-e.opts.AppointmentEarly).In(e.loc).Format("15:04"))
	}
	if now.After(a.SlotStart.Add(e.opts.AppointmentLate)) {
		e.sweepLocked(o, now)
		return nil, errf(CodeBadSlot, "appointment %s was missed: check-in closed at %s", a.ID, a.SlotStart.Add(e.opts.AppointmentLate).In(e.loc).Format("15:04"))
	}
	t, err := e.newTicketLocked(now, o, IssueRequest{Service: a.Service, Priority: catalog.PriorityAppointment,
		DeviceID: deviceID, Key: "appt:" + a.ID, PersonHash: a.PersonHash, Name: a.NameMasked}, a)
	if err != nil {
		return nil, err
	}
	a.State, a.TicketID = ApptCheckedIn, t.ID
	e.saveAppt(o, a)
	out := t.clone()
	out.Ahead, out.WaitMin = e.estimateLocked(t, now)
	return out, nil
}

// CheckInPerson checks in today's booking of the holder of an ID card, as
// the booking's code would: idNumber is hashed at once with the hall's key
// and never stored. Of the person's bookings today the one open for
// check-in now is taken (the earliest slot if several); one already
// checked in returns its ticket with Duplicate set. No booking today is
// CodeNotFound; a booking whose check-in has not opened yet is CodeBadSlot
// saying from when.
func (e *Engine) CheckInPerson(ctx context.Context, idNumber, deviceID string) (*Ticket, error) {
	idNumber = strings.ToUpper(strings.TrimSpace(idNumber))
	if idNumber == "" {
		return nil, errf(CodeInvalid, "check-in by ID card needs the ID number")
	}
	ph := e.opts.Hasher.Hash(idNumber)
	return e.checkIn(ctx, deviceID, func(now time.Time) (*Appointment, error) {
		var open, early, done *Appointment
		for _, a := range e.appts {
			if a.PersonHash != ph || a.Day != e.day {
				continue
			}
			switch {
			case a.State == ApptCheckedIn:
				done = a
			case a.State != ApptBooked || now.After(a.SlotStart.Add(e.opts.AppointmentLate)):
			case now.Before(a.SlotStart.Add(-e.opts.AppointmentEarly)):
				if early == nil || a.SlotStart.Before(early.SlotStart) {
					early = a
				}
			default:
				if open == nil || a.SlotStart.Before(open.SlotStart) {
					open = a
				}
			}
		}
		a := open
		if a == nil {
			a = done
		}
		if a == nil {
			a = early
		}
		if a == nil {
			return nil, errf(CodeNotFound, "no booking today for this ID card")
		}
		return a, nil
	})
}

// checkIn checks in the booking find picks (under the engine lock, with
// the appointments loaded) for deviceID.
func (e *Engine) checkIn(ctx context.Context, deviceID string, find func(now time.Time) (*Appointment, error)) (*Ticket, error) {
	var out *Ticket
	err := e.do(ctx, func(now time.Time, o *op) error {
		if err := e.loadAppointmentsLocked(ctx); err != nil {
			return err
		}
		a, err := find(now)
		if err != nil {
			return err
		}
		out, err = e.checkInLocked(now, o, a, deviceID)
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

var _ = codesign.Prefix
