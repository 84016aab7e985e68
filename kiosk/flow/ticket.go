package flow

import (
	"context"
	"errors"

	"hallkiosk/internal/pii"
	"hallkiosk/kiosk/i18n"
)

// TicketState is the ticket journey's part of the State: the zone open on
// the zone screen, the service being issued, its real-name step and the
// ticket on the ticket and print-failed screens.
type TicketState struct {
	Zone    Zone    // zone screen
	Service Service // service being issued
	Ticket  Ticket  // ticket / print-failed screens
	CanSkip bool    // real-name step may be skipped
}

// wipeTicket (lock held) forgets the ticket journey of the session.
func (f *Flow) wipeTicket() { f.st.TicketState = TicketState{} }

// PickService starts taking a ticket for the service: the real-name step if
// the service has one, then issue and print.
func (f *Flow) PickService(code string) {
	f.update(func() {
		if !f.allows(ActService) {
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

// SkipRealName issues the ticket without the card where the service allows.
func (f *Flow) SkipRealName() {
	f.update(func() {
		if !f.allows(ActSkip) || !f.st.CanSkip {
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
			t.Holder = pii.MaskName(req.Citizen.Name)
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
	rctx, cancel := context.WithTimeout(ctx, f.opt.ReadyWait)
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
		if !f.allows(ActRetry) {
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
		ctx, cancel := context.WithTimeout(context.WithoutCancel(f.base), f.opt.VoidWait)
		defer cancel()
		if err := f.d.Issuer.Void(ctx, t, reason); err != nil {
			f.log.Error("kiosk ticket void failed", "ticket", t.Number, "err", err)
			return
		}
		f.log.Info("kiosk ticket voided", "ticket", t.Number, "reason", reason)
	})
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
