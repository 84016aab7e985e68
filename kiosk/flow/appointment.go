package flow

import (
	"context"
	"errors"
)

// StartAppointment waits for an appointment QR code or an ID card.
func (f *Flow) StartAppointment() {
	f.update(func() {
		if !f.allows(ActAppointment) || !f.st.Has.Appointment {
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
