package engine

import (
	"time"

	"hallkiosk/queue/catalog"
)

// State is a ticket's lifecycle state.
type State string

// Ticket states. Waiting, Called, Serving and Parked are live; the others
// are terminal and every ticket ends in exactly one of them.
const (
	StateWaiting   State = "waiting"   // in the queue
	StateCalled    State = "called"    // called to a window, citizen not yet there
	StateServing   State = "serving"   // at the window
	StateParked    State = "parked"    // missed its call (过号) or set aside; can be requeued
	StateDone      State = "done"      // served (terminal)
	StateCancelled State = "cancelled" // withdrawn by the citizen (terminal)
	StateVoid      State = "void"      // voided, e.g. the ticket failed to print (terminal)
	StateNoShow    State = "no_show"   // missed and never came back by day end (terminal)
	StateExpired   State = "expired"   // still waiting when the day ended (terminal)
	// StateReserved: issued for a kiosk that has not yet confirmed it
	// printed (IssueRequest.Reserve); never called. Confirmed, it waits.
	StateReserved State = "reserved"
	// StateLapsed: a reservation never confirmed within the timeout, or
	// replaced by the kiosk's offline ticket (terminal; the number stays
	// used). A late confirmation still makes it wait (it was printed).
	StateLapsed State = "lapsed"
)

// String returns the state's name.
func (s State) String() string { return string(s) }

// Terminal reports whether s is a final state.
func (s State) Terminal() bool {
	switch s {
	case StateDone, StateCancelled, StateVoid, StateNoShow, StateExpired, StateLapsed:
		return true
	}
	return false
}

// Ticket is one queue ticket. Times are absolute; Day is the hall-local
// date (YYYY-MM-DD) the number belongs to.
type Ticket struct {
	ID     string `json:"id"`
	Day    string `json:"day"`
	Number int    `json:"number"`
	Label  string `json:"label"` // prefix + number, e.g. "A023"
	// IssueService is the service whose number series the ticket uses.
	IssueService string `json:"issue_service"`
	// Service is the service the ticket currently queues for.
	Service string `json:"service"`
	// Services is the whole list for a multi-service ticket (一件事一次办),
	// handled in order; Step indexes the current one.
	Services []string         `json:"services"`
	Step     int              `json:"step"`
	Priority catalog.Priority `json:"priority"`
	State    State            `json:"state"`
	IssuedAt time.Time        `json:"issued_at"`
	// QueuedAt orders the ticket in its class: the issue time, kept across
	// transfers and service steps; a requeued missed ticket gets the
	// requeue time.
	QueuedAt     time.Time `json:"queued_at"`
	Window       int       `json:"window,omitempty"`        // current or last window
	TargetWindow int       `json:"target_window,omitempty"` // transferred to this window only
	Staff        string    `json:"staff,omitempty"`
	Recalls      int       `json:"recalls,omitempty"`
	FirstCalled  time.Time `json:"first_called_at,omitzero"`
	CalledAt     time.Time `json:"called_at,omitzero"`
	ServedAt     time.Time `json:"served_at,omitzero"`
	EndedAt      time.Time `json:"ended_at,omitzero"`
	ParkReason   string    `json:"park_reason,omitempty"`
	// Source device and idempotency key ("device:seq" for kiosk tickets).
	DeviceID  string `json:"device_id,omitempty"`
	DeviceSeq int64  `json:"device_seq,omitempty"`
	Key       string `json:"key,omitempty"`
	// PersonHash is the keyed hash of the holder's ID number (never the number).
	PersonHash    string    `json:"-"`
	NameMasked    string    `json:"name_masked,omitempty"`
	AppointmentID string    `json:"appointment_id,omitempty"`
	SlotStart     time.Time `json:"slot_start,omitzero"`
	SlotEnd       time.Time `json:"slot_end,omitzero"`
	Rating        int       `json:"rating,omitempty"` // 1..5, 0 unrated: the latest rating of any step
	// Steps records each served step (service, window, staff, times), for
	// per-step ratings and statistics; Marks the ratings given (ratings.go).
	Steps []StepRecord `json:"steps,omitempty"`
	Marks []RatingMark `json:"marks,omitempty"`
	// Filled in on issue replies only.
	Ahead     int  `json:"ahead,omitempty"`
	WaitMin   int  `json:"est_wait_min,omitempty"`
	Duplicate bool `json:"duplicate,omitempty"` // the idempotency key matched an existing ticket
}

func (t *Ticket) clone() *Ticket {
	c := *t
	c.Services = append([]string(nil), t.Services...)
	c.Steps = append([]StepRecord(nil), t.Steps...)
	c.Marks = append([]RatingMark(nil), t.Marks...)
	c.Ahead, c.WaitMin, c.Duplicate = 0, 0, false
	return &c
}

// EventKind names a ticket or window transition.
type EventKind string

// Event kinds.
const (
	EvIssue    EventKind = "issue"
	EvImport   EventKind = "import" // issued elsewhere (kiosk offline), imported by sync
	EvCall     EventKind = "call"
	EvRecall   EventKind = "recall"
	EvStart    EventKind = "start"
	EvNoShow   EventKind = "no_show" // missed the call: parked
	EvPark     EventKind = "park"
	EvRequeue  EventKind = "requeue"
	EvTransfer EventKind = "transfer"
	EvNextStep EventKind = "next_step" // multi-service ticket moves to its next service
	EvFinish   EventKind = "finish"
	EvCancel   EventKind = "cancel"
	EvVoid     EventKind = "void"
	EvExpire   EventKind = "expire" // day end
	EvRate     EventKind = "rate"
	EvPause    EventKind = "pause"
	EvResume   EventKind = "resume"
	EvLease    EventKind = "lease"
	EvCatalog  EventKind = "catalog"
)

// Event records one transition: what, when, who and where.
type Event struct {
	Seq     int64     `json:"seq"`
	Kind    EventKind `json:"kind"`
	At      time.Time `json:"at"`
	Day     string    `json:"day"`
	Ticket  string    `json:"ticket,omitempty"`
	Label   string    `json:"label,omitempty"`
	Service string    `json:"service,omitempty"`
	Window  int       `json:"window,omitempty"`
	Actor   string    `json:"actor,omitempty"` // staff user, device id or "system"
	State   State     `json:"state,omitempty"` // the ticket's state after the event
	Detail  string    `json:"detail,omitempty"`
}

// Lease is a block of numbers [First, Last] of one service and day,
// handed to one device. Numbers in a lease are never handed out again.
type Lease struct {
	Device  string `json:"device"`
	Service string `json:"service"`
	Prefix  string `json:"prefix"`
	Day     string `json:"day"`
	First   int    `json:"first"`
	Last    int    `json:"last"`
}

// Actor says who does something and where.
type Actor struct {
	Name   string // staff user name, device id, "kiosk:<id>", "system"
	Window int    // window number, 0 if none
}

// WindowStatus is a window's live state.
type WindowStatus struct {
	Number   int      `json:"number"`
	Name     string   `json:"name"`
	Zone     string   `json:"zone"`
	Services []string `json:"services"`
	Paused   bool     `json:"paused"`
	Staff    string   `json:"staff,omitempty"`
	Current  *Ticket  `json:"current,omitempty"`
	Waiting  int      `json:"waiting"` // tickets this window could call now
}

// ServiceStatus is the live queue of one service.
type ServiceStatus struct {
	ID          string `json:"id"`
	Prefix      string `json:"prefix"`
	Name        string `json:"name"`
	NameEN      string `json:"name_en"`
	Zone        string `json:"zone"`
	Open        bool   `json:"open"`
	Waiting     int    `json:"waiting"`
	OpenWindows int    `json:"open_windows"`
	WaitMin     int    `json:"est_wait_min"`
	IssuedToday int    `json:"issued_today"`
	CapLeft     int    `json:"cap_left"` // -1 when uncapped
}
