package scanner

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"time"
)

// Source is a scanner as the kiosk sees it.
type Source interface {
	// Codes returns the stream of scanned codes; it is closed after Close
	// or when the device fails for good.
	Codes() <-chan string
	// Close stops reading and waits for the reading goroutine.
	Close() error
}

var (
	_ Source = (*Dev)(nil)
	_ Source = (*Keyboard)(nil)
)

// Trigger is a module family's trigger command set.
type Trigger int

// Trigger command sets.
const (
	NoTrigger Trigger = iota // continuous or hardware-triggered modules
	Honeywell
	Newland
)

// String names the trigger set.
func (t Trigger) String() string {
	switch t {
	case Honeywell:
		return "honeywell"
	case Newland:
		return "newland"
	}
	return "none"
}

// ParseTrigger reads "none", "honeywell" or "newland".
func ParseTrigger(s string) (Trigger, error) {
	switch s {
	case "", "none":
		return NoTrigger, nil
	case "honeywell":
		return Honeywell, nil
	case "newland":
		return Newland, nil
	}
	return 0, fmt.Errorf("scanner: unknown trigger %q (none, honeywell, newland)", s)
}

// Trigger commands.
var (
	HoneywellStart = []byte{0x16, 0x54, 0x0D}
	HoneywellStop  = []byte{0x16, 0x55, 0x0D}
	NewlandStart   = []byte{0x7E, 0x00, 0x08, 0x01, 0x00, 0x02, 0x01, 0x02, 0xDA}
	NewlandStop    = []byte{0x7E, 0x00, 0x08, 0x01, 0x00, 0x02, 0x00, 0x12, 0xFB}
	// NewlandAck is a Newland module's reply to a register write.
	NewlandAck = []byte{0x02, 0x00, 0x00, 0x01, 0x00, 0x33, 0x31}
)

// Opts configures a serial scanner. Zero fields take defaults.
type Opts struct {
	// Idle ends a code that has no suffix after this long without bytes.
	// Default 100 ms (a 4 KB code at 9600 baud arrives with no gaps).
	Idle time.Duration
	// MaxLen drops longer codes. Default DefaultMaxLen.
	MaxLen   int
	Encoding Encoding
	Trigger  Trigger
	// Log receives errors and code lengths, never code text. Default:
	// discard.
	Log *slog.Logger
}

// DefaultOpts is used for nil opts.
var DefaultOpts = Opts{Idle: 100 * time.Millisecond, MaxLen: DefaultMaxLen}

type readTimeouter interface {
	SetReadTimeout(time.Duration) error
}

// ErrClosed is returned by methods called after Close.
var ErrClosed = errors.New("scanner: closed")

// Dev is a serial line scanner. The caller owns the port; a port with
// SetReadTimeout (serialport.Port, serialport.Conn) lets Close return
// promptly, otherwise close the port first.
type Dev struct {
	port  io.ReadWriter
	opts  Opts
	codes chan string
	stop  chan struct{}
	done  chan struct{}
	once  sync.Once
	wmu   sync.Mutex
}

// New starts reading codes from port.
func New(port io.ReadWriter, opts *Opts) (*Dev, error) {
	o := DefaultOpts
	if opts != nil {
		if opts.Idle > 0 {
			o.Idle = opts.Idle
		}
		if opts.MaxLen > 0 {
			o.MaxLen = opts.MaxLen
		}
		o.Encoding, o.Trigger, o.Log = opts.Encoding, opts.Trigger, opts.Log
	}
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	if rt, ok := port.(readTimeouter); ok {
		if err := rt.SetReadTimeout(min(o.Idle/2, 50*time.Millisecond)); err != nil {
			return nil, fmt.Errorf("scanner: set read timeout: %w", err)
		}
	}
	d := &Dev{port: port, opts: o, codes: make(chan string, 16), stop: make(chan struct{}), done: make(chan struct{})}
	go d.loop()
	return d, nil
}

// Codes returns the stream of codes.
func (d *Dev) Codes() <-chan string { return d.codes }

// Close stops reading and waits. It does not close the port.
func (d *Dev) Close() error {
	d.once.Do(func() { close(d.stop) })
	<-d.done
	return nil
}

// StartScan sends the module's start-reading command (no-op for
// NoTrigger).
func (d *Dev) StartScan() error { return d.trigger(true) }

// StopScan sends the module's stop-reading command (no-op for NoTrigger).
func (d *Dev) StopScan() error { return d.trigger(false) }

func (d *Dev) trigger(on bool) error {
	var cmd []byte
	switch d.opts.Trigger {
	case Honeywell:
		cmd = HoneywellStop
		if on {
			cmd = HoneywellStart
		}
	case Newland:
		cmd = NewlandStop
		if on {
			cmd = NewlandStart
		}
	default:
		return nil
	}
	select {
	case <-d.stop:
		return ErrClosed
	default:
	}
	d.wmu.Lock()
	defer d.wmu.Unlock()
	if _, err := d.port.Write(cmd); err != nil {
		return fmt.Errorf("scanner: trigger: %w", err)
	}
	return nil
}

func (d *Dev) loop() {
	defer close(d.done)
	defer close(d.codes)
	lines := Lines{Max: d.opts.MaxLen}
	buf := make([]byte, 512)
	last := time.Now()
	var lastErr string
	emit := func(b []byte) {
		if d.opts.Trigger == Newland && bytes.Equal(b, NewlandAck) {
			return
		}
		code := Decode(b, d.opts.Encoding)
		d.opts.Log.Debug("scanner: code", "bytes", len(b))
		select {
		case d.codes <- code:
		case <-d.stop:
		}
	}
	for {
		select {
		case <-d.stop:
			return
		default:
		}
		n, err := d.port.Read(buf)
		now := time.Now()
		if n > 0 {
			last = now
			lastErr = ""
			lines.Feed(buf[:n], emit)
			if d.opts.Trigger == Newland {
				lines.Trim(NewlandAck)
			}
		} else if lines.Pending() > 0 && now.Sub(last) >= d.opts.Idle {
			lines.Flush(emit)
		}
		if err != nil {
			if errors.Is(err, io.EOF) {
				lines.Flush(emit)
				return
			}
			if err.Error() != lastErr {
				lastErr = err.Error()
				d.opts.Log.Warn("scanner: read error", "err", err)
			}
			// A closed or lost port: keep trying unless stopped (a
			// serialport.Conn comes back after a replug).
			select {
			case <-d.stop:
				return
			case <-time.After(50 * time.Millisecond):
			}
		}
	}
}
