package flow

import (
	"context"
	"fmt"
	"log/slog"
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
	HallNameEN    string        // the hall's name in English sessions; "" shows HallName
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

	// How long the flow waits inside a step (device and hall calls, the
	// countdown); zero takes DefaultOptions'.
	Countdown     time.Duration // the last part of the idle timeout counted down on screen
	StatusWait    time.Duration // the status pull after a session ends
	AnnounceWait  time.Duration // one elder-mode prompt
	FaultRecheck  time.Duration // asking a printer with a fault whether it cleared (home refresh)
	ReadyWait     time.Duration // asking the printer, before a number is taken, whether it can print
	VoidWait      time.Duration // voiding a ticket
	CardRetry     time.Duration // pause after a failed card read before reading again
	CardPoll      time.Duration // how often a read card is looked for on the reader (请取回身份证)
	CardPollFor   time.Duration // ... for at most this long
	CardAsk       time.Duration // one look for the card
	HealthWait    time.Duration // device health for the maintenance panel
	TestPrintWait time.Duration // maintenance test print
	ProbeWait     time.Duration // ID test: does the reader answer at all
	IDTestWait    time.Duration // ID test: waiting for a card
	ScanTestWait  time.Duration // scanner test: waiting for a code
	SyncWait      time.Duration // maintenance sync status
	LocalWait     time.Duration // maintenance logs and config views
}

// DefaultOptions are the defaults the config file documents.
var DefaultOptions = Options{
	HallName: "政务服务中心", Idle: 60 * time.Second, ElderIdle: 120 * time.Second,
	Result: 15 * time.Second, ElderResult: 30 * time.Second,
	CardWait: 30 * time.Second, ElderCardWait: 60 * time.Second, PrintTimeout: 20 * time.Second,
	MaintIdle: 5 * time.Minute, PINTries: 3, PINLockout: 5 * time.Minute,
	GestureTaps: 5, GestureWithin: 3 * time.Second,
	Countdown: 10 * time.Second, StatusWait: 3 * time.Second, AnnounceWait: 10 * time.Second,
	FaultRecheck: 2 * time.Second, ReadyWait: 3 * time.Second, VoidWait: 10 * time.Second,
	CardRetry: 200 * time.Millisecond, CardPoll: 500 * time.Millisecond, CardPollFor: 5 * time.Minute,
	CardAsk: 2 * time.Second, HealthWait: 5 * time.Second, TestPrintWait: 20 * time.Second,
	ProbeWait: 2500 * time.Millisecond, IDTestWait: 20 * time.Second, ScanTestWait: 30 * time.Second,
	SyncWait: 5 * time.Second, LocalWait: time.Second,
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
		{&o.Countdown, &d.Countdown}, {&o.StatusWait, &d.StatusWait}, {&o.AnnounceWait, &d.AnnounceWait},
		{&o.FaultRecheck, &d.FaultRecheck}, {&o.ReadyWait, &d.ReadyWait}, {&o.VoidWait, &d.VoidWait},
		{&o.CardRetry, &d.CardRetry}, {&o.CardPoll, &cardPoll}, {&o.CardPollFor, &d.CardPollFor},
		{&o.CardAsk, &d.CardAsk}, {&o.HealthWait, &d.HealthWait}, {&o.TestPrintWait, &d.TestPrintWait},
		{&o.ProbeWait, &d.ProbeWait}, {&o.IDTestWait, &d.IDTestWait}, {&o.ScanTestWait, &d.ScanTestWait},
		{&o.SyncWait, &d.SyncWait}, {&o.LocalWait, &d.LocalWait},
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
//
// The fields here are the session's own (screen, language, hall status,
// devices, the message); each journey keeps its part in its own struct,
// embedded so that its fields read as State's (s.Ticket, s.Rating, ...):
// TicketState (ticket.go), ScanState (scan.go), RatingState (rating.go),
// InvoiceState (invoices.go) and MaintState (maintenance.go). Appointment
// check-in issues a ticket and shows it through TicketState.
type State struct {
	Seq      uint64 // increases with every change
	Screen   Screen
	Lang     i18n.Lang
	Elder    bool
	HallName string
	// HallNameEN is the hall's English name ("" if none).
	HallNameEN string
	Hall       HallStatus
	Zones      []Zone
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

	Person string // masked name of the session's card holder

	Message string // i18n key: message screens and hints on other screens
	Args    []any  // arguments for Message

	Busy bool // an operation runs (the busy screen, a maintenance test)

	Services map[string]Service // every service by code
	Has      Features

	TicketState
	ScanState
	RatingState
	InvoiceState
	MaintState
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
	rate      rateSession  // rating.go
	maint     maintSession // maintenance.go
	watching  bool         // a card-presence watch runs
	cardStep  uint64       // step on which a card was read (readers without CardPresence)
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
	f.st = State{Screen: ScreenHome, Lang: opt.Lang, HallName: opt.HallName, HallNameEN: opt.HallNameEN,
		Hall: HallStatus{Open: true, Online: true}, Services: map[string]Service{}}
	f.st.ReasonChoices = opt.Reasons
	f.st.PINLeft = opt.PINTries
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
	s.RatingState = s.RatingState.clone()
	s.InvoiceState = s.InvoiceState.clone()
	s.MaintState = s.MaintState.clone()
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
	countdownFrom := f.opt.Countdown
	if d <= countdownFrom || f.st.Screen == ScreenMaintenance {
		f.idle = f.clock.AfterFunc(d, func() { f.onIdle(step, gen) })
		return
	}
	// The last countdownFrom are counted down on screen, a second at a time.
	deadline := f.clock.Now().Add(d)
	f.idle = f.clock.AfterFunc(d-countdownFrom, func() { f.tick(step, gen, deadline) })
}

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
			ctx, cancel := context.WithTimeout(f.base, f.opt.StatusWait)
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
	f.st.Countdown = 0
	f.cardStep = 0
	if !f.watching {
		f.st.TakeCard = false
	}
	f.wipeTicket()
	f.wipeScan()
	f.wipeRating()
	f.wipeInvoices()
	f.wipeMaint()
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
		ctx, cancel := context.WithTimeout(f.base, f.opt.AnnounceWait)
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
		if !f.allows(ActHome) {
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
	s, ok := f.st.Screen, f.allows(ActBack)
	f.mu.Unlock()
	switch {
	case !ok:
	case s == ScreenDocument:
		f.StartScan()
	default:
		f.Home()
	}
}

// ToggleLang switches between Chinese and English.
func (f *Flow) ToggleLang() {
	f.update(func() {
		if !f.allows(ActLang) {
			return
		}
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
		if !f.allows(ActElder) {
			return
		}
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
		ctx, cancel := context.WithTimeout(f.base, f.opt.FaultRecheck)
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
		if !f.allows(ActZone) {
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

// message (lock held) shows a message screen and speaks its text in elder
// mode. The spoken text has no arguments: when args are given, the screen
// shows them in a second line (the key's ".at" text, see kiosk/i18n).
func (f *Flow) message(key string, args ...any) {
	f.goTo(ScreenMessage)
	f.st.Message, f.st.Args = key, args
	f.say(key)
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
			f.pause(rctx, f.opt.CardRetry) // a broken reader must not spin
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
		for range max(1, int(f.opt.CardPollFor/f.opt.CardPoll)) {
			select {
			case <-f.base.Done():
				return
			case <-time.After(f.opt.CardPoll):
			}
			ctx, cancel := context.WithTimeout(f.base, f.opt.CardAsk)
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

// cardPoll is the default of Options.CardPoll (a seam for tests that poll
// faster).
var cardPoll = DefaultOptions.CardPoll

// pause waits d on the flow's clock, or until ctx ends.
func (f *Flow) pause(ctx context.Context, d time.Duration) {
	done := make(chan struct{})
	t := f.clock.AfterFunc(d, func() { close(done) })
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-done:
	}
}
