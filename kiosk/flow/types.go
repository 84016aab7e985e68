package flow

import (
	"context"
	"errors"
	"time"

	"hallkiosk/kiosk/i18n"
)

// Screen is the screen a session is on.
type Screen int

// The kiosk's screens.
const (
	ScreenHome        Screen = iota // attract/home: zones, 24 h services, switches
	ScreenZone                      // services of one zone
	ScreenRealName                  // lay the ID card (or skip)
	ScreenBusy                      // issuing and printing
	ScreenTicket                    // ticket printed: number, ahead, wait
	ScreenPrintFailed               // printing failed: retry or cancel (void)
	ScreenMessage                   // a plain message (closed, cap, error) with a way home
	ScreenAppointment               // scan appointment QR or lay ID card
	ScreenScan                      // scan a licence/certificate QR
	ScreenDocument                  // what the scanned code shows
	ScreenRating                    // 好差评: five levels + reasons
	ScreenRated                     // thank you
	ScreenInvoiceID                 // lay ID card for invoices
	ScreenInvoices                  // invoices ready for pickup
	ScreenInvoiceDone               // slip printed
	ScreenPIN                       // maintenance PIN pad
	ScreenMaintenance               // maintenance panel
)

var screenNames = [...]string{"home", "zone", "realname", "busy", "ticket", "printfailed", "message",
	"appointment", "scan", "document", "rating", "rated", "invoiceid", "invoices", "invoicedone",
	"pin", "maintenance"}

// String returns the screen's short name (used in logs and screenshots).
func (s Screen) String() string {
	if int(s) < len(screenNames) {
		return screenNames[s]
	}
	return "unknown"
}

// RealName says whether a service asks for the ID card before issuing.
type RealName int

// Real-name modes.
const (
	RealNameNone     RealName = iota // no card step
	RealNameOptional                 // lay the card or skip
	RealNameRequired                 // no ticket without the card
)

// String names the mode as in the catalogue ("none", "optional", "required").
func (r RealName) String() string {
	switch r {
	case RealNameOptional:
		return "optional"
	case RealNameRequired:
		return "required"
	}
	return "none"
}

// Service is one service a citizen can take a ticket for.
type Service struct {
	Code     string // catalogue code, e.g. "TAX-INV"
	NameZH   string
	NameEN   string
	Prefix   string // ticket letter(s)
	RealName RealName
}

// Name returns the service name in lang (Chinese when no English name).
func (s Service) Name(lang i18n.Lang) string {
	if lang == i18n.EN && s.NameEN != "" {
		return s.NameEN
	}
	return s.NameZH
}

// Zone is a group of services (first level of the home screen).
type Zone struct {
	Code     string
	NameZH   string
	NameEN   string
	Services []Service
}

// Name returns the zone name in lang.
func (z Zone) Name(lang i18n.Lang) string {
	if lang == i18n.EN && z.NameEN != "" {
		return z.NameEN
	}
	return z.NameZH
}

// ServiceStatus is the live queue status of one service.
type ServiceStatus struct {
	Waiting int
	Wait    time.Duration
	Open    bool // issuing now (hours, not stopped)
}

// HallStatus is what the home screen shows besides the catalogue.
type HallStatus struct {
	Open     bool                     // the hall is within opening hours
	Online   bool                     // the hall server answered (a source reporting the catalogue's hours alone says false)
	Services map[string]ServiceStatus // by service code
	Notices  []string
	// NoticesEN are the notices in English by position ("" or missing:
	// the Chinese one is shown).
	NoticesEN []string
}

// NoticesIn returns the notices to show, in English when english is set.
func (h HallStatus) NoticesIn(english bool) []string {
	if !english {
		return h.Notices
	}
	out := make([]string, len(h.Notices))
	for i, n := range h.Notices {
		out[i] = n
		if i < len(h.NoticesEN) && h.NoticesEN[i] != "" {
			out[i] = h.NoticesEN[i]
		}
	}
	return out
}

// Citizen is what an ID card read yields. It is personal data: the flow keeps
// it only for the session and wipes it on return home.
type Citizen struct {
	Name     string
	IDNumber string
	// Expired: the card is past its validity. InvalidNumber: its ID number
	// fails the GB 11643 check (division, birth date, check digit). Either
	// card is refused where a ticket needs an ID card.
	Expired       bool
	InvalidNumber bool
}

// IssueRequest asks for a ticket.
type IssueRequest struct {
	Service     string   // service code
	Citizen     *Citizen // nil when not real-name
	Appointment string   // appointment id when checking in
	Priority    bool
}

// Ticket is an issued ticket.
type Ticket struct {
	Number      string // e.g. "A101"
	Service     string // service code
	ServiceName string // for display and printing (Chinese)
	Ahead       int
	Wait        time.Duration
	IssuedAt    time.Time
	Priority    bool
	Key         string // idempotency key (device, sequence) for confirm/void
	Ref         string // the issuer's own id of the ticket (ratings, void)
	Offline     bool   // issued from the kiosk's own number lease while the hall was unreachable: Ref is the store's sequence
	QR          string // signed code printed on the ticket, optional
	// Holder is the card holder's name on a real-name ticket (the printer
	// prints it masked); empty otherwise. English says the session was in
	// English (the ticket gets English lines).
	Holder  string
	English bool
}

// DocKind says what a scanned code is.
type DocKind int

// Document kinds.
const (
	DocUnknown     DocKind = iota // not a code we understand
	DocUntrusted                  // looked like ours or a licence, failed verification
	DocLicence                    // business licence (一照通 permits)
	DocProperty                   // real-estate certificate
	DocAppointment                // our appointment code
	DocTicket                     // our ticket code
)

var docNames = [...]string{"unknown", "untrusted", "licence", "property", "appointment", "ticket"}

// String names the kind.
func (k DocKind) String() string {
	if int(k) < len(docNames) {
		return docNames[k]
	}
	return "unknown"
}

// Field is one labelled line of a document.
type Field struct{ Label, Value string }

// Permit is a permit loaded on a licence.
type Permit struct {
	Kind   string // e.g. 食品经营许可证
	Number string
	Valid  string // e.g. 2028-05-31
}

// Document is what a scanned code resolves to.
type Document struct {
	Kind    DocKind
	Title   string // enterprise name, certificate number
	Fields  []Field
	Permits []Permit
	Ref     string // the issuer's id of the ticket when Kind is DocTicket (Title is its number)
	Code    string // a code the hall signed for the ticket, sent with its rating (ServedTickets)
	Offline bool   // DocTicket: a ticket the kiosk issued offline (Ref is the kiosk's own sequence)
}

// Invoice is a tax invoice ready for pickup.
type Invoice struct {
	ID     string
	Number string
	Seller string
	Amount string // yuan, as printed
	Issued time.Time
}

// InvoiceSlip is the pickup slip to print.
type InvoiceSlip struct {
	MaskedName string
	Invoices   []Invoice
	Code       string // pickup code for the locker/desk
	At         time.Time
}

// DeviceStatus is one device's health for the maintenance panel.
type DeviceStatus struct {
	Name   string
	OK     bool
	Detail string
}

// Rating is one 好差评 rating.
type Rating struct {
	Ticket  string // ticket number; empty when not tied to a ticket
	Ref     string // the issuer's id of that ticket, when known
	Offline bool   // the ticket was issued offline: Ref is the kiosk's own sequence
	Code    string // the ticket's signed code the citizen scanned: what identifies the ticket to the hall
	Level   int    // 1 (very dissatisfied) .. 5 (very satisfied)
	Reasons []string
	At      time.Time
}

// Errors the adapters return (wrapped) so the flow can show the right message.
var (
	ErrClosed      = errors.New("flow: outside service hours")
	ErrCapReached  = errors.New("flow: daily cap reached")
	ErrNotFound    = errors.New("flow: not found")
	ErrUntrusted   = errors.New("flow: code failed verification")
	ErrUnavailable = errors.New("flow: service unavailable")
	// ErrTooEarly and ErrTooLate: an appointment's check-in has not opened
	// yet or has closed; a *SlotError carries the time.
	ErrTooEarly = errors.New("flow: check-in not open yet")
	ErrTooLate  = errors.New("flow: check-in closed")
	// ErrNotRateable: the ticket is not served yet or already rated.
	ErrNotRateable = errors.New("flow: ticket cannot be rated")
)

// SlotError is a check-in refused for its time: Err is ErrTooEarly or
// ErrTooLate, At the hall-local time (HH:MM) check-in opens or closed,
// empty when the hall did not say.
type SlotError struct {
	Err error
	At  string
}

func (e *SlotError) Error() string {
	if e.At == "" {
		return e.Err.Error()
	}
	return e.Err.Error() + " (" + e.At + ")"
}

// Unwrap returns ErrTooEarly or ErrTooLate.
func (e *SlotError) Unwrap() error { return e.Err }

// Opening reports when services open again (the catalogue's hours, in the
// hall's time zone).
type Opening interface {
	// NextOpen returns when service next opens after t (false: not within a
	// week) and whether it is a break within the day (lunch), not the end
	// of the day.
	NextOpen(service string, t time.Time) (at time.Time, lunch, ok bool)
}

// PrinterFault says what stops the ticket printer.
type PrinterFault int

// Printer faults.
const (
	PrinterOK      PrinterFault = iota
	PrinterPaper                // paper out
	PrinterFailure              // cover open, cutter, no answer
)

var printerFaultNames = [...]string{"ok", "paper", "fault"}

// String names the fault ("ok", "paper", "fault").
func (p PrinterFault) String() string {
	if int(p) < len(printerFaultNames) {
		return printerFaultNames[p]
	}
	return "fault"
}

// Faults are the device faults that change what the home screen offers.
type Faults struct {
	Printer PrinterFault
	Reader  bool // the ID card reader does not answer
	NoSound bool // no sound card for the elder-mode prompts
}

// FaultSource reports the devices' faults; it answers from what the drivers
// last saw, without waiting on a device.
type FaultSource interface {
	Faults() Faults
}

// PrinterReady is a printer that can be asked, right before a number is
// taken, whether it can print (a fresh status poll), so that a printer out
// of paper burns no number.
type PrinterReady interface {
	Ready(ctx context.Context) PrinterFault
}

// ReaderProbe is a card reader that can say quickly whether it answers at
// all (a maintenance test must not wait for a card on a dead reader).
type ReaderProbe interface {
	Probe(ctx context.Context) error
}

// CardPresence is a card reader that can tell whether a card lies on it.
type CardPresence interface {
	CardPresent(ctx context.Context) (bool, error)
}

// ServedTickets finds the card holder's ticket of today that was served and
// not yet rated, so a citizen can rate it by laying the ID card. ErrNotFound
// when there is none.
type ServedTickets interface {
	ServedTicket(ctx context.Context, c Citizen) (Document, error)
}

// Catalogue lists zones and services (queue/catalog behind an adapter).
type Catalogue interface {
	Zones() []Zone
}

// HallStatusSource reports live queue status and notices.
type HallStatusSource interface {
	HallStatus(ctx context.Context) (HallStatus, error)
}

// TicketIssuer issues tickets from the kiosk's lease. Issue makes the ticket
// durable but not live; Confirm makes it live after the printer confirmed;
// Void cancels it (print failure, citizen gave up).
type TicketIssuer interface {
	Issue(ctx context.Context, req IssueRequest) (Ticket, error)
	Confirm(ctx context.Context, t Ticket) error
	Void(ctx context.Context, t Ticket, reason string) error
}

// TicketPrinter prints a ticket and returns once the printer confirmed it
// (or failed).
type TicketPrinter interface {
	PrintTicket(ctx context.Context, t Ticket) error
}

// SlipPrinter prints an invoice pickup slip.
type SlipPrinter interface {
	PrintSlip(ctx context.Context, s InvoiceSlip) error
}

// TestPrinter prints a technician's test page.
type TestPrinter interface {
	TestPrint(ctx context.Context) error
}

// CardReader waits for an ID card and reads it; it returns ctx.Err() when
// ctx ends first.
type CardReader interface {
	ReadCard(ctx context.Context) (Citizen, error)
}

// CodeSource waits for the next scanned code.
type CodeSource interface {
	NextCode(ctx context.Context) (string, error)
}

// CodeResolver turns a scanned code into a document: parsing, signature
// check and the registry lookup. Unknown codes give Kind DocUnknown, forged
// ones DocUntrusted; errors are for lookups that could not be made.
type CodeResolver interface {
	Resolve(ctx context.Context, code string) (Document, error)
}

// Appointments checks a booking in: by its scanned code, or by the card
// holder (c non-nil, code empty). It returns the priority ticket issued for
// it, not yet printed: the flow prints it and confirms or voids it through
// the TicketIssuer. Errors: ErrNotFound (no booking now), ErrUntrusted
// (forged, altered or expired code), ErrClosed, others.
type Appointments interface {
	CheckIn(ctx context.Context, code string, c *Citizen) (Ticket, error)
}

// Rater records a rating.
type Rater interface {
	Rate(ctx context.Context, r Rating) error
}

// InvoiceDesk is the hall's tax-invoice pickup adapter.
type InvoiceDesk interface {
	PendingInvoices(ctx context.Context, c Citizen) ([]Invoice, error)
	MarkCollected(ctx context.Context, c Citizen, ids []string) (code string, err error)
}

// Announcer speaks prompts (elder mode). Prompt keys are i18n keys.
type Announcer interface {
	Say(ctx context.Context, lang i18n.Lang, key string) error
}

// HealthSource reports device health.
type HealthSource interface {
	Health(ctx context.Context) []DeviceStatus
}

// SyncSource describes the sync state (outbox, last contact) in lines.
type SyncSource interface {
	SyncStatus(ctx context.Context) []string
}

// LogSource returns the most recent log lines (already free of personal data).
type LogSource interface {
	RecentLogs(n int) []string
}

// Timer is a stoppable timer.
type Timer interface{ Stop() bool }

// Clock gives the time and timers; tests use a fake.
type Clock interface {
	Now() time.Time
	AfterFunc(d time.Duration, f func()) Timer
}

// SystemClock is the real clock.
type SystemClock struct{}

// Now returns time.Now().
func (SystemClock) Now() time.Time { return time.Now() }

// AfterFunc wraps time.AfterFunc.
func (SystemClock) AfterFunc(d time.Duration, f func()) Timer { return time.AfterFunc(d, f) }
