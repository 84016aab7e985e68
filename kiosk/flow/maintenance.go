package flow

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"time"

	"hallkiosk/internal/pii"
)

// MaintState is the maintenance mode's part of the State: the PIN pad and
// the panel.
type MaintState struct {
	PINLen      int       // digits typed (never the digits)
	PINLeft     int       // tries left before the lockout
	LockedUntil time.Time // the PIN pad refuses until then

	Health      []DeviceStatus
	MaintOutput []string // the last operation's title and result lines
}

func (s MaintState) clone() MaintState {
	s.MaintOutput = append([]string(nil), s.MaintOutput...)
	return s
}

// maintSession is what the flow keeps of maintenance beyond the State: the
// PIN being typed, failures towards the lockout and the corner taps.
type maintSession struct {
	pin   []byte
	fails int
	taps  []time.Time
}

// wipeMaint (lock held) forgets the typed PIN and the panel's output; the
// failure count and the lockout stay.
func (f *Flow) wipeMaint() {
	f.st.MaintOutput, f.st.Health = nil, nil
	for i := range f.maint.pin {
		f.maint.pin[i] = 0
	}
	f.maint.pin = f.maint.pin[:0]
	f.st.PINLen = 0
}

// SecretTap counts taps on the maintenance corner; enough taps in a short
// time open the PIN pad.
func (f *Flow) SecretTap() {
	f.update(func() {
		if f.opt.PIN == "" || !f.allows(ActCorner) {
			return
		}
		now := f.clock.Now()
		keep := f.maint.taps[:0]
		for _, t := range f.maint.taps {
			if now.Sub(t) < f.opt.GestureWithin {
				keep = append(keep, t)
			}
		}
		f.maint.taps = append(keep, now)
		if len(f.maint.taps) < f.opt.GestureTaps {
			return
		}
		f.maint.taps = f.maint.taps[:0]
		f.goHome(false)
		f.goTo(ScreenPIN)
		f.showLock(now)
	})
}

// showLock (lock held) sets the PIN pad's hint.
func (f *Flow) showLock(now time.Time) {
	f.st.PINLeft = f.opt.PINTries - f.maint.fails
	if now.Before(f.st.LockedUntil) {
		f.st.Message, f.st.Args = "maint.pin.locked", []any{f.st.LockedUntil.Format("15:04:05")}
	}
}

// PINDigit adds a digit to the PIN being typed.
func (f *Flow) PINDigit(d byte) {
	f.update(func() {
		if !f.allows(ActPINDigit) || d < '0' || d > '9' || len(f.maint.pin) >= 12 {
			return
		}
		f.maint.pin = append(f.maint.pin, d)
		f.st.PINLen = len(f.maint.pin)
		f.touch()
	})
}

// PINClear clears the typed PIN.
func (f *Flow) PINClear() {
	f.update(func() {
		if !f.allows(ActPINClear) {
			return
		}
		f.maint.pin = f.maint.pin[:0]
		f.st.PINLen = 0
		f.touch()
	})
}

// PINSubmit checks the typed PIN: right opens maintenance, wrong counts
// towards the lockout; every outcome is audited.
func (f *Flow) PINSubmit() {
	f.update(func() {
		if !f.allows(ActPINOK) {
			return
		}
		now := f.clock.Now()
		typed := string(f.maint.pin)
		for i := range f.maint.pin {
			f.maint.pin[i] = 0
		}
		f.maint.pin = f.maint.pin[:0]
		f.st.PINLen = 0
		f.touch()
		if now.Before(f.st.LockedUntil) {
			f.audit("maintenance.pin_locked", "attempt while locked")
			f.showLock(now)
			return
		}
		if subtle.ConstantTimeCompare([]byte(typed), []byte(f.opt.PIN)) == 1 {
			f.maint.fails = 0
			f.st.LockedUntil = time.Time{}
			f.audit("maintenance.enter", "pin accepted")
			f.goTo(ScreenMaintenance)
			f.st.PINLeft = f.opt.PINTries
			f.refreshHealth()
			return
		}
		f.maint.fails++
		f.audit("maintenance.pin_failed", fmt.Sprintf("failure %d of %d", f.maint.fails, f.opt.PINTries))
		if f.maint.fails >= f.opt.PINTries {
			f.maint.fails = 0
			f.st.LockedUntil = now.Add(f.opt.PINLockout)
			f.audit("maintenance.locked", "until "+f.st.LockedUntil.Format(time.RFC3339))
			f.showLock(now)
			f.st.PINLeft = 0
			return
		}
		f.st.PINLeft = f.opt.PINTries - f.maint.fails
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
		ctx, cancel := context.WithTimeout(f.base, f.opt.HealthWait)
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
func (f *Flow) maintOp(kind ActionKind, title string, timeout time.Duration, op func(ctx context.Context) []string) {
	f.update(func() {
		if !f.allows(kind) || f.st.Busy {
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
	f.maintOp(ActTestPrint, "maint.testprint", f.opt.TestPrintWait, func(ctx context.Context) []string {
		if f.d.TestPrinter == nil {
			return []string{"no printer configured"}
		}
		if err := f.d.TestPrinter.TestPrint(ctx); err != nil {
			return []string{"FAIL: " + err.Error()}
		}
		return []string{"OK"}
	})
}

// MaintIDTest waits for a card and shows it masked.
func (f *Flow) MaintIDTest() {
	f.maintOp(ActIDTest, "maint.idtest", f.opt.IDTestWait, func(ctx context.Context) []string {
		if f.d.Reader == nil {
			return []string{"no ID card reader configured"}
		}
		if p, ok := f.d.Reader.(ReaderProbe); ok {
			pctx, cancel := context.WithTimeout(ctx, f.opt.ProbeWait)
			err := p.Probe(pctx)
			cancel()
			if err != nil {
				return []string{"FAIL: the reader does not answer (" + err.Error() + ")"}
			}
		}
		c, err := f.d.Reader.ReadCard(ctx)
		if errors.Is(err, context.DeadlineExceeded) {
			return []string{"FAIL: the reader answers, but no card was laid within " + f.opt.IDTestWait.String()}
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
	f.maintOp(ActScanTest, "maint.scantest", f.opt.ScanTestWait, func(ctx context.Context) []string {
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
	f.maintOp(ActSync, "maint.sync", f.opt.SyncWait, func(ctx context.Context) []string {
		if f.d.Sync == nil {
			return []string{"no sync configured"}
		}
		return f.d.Sync.SyncStatus(ctx)
	})
}

// MaintLogs shows the most recent log lines.
func (f *Flow) MaintLogs() {
	f.maintOp(ActLogs, "maint.logs", f.opt.LocalWait, func(context.Context) []string {
		if f.d.Logs == nil {
			return nil
		}
		return f.d.Logs.RecentLogs(20)
	})
}

// MaintConfig shows the configuration in effect.
func (f *Flow) MaintConfig() {
	f.maintOp(ActConfig, "maint.config", f.opt.LocalWait, func(context.Context) []string {
		return append([]string(nil), f.opt.ConfigLines...)
	})
}

// MaintExit leaves maintenance for the locked kiosk.
func (f *Flow) MaintExit() {
	f.update(func() {
		if !f.allows(ActExit) {
			return
		}
		f.audit("maintenance.exit", "button")
		f.goHome(true)
	})
}
