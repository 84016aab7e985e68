package display

import (
	"fmt"
	"io"
	"sync"
	"time"
)

// DefaultGap is the pause between two commands on one bus.
const DefaultGap = 300 * time.Millisecond

// Opts configures a Dev.
type Opts struct {
	// Codec is the protocol; nil means Line with GB18030 text.
	Codec Codec
	// Gap is the least time between the starts of two commands; 0 means
	// DefaultGap, a negative value no pacing.
	Gap time.Duration
	// Now and Sleep are the clock; nil means time.Now and time.Sleep.
	Now   func() time.Time
	Sleep func(time.Duration)
}

// DefaultOpts are used when New gets nil opts.
var DefaultOpts = Opts{Codec: NewLine(GB18030), Gap: DefaultGap}

// Dev is one display bus: a serial port (usually RS-485) with one or more
// addressed displays on it. Its methods are safe for concurrent use; commands
// go out one at a time, at least Gap apart.
type Dev struct {
	w     io.Writer
	codec Codec
	gap   time.Duration
	now   func() time.Time
	sleep func(time.Duration)

	mu   sync.Mutex
	last time.Time // start of the last write; zero before the first
}

// New returns a Dev writing to w. The caller opens and closes the port.
func New(w io.Writer, opts *Opts) (*Dev, error) {
	if w == nil {
		return nil, fmt.Errorf("display: nil port")
	}
	o := DefaultOpts
	if opts != nil {
		o = *opts
	}
	if o.Codec == nil {
		o.Codec = DefaultOpts.Codec
	}
	switch {
	case o.Gap == 0:
		o.Gap = DefaultGap
	case o.Gap < 0:
		o.Gap = 0
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Sleep == nil {
		o.Sleep = time.Sleep
	}
	return &Dev{w: w, codec: o.Codec, gap: o.Gap, now: o.Now, sleep: o.Sleep}, nil
}

// Codec returns the Dev's protocol.
func (d *Dev) Codec() Codec { return d.codec }

// Send encodes cmd and writes it, first waiting until Gap has passed since
// the previous command.
func (d *Dev) Send(cmd Command) error {
	b, err := d.codec.Encode(cmd)
	if err != nil {
		return err
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if !d.last.IsZero() && d.gap > 0 {
		if wait := d.gap - d.now().Sub(d.last); wait > 0 {
			d.sleep(wait)
		}
	}
	d.last = d.now()
	if _, err := d.w.Write(b); err != nil {
		return fmt.Errorf("display: write to address %d: %w", cmd.Addr, err)
	}
	return nil
}

// WaitGap waits until Gap has passed since the previous command, so that a
// caller can decide what to send at the last moment.
func (d *Dev) WaitGap() {
	d.mu.Lock()
	defer d.mu.Unlock()
	if !d.last.IsZero() && d.gap > 0 {
		if wait := d.gap - d.now().Sub(d.last); wait > 0 {
			d.sleep(wait)
		}
	}
}

// ShowText shows text on the display at addr.
func (d *Dev) ShowText(addr byte, text string) error {
	return d.Send(Command{Op: OpText, Addr: addr, Text: text})
}

// Clear blanks the display at addr.
func (d *Dev) Clear(addr byte) error { return d.Send(Command{Op: OpClear, Addr: addr}) }

// SetBrightness sets the brightness (0..MaxBrightness) of the display at addr.
func (d *Dev) SetBrightness(addr byte, level int) error {
	return d.Send(Command{Op: OpBrightness, Addr: addr, Level: level})
}

// ShowClock shows the time t (the idle clock) on the display at addr.
func (d *Dev) ShowClock(addr byte, t time.Time) error {
	return d.Send(Command{Op: OpClock, Addr: addr, Time: t})
}
