package adapters

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"hallkiosk/drivers/idcard"
	"hallkiosk/kiosk/flow"
	"hallkiosk/printer"
)

// PrinterFault reads the printer's last polled health (printer.Printer.Run
// polls it): paper out, or another condition that stops printing. A
// printer never polled yet counts as fine.
func (p *Printer) PrinterFault() flow.PrinterFault {
	if p == nil || p.P == nil {
		return flow.PrinterOK
	}
	return printerFault(p.P.Health())
}

func printerFault(h printer.Health) flow.PrinterFault {
	switch {
	case h.Time.IsZero():
		return flow.PrinterOK
	case !h.Reachable:
		return flow.PrinterFailure
	case h.Status.PaperOut || h.Status.PaperStop:
		return flow.PrinterPaper
	case h.Status.CoverOpen || h.Status.CutterError || h.Status.Unrecovered || h.Status.AutoRecover || h.Status.Offline || h.Status.Error:
		return flow.PrinterFailure
	}
	return flow.PrinterOK
}

var _ flow.ReaderProbe = CardReader{}

// Probe asks the reader's SAM module for its status: an answer, whatever it
// says, means the reader is there; no answer within ctx is a fault.
func (r CardReader) Probe(ctx context.Context) error {
	err := r.Dev.Status(ctx)
	var st idcard.Status
	if err == nil || errors.As(err, &st) {
		return nil
	}
	return fmt.Errorf("adapters: id card reader: %w", err)
}

// ReaderWatch probes the ID card reader now and then, so the home screen
// knows a dead reader before a citizen lays a card on it.
type ReaderWatch struct {
	R       CardReader
	Every   time.Duration // between probes; 0: 15 s
	Timeout time.Duration // per probe; 0: 2 s

	mu     sync.Mutex
	fault  bool
	missed int // probes unanswered in a row
}

// Run probes until ctx ends.
func (w *ReaderWatch) Run(ctx context.Context) {
	every, timeout := w.Every, w.Timeout
	if every <= 0 {
		every = 15 * time.Second
	}
	if timeout <= 0 {
		timeout = 2 * time.Second
	}
	for i := 0; ; i++ {
		w.Once(ctx, timeout)
		wait := every
		if w.missedOnce() {
			wait = timeout // confirm a missed answer soon
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(wait):
		}
	}
}

// Once probes the reader once.
func (w *ReaderWatch) Once(ctx context.Context, timeout time.Duration) {
	pctx, cancel := context.WithTimeout(ctx, timeout)
	err := w.R.Probe(pctx)
	cancel()
	if ctx.Err() != nil {
		return
	}
	w.mu.Lock()
	if err != nil {
		w.missed++
	} else {
		w.missed = 0
	}
	w.fault = w.missed >= 2 // one slow answer is not a dead reader
	w.mu.Unlock()
}

func (w *ReaderWatch) missedOnce() bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.missed == 1
}

// Fault reports whether the last two probes went unanswered.
func (w *ReaderWatch) Fault() bool {
	if w == nil {
		return false
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.fault
}

// Faults gathers the device faults for the flow.
type Faults struct {
	Printer *Printer
	Reader  *ReaderWatch
	NoSound func() bool // nil: sound not used
}

var _ flow.FaultSource = Faults{}

// Faults reports what the devices last showed.
func (f Faults) Faults() flow.Faults {
	out := flow.Faults{Printer: f.Printer.PrinterFault(), Reader: f.Reader.Fault()}
	if f.NoSound != nil {
		out.NoSound = f.NoSound()
	}
	return out
}

var _ flow.PrinterReady = (*Printer)(nil)

// Ready polls the printer's status now: what the printer reports that
// stops it from printing (paper out, cover open, ...). A poll that goes
// unanswered is not taken as a fault here (a busy link can be slow; the
// print itself then tells), though home shows it from the health.
func (p *Printer) Ready(ctx context.Context) flow.PrinterFault {
	if p == nil || p.P == nil {
		return flow.PrinterOK
	}
	st, err := p.P.Status(ctx)
	if err != nil {
		return flow.PrinterOK
	}
	return printerFault(printer.Health{Reachable: true, Status: st, Time: time.Now()})
}
