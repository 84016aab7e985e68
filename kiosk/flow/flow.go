package flow

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"hallkiosk/internal/pii"
	"hallkiosk/kiosk/i18n"
)

// Deps are the parts the flow talks to. Nil parts disable what needs them
// (e.g. no CardReader: real-name steps are skipped where optional and refused
// where required; no InvoiceDesk: no invoice tile).
type Deps struct {
	Catalogue    Catalogue
	Status       HallStatusSource
	Issuer       TicketIssuer
	Printer      TicketPrinter
	SlipPrinter  SlipPrinter
	TestPrinter  TestPrinter
	Reader       CardReader
	Codes        CodeSource
	Resolver     CodeResolver
	Appointments Appointments
	Rater        Rater
	Invoices     InvoiceDesk
	Announcer    Announcer
	Health       HealthSource
	Sync         SyncSource
	Logs         LogSource
	Opening      Opening       // reopening times for closed services; nil: none shown
	Faults       FaultSource   // printer and reader faults; nil: devices taken as fine
	Served       ServedTickets // served tickets by ID card, for 好差评; nil: by ticket QR only
	Clock        Clock         // nil: SystemClock
	Log          *slog.Logger
	// Audit records maintenance events (PIN failures, lockouts, entry, exit)
	// in the audit trail that syncs to the hall.
	Audit func(event, detail string)
	// HealthEvent reports a device fault (or its end) for the technician;
	// state is "ok" when it cleared.
	HealthEvent func(device, state string)
}

// Options tune the flow. Zero values take the defaults of DefaultOptions.
type Options struct {
	HallName      string
	Lang          i18n.Lang     // language a fresh session starts in
	Idle          time.Duration // no touch for this long: home, data wiped
	ElderIdle     time.Duration // the same in elder mode
	Result        time.Duration // ticket/done screens return home after this
	ElderResult   time.Duration
	CardWait      time.Duration // how long the real-name step waits for a card
	ElderCardWait time.Duration
	PrintTimeout  time.Duration // issue + print + confirm
	MaintIdle     time.Duration // maintenance panel locks after this
	PIN           string        // maintenance PIN (digits); empty: maintenance disabled
	PINTries      int           // wrong PINs before lockout
	PINLockout    time.Duration
	GestureTaps   int           // corner taps that open the PIN pad
	GestureWithin time.Duration // ... within this time
	Reasons       []string      // reason keys offered for low ratings
	ConfigLines   []string      // what the maintenance "config" view shows
}

// DefaultOptions are the defaults the config file documents.
var DefaultOptions = Options{
	HallName: "政务服务中心", Idle: 60 * time.Second, ElderIdle: 120 * time.Second,
	Result: 15 * time.Second, ElderResult: 30 * time.Second,
	CardWait: 30 * time.Second, ElderCardWait: 60 * time.Second, PrintTimeout: 20 * time.Second,
	MaintIdle: 5 * time.Minute, PINTries: 3, PINLockout: 5 * time.Minute,
	GestureTaps: 5, GestureWithin: 3 * time.Second,
	Reasons: []string{"reason.wait", "reason.attitude", "reason.again", "reason.docs", "reason.system"},
}

func (o Options) withDefaults() Options {
	d := DefaultOptions
	if o.HallName == "" {
		o.HallName = d.HallName
	}
	for _, p := range []struct{ v, d *time.Duration }{
		{&o.Idle, &d.Idle}, {&o.ElderIdle, &d.ElderIdle}, {&o.Result, &d.Result},
		{&o.ElderResult, &d.ElderResult}, {&o.CardWait, &d.CardWait}, {&o.ElderCardWait, &d.ElderCardWait},
		{&o.PrintTimeout, &d.PrintTimeout}, {&o.MaintIdle, &d.MaintIdle}, {&o.PINLockout, &d.PINLockout},
		{&o.GestureWithin, &d.GestureWithin},
	} {
		if *p.v <= 0 {
			*p.v = *p.d
		}
	}
	if o.PINTries <= 0 {
		o.PINTries = d.PINTries
	}
	if o.GestureTaps <= 0 {
		o.GestureTaps = d.GestureTaps
	}
	if o.Reasons == nil {
		o.Reasons = d.Reasons
	}
	return o
}

// State is a snapshot of the session for the screens. It never holds the
// citizen's full name or ID number, only the masked name.
type State struct {
	Seq      uint64 // increases with every change
	Screen   Screen
	Lang     i18n.Lang
	Elder    bool
	HallName string
	Hall     HallStatus
	Zones    []Zone
	// Reopen is when the hall opens again while it is closed (zero: not
	// known), Lunch whether that is a break within the day.
	Reopen time.Time
	Lunch  bool
	// Opens gives, for each closed service, when it opens again.
	Opens  map[string]time.Time
	Faults Faults
	// Countdown is the seconds left before the idle timeout returns home,
	// during its last 10 seconds (0 otherwise).
	Countdown int
	// TakeCard: an ID card still lies on the reader after its step.
	TakeCard bool

	Zone    Zone    // zone screen
	Service Service // service being issued
	Ticket  Ticket  // ticket / print-failed screens
	Person  string  // masked name of the session's card holder
	CanSkip bool    // real-name step may be skipped

	Message string // i18n key: message screens and hints on other screens
	Args    []any  // arguments for Message

	Document Document

	Rating        int
	RateTicket    string
	Reasons       []string // chosen reason keys
	ReasonChoices []string

	Invoices []Invoice
	Selected []bool

	PINLen      int
	PINLeft     int
	LockedUntil time.Time

	Health      []DeviceStatus
	MaintOutput []string
	Busy        bool // an operation runs (maintenance)

	Services map[string]Service // every service by code
	Has      Features
}

// Features says which home tiles exist (their parts are wired).
type Features struct {
	Tickets, Appointment, Scan, Rating, Invoices bool
}

// Flow is the kiosk's session state machine. Its methods are called from
// the UI goroutine (taps) and are safe for concurrent use; device waits run
// in goroutines the flow starts and stops. Listeners registered with Listen
// are called after every change, from any goroutine.
type Flow struct {
	d     Deps
	opt   Options
	clock Clock
	log   *slog.Logger

	base   context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup

	mu        sync.Mutex
	st        State
	step      uint64
	stepStop  context.CancelFunc
	idle      Timer
	idleGen   uint64 // bumps with every rearm; stale countdown ticks stop
	citizen   *Citizen
	rateRef   string // issuer id of the ticket being rated
	rateCode  string // the signed code the citizen scanned to identify it
	pin       []byte
	pinFails  int
	taps      []time.Time
	watching  bool   // a card-presence watch runs
	cardStep  uint64 // step on which a card was read (readers without CardPresence)
	listeners []func()
	closed    bool
}

// New builds a flow on the home screen.
func New(d Deps, opt Options) *Flow {
	opt = opt.withDefaults()
	f := &Flow{d: d, opt: opt, clock: d.Clock, log: d.Log}
	if f.clock == nil {
		f.clock = SystemClock{}
	}
	if f.log == nil {
		f.log = slog.New(slog.DiscardHandler)
	}
	f.base, f.cancel = context.WithCancel(context.Background())
	f.st = State{Screen: ScreenHome, Lang: opt.Lang, HallName: opt.HallName,
		Hall: HallStatus{Open: true, Online: true}, ReasonChoices: opt.Reasons, PINLeft: opt.PINTries,
		Services: map[string]Service{}}
	if d.Catalogue != nil {
		f.st.Zones = d.Catalogue.Zones()
		for _, z := range f.st.Zones {
			for _, s := range z.Services {
				f.st.Services[s.Code] = s
			}
		}
	}
	f.st.Has = Features{
		Tickets:     d.Issuer != nil && d.Printer != nil && len(f.st.Zones) > 0,
		Appointment: d.Issuer != nil && d.Printer != nil && d.Appointments != nil && (d.Codes != nil || d.Reader != nil),
		Scan:        d.Codes != nil && d.Resolver != nil,
		Rating:      d.Rater != nil,
		Invoices:    d.Invoices != nil && d.Reader != nil && d.SlipPrinter != nil,
	}
	f.stepStop = func() {}
	return f
}

// Listen registers fn to be called after every change.
func (f *Flow) Listen(fn func()) {
	f.mu.Lock()
	f.listeners = append(f.listeners, fn)
	f.mu.Unlock()
}

// State returns a snapshot of the session.
func (f *Flow) State() State {
	f.mu.Lock()
	defer f.mu.Unlock()
	s := f.st
	s.Args = append([]any(nil), s.Args...)
	s.Reasons = append([]string(nil), s.Reasons...)
	s.Selected = append([]bool(nil), s.Selected...)
	s.MaintOutput = append([]string(nil), s.MaintOutput...)
	return s
}

// Close stops every wait the flow started and waits for them.
func (f *Flow) Close() {
	f.mu.Lock()
	f.closed = true
	if f.idle != nil {
		f.idle.Stop()
	}
	f.mu.Unlock()
	f.cancel()
	f.wg.Wait()
}

// update runs fn under the lock, bumps Seq and notifies listeners.
func (f *Flow) update(fn func()) {
	f.mu.Lock()
	fn()
	f.st.Seq++
	ls := append([]func(){}, f.listeners...)
	f.mu.Unlock()
	for _, l := range ls {
		l()
	}
}

// at runs fn under the lock only if the session is still on step; results of
// device waits that arrive after the citizen moved on are dropped.
func (f *Flow) at(step uint64, fn func()) bool {
	ok := false
	f.update(func() {
		if f.step == step && !f.closed {
			ok = true
			fn()
		}
	})
	return ok
}

// goTo switches screen (lock held): stops the waits of the previous step,
// clears the hint and rearms the idle timer. It returns the new step's
// number and context.
func (f *Flow) goTo(s Screen) (uint64, context.Context) {
	f.stepStop()
	f.step++
	ctx, cancel := context.WithCancel(f.base)
	f.stepStop = cancel
	f.st.Screen = s
	f.st.Message, f.st.Args = "", nil
	f.st.Busy = false
	if f.cardStep != 0 && f.step != f.cardStep {
		f.st.TakeCard = true
	}
	f.armIdle()
	if s != ScreenHome && s != ScreenBusy {
		f.log.Debug("kiosk screen", "screen", s.String())
	}
	return f.step, ctx
}

// armIdle (lock held) restarts the idle timer for the current screen.
func (f *Flow) armIdle() {
	if f.idle != nil {
		f.idle.Stop()
		f.idle = nil
	}
	f.idleGen++
	f.st.Countdown = 0
	var d time.Duration
	switch f.st.Screen {
	case ScreenHome, ScreenBusy:
		return
	case ScreenTicket, ScreenRated, ScreenInvoiceDone:
		d = f.opt.Result
		if f.st.Elder {
			d = f.opt.ElderResult
		}
	case ScreenMaintenance:
		d = f.opt.MaintIdle
	default:
		d = f.opt.Idle
		if f.st.Elder {
			d = f.opt.ElderIdle
		}
	}
	step, gen := f.step, f.idleGen
	if d <= countdownFrom || f.st.Screen == ScreenMaintenance {
		f.idle = f.clock.AfterFunc(d, func() { f.onIdle(step, gen) })
		return
	}
	// The last countdownFrom are counted down on screen, a second at a time.
	deadline := f.clock.Now().Add(d)
	f.idle = f.clock.AfterFunc(d-countdownFrom, func() { f.tick(step, gen, deadline) })
}

// countdownFrom is how long before the idle timeout the screen counts down.
const countdownFrom = 10 * time.Second

// tick shows the seconds left before the idle deadline and arms the next
// tick; at the deadline the session times out.
func (f *Flow) tick(step, gen uint64, deadline time.Time) {
	rest := deadline.Sub(f.clock.Now())
	if rest <= 0 {
		f.onIdle(step, gen)
		return
	}
	f.update(func() {
		if f.step != step || f.idleGen != gen || f.closed {
			return
		}
		left := int((rest + time.Second - 1) / time.Second)
		f.st.Countdown = left
		next := rest - time.Duration(left-1)*time.Second
		f.idle = f.clock.AfterFunc(next, func() { f.tick(step, gen, deadline) })
	})
}

// touch (lock held) notes a user action: the idle timer starts again.
func (f *Flow) touch() { f.armIdle() }

// Touch notes a touch the flow does not see otherwise (turning a page of a
// list): the idle timer starts again and the countdown goes.
func (f *Flow) Touch() {
	f.update(func() {
		if f.st.Screen != ScreenHome && f.st.Screen != ScreenBusy {
			f.touch()
		}
	})
}

func (f *Flow) onIdle(step, gen uint64) {
	var void *Ticket
	f.update(func() {
		if f.step != step || f.idleGen != gen || f.closed {
			return
		}
		if f.st.Screen == ScreenPrintFailed {
			t := f.st.Ticket
			void = &t
		}
		if f.st.Screen == ScreenMaintenance || f.st.Screen == ScreenPIN {
			f.audit("maintenance.exit", "idle")
		}
		f.goHome(true)
	})
	if void != nil {
		f.voidAsync(*void, "abandoned after print failure")
	}
}

// goHome (lock held) returns home and wipes the session. A fresh session
// (idle) also returns language and elder mode to their defaults.
func (f *Flow) goHome(fresh bool) {
	f.goTo(ScreenHome)
	f.wipe()
	if f.d.Status != nil && !f.closed {
		// Waiting counts changed with this session's ticket: show them now.
		f.spawn(func() {
			ctx, cancel := context.WithTimeout(f.base, 3*time.Second)
			defer cancel()
			_ = f.Refresh(ctx)
		})
	}
	if fresh {
		f.st.Lang = f.opt.Lang
		f.st.Elder = false
	}
}

// wipe (lock held) forgets every piece of personal data of the session.
func (f *Flow) wipe() {
	if f.citizen != nil {
		*f.citizen = Citizen{}
		f.citizen = nil
	}
	f.st.Person = ""
	f.st.Ticket = Ticket{}
	f.st.Service = Service{}
	f.st.Zone = Zone{}
	f.st.Document = Document{}
	f.st.Invoices, f.st.Selected = nil, nil
	f.st.Rating, f.st.RateTicket, f.st.Reasons = 0, "", nil
	f.rateRef, f.rateCode = "", ""
	f.st.Countdown = 0
	f.cardStep = 0
	if !f.watching {
		f.st.TakeCard = false
	}
	f.st.MaintOutput, f.st.Health = nil, nil
	f.st.CanSkip = false
	for i := range f.pin {
		f.pin[i] = 0
	}
	f.pin = f.pin[:0]
	f.st.PINLen = 0
}

// spawn runs fn in a goroutine the flow waits for on Close.
func (f *Flow) spawn(fn func()) {
	f.wg.Add(1)
	go func() {
		defer f.wg.Done()
		fn()
	}()
}

func (f *Flow) say(key string) {
	if !f.st.Elder || f.d.Announcer == nil {
		return
	}
	lang := f.st.Lang
	f.spawn(func() {
		ctx, cancel := context.WithTimeout(f.base, 10*time.Second)
		defer cancel()
		if err := f.d.Announcer.Say(ctx, lang, key); err != nil && ctx.Err() == nil {
			f.log.Warn("kiosk announce failed", "key", key, "err", err)
		}
	})
}

func (f *Flow) audit(event, detail string) {
	f.log.Info("kiosk audit", "event", event, "detail", detail)
	if f.d.Audit != nil {
		f.d.Audit(event, detail)
	}
}

func (f *Flow) cardWait() time.Duration {
	if f.st.Elder {
		return f.opt.ElderCardWait
	}
	return f.opt.CardWait
}

// ---- home ----

// Home returns to the home screen, wiping the session's personal data
// (language and elder mode stay as chosen).
func (f *Flow) Home() {
	var void *Ticket
	f.update(func() {
		if f.st.Screen == ScreenBusy {
			return
		}
		if f.st.Screen == ScreenPrintFailed {
			t := f.st.Ticket
			void = &t
		}
		if f.st.Screen == ScreenMaintenance || f.st.Screen == ScreenPIN {
			f.audit("maintenance.exit", "home")
		}
		f.goHome(false)
	})
	if void != nil {
		f.voidAsync(*void, "cancelled after print failure")
	}
}

// Back goes one level up (zone → home, document → scan, otherwise home).
func (f *Flow) Back() {
	f.mu.Lock()
	s := f.st.Screen
	f.mu.Unlock()
	switch s {
	case ScreenDocument:
		f.StartScan()
	default:
		f.Home()
	}
}

// ToggleLang switches between Chinese and English.
func (f *Flow) ToggleLang() {
	f.update(func() {
		if f.st.Lang == i18n.ZH {
			f.st.Lang = i18n.EN
		} else {
			f.st.Lang = i18n.ZH
		}
		f.touch()
	})
}

// ToggleElder switches elder mode (larger text, slower timeouts, voice).
func (f *Flow) ToggleElder() {
	f.update(func() {
		f.st.Elder = !f.st.Elder
		f.touch()
		f.say("home.touch")
	})
}

// Refresh pulls live queue status and notices for the home screen.
//
// The source says whether the hall answered (HallStatus.Online); a source
// that fell back to the catalogue's hours reports Online false, and the
// home screen shows the offline banner.
func (f *Flow) Refresh(ctx context.Context) error {
	f.refreshFaults()
	if f.d.Status == nil {
		return nil
	}
	hs, err := f.d.Status.HallStatus(ctx)
	now := f.clock.Now()
	var reopen time.Time
	var lunch bool
	opens := map[string]time.Time{}
	if err == nil && f.d.Opening != nil {
		for code := range f.st.Services { // written only by New
			st, known := hs.Services[code]
			if known && st.Open || !known && hs.Open {
				continue
			}
			at, l, ok := f.d.Opening.NextOpen(code, now)
			if !ok {
				continue
			}
			opens[code] = at
			if !hs.Open && (reopen.IsZero() || at.Before(reopen)) {
				reopen, lunch = at, l
			}
		}
	}
	f.update(func() {
		if err != nil {
			f.st.Hall.Online = false
			return
		}
		f.st.Hall = hs
		f.st.Opens = opens
		f.st.Reopen, f.st.Lunch = reopen, lunch
		if hs.Open {
			f.st.Reopen, f.st.Lunch = time.Time{}, false
		}
	})
	if err != nil {
		return fmt.Errorf("flow: hall status: %w", err)
	}
	return nil
}

// refreshFaults reads the devices' faults; a printer fault that starts or
// ends is reported as a health event for the technician.
func (f *Flow) refreshFaults() {
	ready, canAsk := f.d.Printer.(PrinterReady)
	if f.d.Faults == nil && !canAsk {
		return
	}
	f.mu.Lock()
	fl := f.st.Faults
	f.mu.Unlock()
	if f.d.Faults != nil {
		fl = f.d.Faults.Faults()
	}
	if canAsk && fl.Printer != PrinterOK {
		// A known fault (or one the last status poll saw, such as the
		// printer not yet connected at start): ask the printer now whether
		// it cleared (paper refilled) instead of waiting for its next poll.
		ctx, cancel := context.WithTimeout(f.base, 2*time.Second)
		fl.Printer = ready.Ready(ctx)
		cancel()
	}
	var events [][2]string
	f.update(func() {
		old := f.st.Faults
		f.st.Faults = fl
		if old.Printer != fl.Printer {
			events = append(events, [2]string{"printer", fl.Printer.String()})
		}
		if old.Reader != fl.Reader {
			events = append(events, [2]string{"idcard", map[bool]string{true: "fault", false: "ok"}[fl.Reader]})
		}
	})
	for _, e := range events {
		f.log.Warn("kiosk device state", "device", e[0], "state", e[1])
		if f.d.HealthEvent != nil {
			f.d.HealthEvent(e[0], e[1])
		}
	}
}

// OpenZone shows the services of a zone.
func (f *Flow) OpenZone(code string) {
	f.update(func() {
		if f.st.Screen != ScreenHome && f.st.Screen != ScreenZone {
			return
		}
		for _, z := range f.st.Zones {
			if z.Code == code {
				f.goTo(ScreenZone)
				f.st.Zone = z
				f.say("zone.pick")
				return
			}
		}
	})
}

// ---- take a ticket ----

// PickService starts taking a ticket for the service: the real-name step if
// the service has one, then issue and print.
func (f *Flow) PickService(code string) {
	f.update(func() {
		if f.st.Screen != ScreenZone && f.st.Screen != ScreenHome {
			return
		}
		svc, ok := f.st.Services[code]
		if !ok || !f.st.Has.Tickets {
			return
		}
		f.st.Service = svc
		// A service's own status decides (24-hour services stay open when
		// the hall is closed); without one, the hall's.
		if st, ok := f.st.Hall.Services[code]; ok && !st.Open || !ok && !f.st.Hall.Open {
			f.closedMessage(code)
			return
		}
		// A printer that cannot print burns no number: nothing is issued.
		if key := f.printerKey(); key != "" {
			f.message(key)
			return
		}
		req := IssueRequest{Service: code}
		switch {
		case svc.RealName == RealNameNone:
			f.issue(req)
		case f.d.Reader == nil && svc.RealName == RealNameOptional:
			f.issue(req)
		case f.st.Faults.Reader && svc.RealName == RealNameRequired:
			f.message("msg.readerfault")
		case f.d.Reader == nil:
			f.message("msg.error")
		default:
			f.realName(svc, req)
		}
	})
}

// closedMessage (lock held) says that the service is closed and, when the
// catalogue knows, when it opens again.
func (f *Flow) closedMessage(code string) {
	at, ok := f.st.Opens[code]
	switch {
	case ok && f.st.Lunch && !f.st.Hall.Open:
		f.message("msg.lunch", i18n.At{T: at, Now: f.clock.Now()})
	case ok:
		f.message("msg.closed", i18n.At{T: at, Now: f.clock.Now()})
	default:
		f.message("msg.closed")
	}
}

// printerKey (lock held) is the message key of a printer fault, "" when the
// printer can print.
func (f *Flow) printerKey() string {
	switch f.st.Faults.Printer {
	case PrinterPaper:
		return "msg.paperout"
	case PrinterFailure:
		return "msg.printerfault"
	}
	return ""
}

// message (lock held) shows a message screen and speaks its text in elder
// mode. The spoken text has no arguments: when args are given, the screen
// shows them in a second line (the key's ".at" text, see kiosk/i18n).
func (f *Flow) message(key string, args ...any) {
	f.goTo(ScreenMessage)
	f.st.Message, f.st.Args = key, args
	f.say(key)
}

func (f *Flow) realName(svc Service, req IssueRequest) {
	step, ctx := f.goTo(ScreenRealName)
	f.st.CanSkip = svc.RealName == RealNameOptional
	f.st.Message = "realname.lay"
	if f.st.Faults.Reader { // optional: 跳过 still works
		f.st.Message = "home.readerfault"
	}
	f.say("realname.lay")
	wait := f.cardWait()
	f.readCard(ctx, step, wait, func(c *Citizen) {
		switch {
		case c != nil && (c.Expired || c.InvalidNumber):
			// The driver flagged the card: it cannot stand for a real-name
			// ticket. Say which, so the citizen knows what to do.
			key := "realname.expired"
			if c.InvalidNumber {
				key = "realname.invalid"
			}
			f.citizen, f.st.Person = nil, ""
			f.message(key)
		case c != nil:
			r := req
			r.Citizen = c
			f.issue(r)
		case svc.RealName == RealNameOptional:
			f.issue(req)
		default:
			f.message("realname.timeout")
		}
	})
}

// readCard waits up to wait for a card on step; then runs done under the
// lock with the citizen (nil on timeout). Failed reads show a hint and
// keep waiting.
func (f *Flow) readCard(ctx context.Context, step uint64, wait time.Duration, done func(*Citizen)) {
	deadline := f.clock.Now().Add(wait)
	rctx, cancel := context.WithCancel(ctx)
	t := f.clock.AfterFunc(wait, cancel)
	f.spawn(func() {
		defer cancel()
		defer t.Stop()
		for {
			c, err := f.d.Reader.ReadCard(rctx)
			if err == nil {
				cc := c
				f.at(step, func() {
					f.citizen = &cc
					f.st.Person = pii.MaskName(cc.Name)
					done(&cc)
					f.watchCard()
				})
				return
			}
			if ctx.Err() != nil {
				return // the citizen moved on or the flow closed
			}
			if rctx.Err() != nil || !f.clock.Now().Before(deadline) {
				readerDown := f.d.Faults != nil && f.d.Faults.Faults().Reader
				f.at(step, func() {
					if readerDown {
						f.message("msg.readerfault") // not the citizen's fault
						return
					}
					done(nil)
				})
				return
			}
			f.log.Info("kiosk id card read failed", "err", err)
			f.at(step, func() { f.st.Message = "realname.failed" })
			select { // a broken reader must not spin
			case <-rctx.Done():
			case <-time.After(200 * time.Millisecond):
			}
		}
	})
}

// watchCard (lock held), after a card was read on the current step, polls
// the reader (when it can tell) and sets TakeCard while the card still lies
// there after that step, until it is taken away.
func (f *Flow) watchCard() {
	p, ok := f.d.Reader.(CardPresence)
	if !ok {
		// A reader that cannot tell (the card halts after a read and is
		// not found again until laid anew): remind on every later screen
		// of the session.
		f.cardStep = f.step
		return
	}
	if f.watching || f.closed {
		return
	}
	f.watching = true
	readStep := f.step
	f.spawn(func() {
		defer f.update(func() { f.watching = false; f.st.TakeCard = false })
		for range 600 { // at most about 5 minutes
			select {
			case <-f.base.Done():
				return
			case <-time.After(cardPoll):
			}
			ctx, cancel := context.WithTimeout(f.base, 2*time.Second)
			present, err := p.CardPresent(ctx)
			cancel()
			if err != nil || !present {
				return
			}
			f.update(func() {
				remind := f.step != readStep
				if remind && !f.st.TakeCard {
					f.say("card.take")
				}
				f.st.TakeCard = remind
			})
		}
	})
}

// cardPoll is how often watchCard asks the reader.
var cardPoll = 500 * time.Millisecond

// SkipRealName issues the ticket without the card where the service allows.
func (f *Flow) SkipRealName() {
	f.update(func() {
		if f.st.Screen != ScreenRealName || !f.st.CanSkip {
			return
		}
		f.issue(IssueRequest{Service: f.st.Service.Code})
	})
}

// issue (lock held) issues, prints and confirms a ticket in the background.
func (f *Flow) issue(req IssueRequest) {
	step, _ := f.goTo(ScreenBusy)
	f.st.Busy = true
	english := f.st.Lang == i18n.EN
	f.spawn(func() {
		ctx, cancel := context.WithTimeout(f.base, f.opt.PrintTimeout)
		defer cancel()
		if !f.printerReady(ctx, step) {
			return
		}
		t, err := f.d.Issuer.Issue(ctx, req)
		if err != nil {
			f.log.Warn("kiosk issue failed", "service", req.Service, "err", err)
			f.at(step, func() { f.message(errKey(err)) })
			return
		}
		t.English = english
		if req.Citizen != nil {
			t.Holder = maskFixed(req.Citizen.Name)
		}
		f.printTicket(ctx, step, t)
	})
}

// printerReady asks the printer (when it can tell) whether it can print
// before anything is issued; if not, the step shows the fault and nothing
// is issued.
func (f *Flow) printerReady(ctx context.Context, step uint64) bool {
	p, ok := f.d.Printer.(PrinterReady)
	if !ok {
		return true
	}
	rctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	fault := p.Ready(rctx)
	cancel()
	if fault == PrinterOK {
		return true
	}
	f.log.Warn("kiosk printer cannot print: nothing issued", "fault", fault.String())
	f.refreshFaults()
	f.at(step, func() {
		f.st.Faults.Printer = fault
		f.message(f.printerKey())
	})
	return false
}

func (f *Flow) printTicket(ctx context.Context, step uint64, t Ticket) {
	if err := f.d.Printer.PrintTicket(ctx, t); err != nil {
		f.log.Warn("kiosk ticket print failed", "ticket", t.Number, "err", err)
		f.refreshFaults() // the next citizen sees the fault on home
		if !f.at(step, func() {
			f.goTo(ScreenPrintFailed)
			f.st.Ticket = t
			f.say("print.failed.title")
		}) {
			f.voidAsync(t, "print failed, session gone")
		}
		return
	}
	if err := f.d.Issuer.Confirm(ctx, t); err != nil {
		// Printed tickets stay valid: the issuer keeps them in its durable
		// store; a failed confirm is retried by sync, not by the citizen.
		f.log.Error("kiosk ticket confirm failed", "ticket", t.Number, "err", err)
	}
	f.log.Info("kiosk ticket issued", "ticket", t.Number, "service", t.Service, "priority", t.Priority)
	f.at(step, func() {
		f.goTo(ScreenTicket)
		f.st.Ticket = t
		f.say("ticket.take")
	})
}

// RetryPrint prints the failed ticket again.
func (f *Flow) RetryPrint() {
	f.update(func() {
		if f.st.Screen != ScreenPrintFailed {
			return
		}
		t := f.st.Ticket
		step, _ := f.goTo(ScreenBusy)
		f.st.Busy = true
		f.spawn(func() {
			ctx, cancel := context.WithTimeout(f.base, f.opt.PrintTimeout)
			defer cancel()
			f.printTicket(ctx, step, t)
		})
	})
}

// CancelPrint voids the failed ticket and returns home.
func (f *Flow) CancelPrint() {
	var t Ticket
	ok := false
	f.update(func() {
		if f.st.Screen != ScreenPrintFailed {
			return
		}
		t, ok = f.st.Ticket, true
		f.goHome(false)
	})
	if ok {
		f.voidAsync(t, "cancelled after print failure")
	}
}

func (f *Flow) voidAsync(t Ticket, reason string) {
	f.spawn(func() {
		ctx, cancel := context.WithTimeout(context.WithoutCancel(f.base), 10*time.Second)
		defer cancel()
		if err := f.d.Issuer.Void(ctx, t, reason); err != nil {
			f.log.Error("kiosk ticket void failed", "ticket", t.Number, "err", err)
			return
		}
		f.log.Info("kiosk ticket voided", "ticket", t.Number, "reason", reason)
	})
}

// maskFixed masks a name to a fixed width that does not reveal its length
// (张**), the form tickets print.
func maskFixed(name string) string {
	for _, r := range strings.TrimSpace(name) {
		return string(r) + "**"
	}
	return ""
}

func errKey(err error) string {
	switch {
	case errors.Is(err, ErrClosed):
		return "msg.closed"
	case errors.Is(err, ErrCapReached):
		return "msg.cap"
	}
	return "msg.error"
}

// ---- appointment check-in ----

// StartAppointment waits for an appointment QR code or an ID card.
func (f *Flow) StartAppointment() {
	f.update(func() {
		if f.st.Screen != ScreenHome || !f.st.Has.Appointment {
			return
		}
		if key := f.printerKey(); key != "" {
			f.message(key)
			return
		}
		step, ctx := f.goTo(ScreenAppointment)
		f.st.Message = "appt.how"
		f.say("appt.how")
		if f.d.Codes != nil {
			f.spawn(func() {
				code, err := f.d.Codes.NextCode(ctx)
				if err != nil {
					return
				}
				f.checkIn(ctx, step, code, nil)
			})
		}
		if f.d.Reader != nil {
			f.readCard(ctx, step, f.cardWait(), func(c *Citizen) {
				if c == nil {
					f.message("realname.timeout")
					return
				}
				cc := *c
				f.spawn(func() { f.checkIn(ctx, step, "", &cc) })
			})
		}
	})
}

func (f *Flow) checkIn(ctx context.Context, step uint64, code string, c *Citizen) {
	if !f.printerReady(ctx, step) {
		return
	}
	t, err := f.d.Appointments.CheckIn(ctx, code, c)
	if err != nil {
		key := errKey(err)
		var args []any
		var se *SlotError
		switch {
		case errors.As(err, &se) && errors.Is(err, ErrTooEarly):
			key, args = "appt.early", []any{se.At}
		case errors.As(err, &se) && errors.Is(err, ErrTooLate):
			key, args = "appt.late", []any{se.At}
		case errors.Is(err, ErrNotFound):
			key = "appt.none"
		case errors.Is(err, ErrUntrusted):
			key = "appt.invalid"
		}
		if len(args) == 1 && args[0] == "" {
			key += ".notime"
			args = nil
		}
		f.log.Info("kiosk check-in refused", "err", err)
		f.at(step, func() { f.message(key, args...) })
		return
	}
	var pstep uint64
	if !f.at(step, func() {
		f.st.Service = f.st.Services[t.Service]
		pstep, _ = f.goTo(ScreenBusy)
		f.st.Busy = true
	}) {
		f.voidAsync(t, "check-in abandoned")
		return
	}
	pctx, cancel := context.WithTimeout(f.base, f.opt.PrintTimeout)
	defer cancel()
	f.printTicket(pctx, pstep, t)
}

// ---- document scan ----

// StartScan waits for a licence or certificate QR code.
func (f *Flow) StartScan() {
	f.update(func() {
		if (f.st.Screen != ScreenHome && f.st.Screen != ScreenDocument) || !f.st.Has.Scan {
			return
		}
		f.st.Document = Document{}
		step, ctx := f.goTo(ScreenScan)
		f.st.Message = "scan.how"
		f.say("scan.how")
		f.spawn(func() {
			code, err := f.d.Codes.NextCode(ctx)
			if err != nil {
				return
			}
			doc, err := f.d.Resolver.Resolve(ctx, code)
			f.at(step, func() {
				switch {
				case errors.Is(err, ErrNotFound):
					f.message("scan.notfound")
				case errors.Is(err, ErrUntrusted):
					f.message("scan.untrusted")
				case err != nil:
					f.log.Warn("kiosk document lookup failed", "err", err)
					f.message("scan.offline")
				case doc.Kind == DocUnknown || doc.Kind == DocAppointment || doc.Kind == DocTicket:
					f.message("scan.unknown")
				case doc.Kind == DocUntrusted:
					f.message("scan.untrusted")
				default:
					f.goTo(ScreenDocument)
					f.st.Document = doc
				}
			})
		})
	})
}

// ---- rating ----

// StartRating opens the 好差评 screen. It is tied to a ticket only when the
// citizen identifies one: by scanning the ticket's QR code, or by laying the
// ID card of a served real-name ticket (Deps.Served). A ticket just taken
// is not served yet and is never offered.
func (f *Flow) StartRating() {
	f.update(func() {
		if (f.st.Screen != ScreenHome && f.st.Screen != ScreenTicket) || !f.st.Has.Rating {
			return
		}
		step, ctx := f.goTo(ScreenRating)
		f.st.Rating, f.st.Reasons = 0, nil
		f.st.RateTicket, f.rateRef, f.rateCode = "", "", ""
		if f.d.Codes != nil && f.d.Resolver != nil {
			f.spawn(func() {
				for ctx.Err() == nil {
					code, err := f.d.Codes.NextCode(ctx)
					if err != nil {
						return
					}
					doc, err := f.d.Resolver.Resolve(ctx, code)
					switch {
					case err == nil && doc.Kind == DocTicket && doc.Ref != "":
						f.at(step, func() {
							f.st.RateTicket, f.rateRef, f.rateCode = doc.Title, doc.Ref, code
							f.st.Message = ""
							f.touch()
						})
					default:
						f.at(step, func() { f.st.Message = "rate.badcode"; f.touch() })
					}
				}
			})
		}
		if f.d.Served != nil && f.d.Reader != nil && !f.st.Faults.Reader {
			f.spawn(func() {
				for ctx.Err() == nil {
					c, err := f.d.Reader.ReadCard(ctx)
					if err != nil {
						if ctx.Err() != nil {
							return
						}
						select {
						case <-ctx.Done():
							return
						case <-time.After(200 * time.Millisecond):
						}
						continue
					}
					doc, err := f.d.Served.ServedTicket(ctx, c)
					c = Citizen{}
					f.at(step, func() {
						if err != nil || doc.Ref == "" {
							f.st.Message = "rate.noserved"
						} else {
							f.st.RateTicket, f.rateRef, f.rateCode, f.st.Message = doc.Title, doc.Ref, "", ""
						}
						f.touch()
					})
					f.mu.Lock()
					f.watchCard()
					f.mu.Unlock()
					return // one card per rating screen
				}
			})
		}
	})
}

// SetRating chooses a level 1..5.
func (f *Flow) SetRating(level int) {
	f.update(func() {
		if f.st.Screen != ScreenRating || level < 1 || level > 5 {
			return
		}
		f.st.Rating = level
		if level > 2 {
			f.st.Reasons = nil
		}
		f.touch()
	})
}

// ToggleReason adds or removes a reason (only for ratings 1 and 2).
func (f *Flow) ToggleReason(key string) {
	f.update(func() {
		if f.st.Screen != ScreenRating || f.st.Rating == 0 || f.st.Rating > 2 {
			return
		}
		for i, r := range f.st.Reasons {
			if r == key {
				f.st.Reasons = append(f.st.Reasons[:i:i], f.st.Reasons[i+1:]...)
				f.touch()
				return
			}
		}
		for _, r := range f.st.ReasonChoices {
			if r == key {
				f.st.Reasons = append(f.st.Reasons, key)
			}
		}
		f.touch()
	})
}

// SubmitRating records the rating.
func (f *Flow) SubmitRating() {
	f.update(func() {
		if f.st.Screen != ScreenRating || f.st.Rating == 0 {
			return
		}
		r := Rating{Ticket: f.st.RateTicket, Ref: f.rateRef, Code: f.rateCode, Level: f.st.Rating, Reasons: append([]string(nil), f.st.Reasons...), At: f.clock.Now()}
		step, _ := f.goTo(ScreenBusy)
		f.st.Busy = true
		f.spawn(func() {
			ctx, cancel := context.WithTimeout(f.base, f.opt.PrintTimeout)
			defer cancel()
			err := f.d.Rater.Rate(ctx, r)
			f.at(step, func() {
				if errors.Is(err, ErrNotRateable) {
					f.log.Info("kiosk rating refused", "err", err)
					f.message("rate.notrateable", r.Ticket)
					return
				}
				if err != nil {
					f.log.Warn("kiosk rating failed", "err", err)
					f.message("msg.error")
					return
				}
				f.goTo(ScreenRated)
				f.say("rate.thanks")
			})
		})
	})
}

// ---- tax invoices ----

// StartInvoices asks for the ID card to list invoices ready for pickup.
func (f *Flow) StartInvoices() {
	f.update(func() {
		if f.st.Screen != ScreenHome || !f.st.Has.Invoices {
			return
		}
		if key := f.printerKey(); key != "" {
			f.message(key)
			return
		}
		if f.st.Faults.Reader {
			f.message("msg.readerfault")
			return
		}
		step, ctx := f.goTo(ScreenInvoiceID)
		f.st.Message = "invoice.lay"
		f.say("invoice.lay")
		f.readCard(ctx, step, f.cardWait(), func(c *Citizen) {
			if c == nil {
				f.message("realname.timeout")
				return
			}
			cc := *c
			f.spawn(func() {
				list, err := f.d.Invoices.PendingInvoices(ctx, cc)
				f.at(step, func() {
					switch {
					case errors.Is(err, ErrUnavailable):
						f.log.Warn("kiosk invoice lookup: desk unavailable", "err", err)
						f.message("invoice.unavailable")
					case err != nil:
						f.log.Warn("kiosk invoice lookup failed", "err", err)
						f.message("msg.error")
					case len(list) == 0:
						f.message("invoice.none")
					default:
						f.goTo(ScreenInvoices)
						f.st.Invoices = list
						f.st.Selected = make([]bool, len(list))
						for i := range f.st.Selected {
							f.st.Selected[i] = true
						}
						f.say("invoice.pick")
					}
				})
			})
		})
	})
}

// ToggleInvoice selects or deselects invoice i.
func (f *Flow) ToggleInvoice(i int) {
	f.update(func() {
		if f.st.Screen != ScreenInvoices || i < 0 || i >= len(f.st.Selected) {
			return
		}
		f.st.Selected[i] = !f.st.Selected[i]
		f.touch()
	})
}

// CollectInvoices marks the selected invoices collected and prints the slip.
func (f *Flow) CollectInvoices() {
	f.update(func() {
		if f.st.Screen != ScreenInvoices || f.citizen == nil {
			return
		}
		var ids []string
		var chosen []Invoice
		for i, inv := range f.st.Invoices {
			if f.st.Selected[i] {
				ids = append(ids, inv.ID)
				chosen = append(chosen, inv)
			}
		}
		if len(ids) == 0 {
			return
		}
		c := *f.citizen
		person := f.st.Person
		step, _ := f.goTo(ScreenBusy)
		f.st.Busy = true
		f.spawn(func() {
			ctx, cancel := context.WithTimeout(f.base, f.opt.PrintTimeout)
			defer cancel()
			code, err := f.d.Invoices.MarkCollected(ctx, c, ids)
			if err == nil {
				err = f.d.SlipPrinter.PrintSlip(ctx, InvoiceSlip{MaskedName: person, Invoices: chosen, Code: code, At: f.clock.Now()})
			}
			f.at(step, func() {
				switch {
				case errors.Is(err, ErrUnavailable):
					f.log.Warn("kiosk invoice pickup: desk unavailable", "err", err)
					f.message("invoice.unavailable")
					return
				case errors.Is(err, ErrNotFound):
					f.log.Warn("kiosk invoice pickup: not waiting any more", "err", err)
					f.message("invoice.gone")
					return
				case err != nil:
					f.log.Warn("kiosk invoice pickup failed", "err", err)
					f.message("msg.error")
					return
				}
				f.goTo(ScreenInvoiceDone)
				f.say("invoice.done")
			})
		})
	})
}

// ---- maintenance ----

// SecretTap counts taps on the maintenance corner; enough taps in a short
// time open the PIN pad.
func (f *Flow) SecretTap() {
	f.update(func() {
		if f.opt.PIN == "" || f.st.Screen == ScreenBusy || f.st.Screen == ScreenPIN || f.st.Screen == ScreenMaintenance {
			return
		}
		now := f.clock.Now()
		keep := f.taps[:0]
		for _, t := range f.taps {
			if now.Sub(t) < f.opt.GestureWithin {
				keep = append(keep, t)
			}
		}
		f.taps = append(keep, now)
		if len(f.taps) < f.opt.GestureTaps {
			return
		}
		f.taps = f.taps[:0]
		f.goHome(false)
		f.goTo(ScreenPIN)
		f.showLock(now)
	})
}

// showLock (lock held) sets the PIN pad's hint.
func (f *Flow) showLock(now time.Time) {
	f.st.PINLeft = f.opt.PINTries - f.pinFails
	if now.Before(f.st.LockedUntil) {
		f.st.Message, f.st.Args = "maint.pin.locked", []any{f.st.LockedUntil.Format("15:04:05")}
	}
}

// PINDigit adds a digit to the PIN being typed.
func (f *Flow) PINDigit(d byte) {
	f.update(func() {
		if f.st.Screen != ScreenPIN || d < '0' || d > '9' || len(f.pin) >= 12 {
			return
		}
		f.pin = append(f.pin, d)
		f.st.PINLen = len(f.pin)
		f.touch()
	})
}

// PINClear clears the typed PIN.
func (f *Flow) PINClear() {
	f.update(func() {
		if f.st.Screen != ScreenPIN {
			return
		}
		f.pin = f.pin[:0]
		f.st.PINLen = 0
		f.touch()
	})
}

// PINSubmit checks the typed PIN: right opens maintenance, wrong counts
// towards the lockout; every outcome is audited.
func (f *Flow) PINSubmit() {
	f.update(func() {
		if f.st.Screen != ScreenPIN {
			return
		}
		now := f.clock.Now()
		typed := string(f.pin)
		for i := range f.pin {
			f.pin[i] = 0
		}
		f.pin = f.pin[:0]
		f.st.PINLen = 0
		f.touch()
		if now.Before(f.st.LockedUntil) {
			f.audit("maintenance.pin_locked", "attempt while locked")
			f.showLock(now)
			return
		}
		if subtle.ConstantTimeCompare([]byte(typed), []byte(f.opt.PIN)) == 1 {
			f.pinFails = 0
			f.st.LockedUntil = time.Time{}
			f.audit("maintenance.enter", "pin accepted")
			f.goTo(ScreenMaintenance)
			f.st.PINLeft = f.opt.PINTries
			f.refreshHealth()
			return
		}
		f.pinFails++
		f.audit("maintenance.pin_failed", fmt.Sprintf("failure %d of %d", f.pinFails, f.opt.PINTries))
		if f.pinFails >= f.opt.PINTries {
			f.pinFails = 0
			f.st.LockedUntil = now.Add(f.opt.PINLockout)
			f.audit("maintenance.locked", "until "+f.st.LockedUntil.Format(time.RFC3339))
			f.showLock(now)
			f.st.PINLeft = 0
			return
		}
		f.st.PINLeft = f.opt.PINTries - f.pinFails
		f.st.Message, f.st.Args = "maint.pin.bad", []any{f.st.PINLeft}
	})
}

// refreshHealth (lock held) fetches device health in the background.
func (f *Flow) refreshHealth() {
	if f.d.Health == nil {
		return
	}
	step := f.step
	f.spawn(func() {
		ctx, cancel := context.WithTimeout(f.base, 5*time.Second)
		defer cancel()
		h := f.d.Health.Health(ctx)
		if f.d.Faults != nil {
			h = withFaults(h, f.d.Faults.Faults())
		}
		f.at(step, func() { f.st.Health = h })
	})
}

// withFaults marks the devices the fault source knows as faulty: a reader
// whose link is up but that does not answer, a printer out of paper, a
// kiosk without a sound card.
func withFaults(h []DeviceStatus, fl Faults) []DeviceStatus {
	h = append([]DeviceStatus(nil), h...)
	mark := func(name, detail string) {
		for i := range h {
			if h[i].Name == name {
				h[i].OK = false
				h[i].Detail = detail + "; " + h[i].Detail
				return
			}
		}
		h = append(h, DeviceStatus{Name: name, Detail: detail})
	}
	if fl.Reader {
		mark("idcard", "reader does not answer")
	}
	switch fl.Printer {
	case PrinterPaper:
		mark("printer", "paper out")
	case PrinterFailure:
		mark("printer", "printer fault")
	}
	if fl.NoSound {
		mark("voice", "no sound card")
	}
	return h
}

// maintOp runs op on the maintenance panel and shows its output lines.
func (f *Flow) maintOp(title string, timeout time.Duration, op func(ctx context.Context) []string) {
	f.update(func() {
		if f.st.Screen != ScreenMaintenance || f.st.Busy {
			return
		}
		f.touch()
		f.st.Busy = true
		f.st.MaintOutput = []string{title}
		step := f.step
		f.spawn(func() {
			ctx, cancel := context.WithTimeout(f.base, timeout)
			defer cancel()
			out := op(ctx)
			f.at(step, func() {
				f.st.Busy = false
				f.st.MaintOutput = append([]string{title}, out...)
				f.touch()
			})
			f.at(step, f.refreshHealth)
		})
	})
}

// MaintTestPrint prints a test page.
func (f *Flow) MaintTestPrint() {
	f.maintOp("maint.testprint", 20*time.Second, func(ctx context.Context) []string {
		if f.d.TestPrinter == nil {
			return []string{"no printer configured"}
		}
		if err := f.d.TestPrinter.TestPrint(ctx); err != nil {
			return []string{"FAIL: " + err.Error()}
		}
		return []string{"OK"}
	})
}

// The ID test first asks the reader whether it answers (probeTimeout), then
// waits up to idTestWait for a card.
const (
	probeTimeout = 2500 * time.Millisecond
	idTestWait   = 20 * time.Second
)

// MaintIDTest waits for a card and shows it masked.
func (f *Flow) MaintIDTest() {
	f.maintOp("maint.idtest", idTestWait, func(ctx context.Context) []string {
		if f.d.Reader == nil {
			return []string{"no ID card reader configured"}
		}
		if p, ok := f.d.Reader.(ReaderProbe); ok {
			pctx, cancel := context.WithTimeout(ctx, probeTimeout)
			err := p.Probe(pctx)
			cancel()
			if err != nil {
				return []string{"FAIL: the reader does not answer (" + err.Error() + ")"}
			}
		}
		c, err := f.d.Reader.ReadCard(ctx)
		if errors.Is(err, context.DeadlineExceeded) {
			return []string{"FAIL: the reader answers, but no card was laid within " + idTestWait.String()}
		}
		if err != nil {
			return []string{"FAIL: " + err.Error()}
		}
		out := []string{"OK " + pii.MaskName(c.Name) + " " + pii.MaskID(c.IDNumber)}
		c = Citizen{}
		return out
	})
}

// MaintScanTest waits for a code and shows it (first 80 characters).
func (f *Flow) MaintScanTest() {
	f.maintOp("maint.scantest", 30*time.Second, func(ctx context.Context) []string {
		if f.d.Codes == nil {
			return []string{"no scanner configured"}
		}
		code, err := f.d.Codes.NextCode(ctx)
		if err != nil {
			return []string{"FAIL: " + err.Error()}
		}
		r := []rune(code)
		if len(r) > 80 {
			r = append(r[:80], '…')
		}
		return []string{fmt.Sprintf("OK %d chars: %s", len([]rune(code)), string(r))}
	})
}

// MaintSync shows the sync status.
func (f *Flow) MaintSync() {
	f.maintOp("maint.sync", 5*time.Second, func(ctx context.Context) []string {
		if f.d.Sync == nil {
			return []string{"no sync configured"}
		}
		return f.d.Sync.SyncStatus(ctx)
	})
}

// MaintLogs shows the most recent log lines.
func (f *Flow) MaintLogs() {
	f.maintOp("maint.logs", time.Second, func(context.Context) []string {
		if f.d.Logs == nil {
			return nil
		}
		return f.d.Logs.RecentLogs(20)
	})
}

// MaintConfig shows the configuration in effect.
func (f *Flow) MaintConfig() {
	f.maintOp("maint.config", time.Second, func(context.Context) []string {
		return append([]string(nil), f.opt.ConfigLines...)
	})
}

// MaintExit leaves maintenance for the locked kiosk.
func (f *Flow) MaintExit() {
	f.update(func() {
		if f.st.Screen != ScreenMaintenance && f.st.Screen != ScreenPIN {
			return
		}
		f.audit("maintenance.exit", "button")
		f.goHome(true)
	})
}
