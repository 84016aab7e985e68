package idcard

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"
	"time"
)

// ErrTimeout means no complete response arrived in time.
var ErrTimeout = errors.New("idcard: response timeout")

// CmdError is a command that failed without a status from the reader
// (timeout, corrupted answers, port errors). It unwraps to the cause.
type CmdError struct {
	Cmd Command
	Err error
}

func (e *CmdError) Error() string {
	return "idcard: " + e.Cmd.String() + ": " + strings.TrimPrefix(e.Err.Error(), "idcard: ")
}

// Unwrap returns the cause.
func (e *CmdError) Unwrap() error { return e.Err }

// Opts configures a Dev. The zero value of a field means its default.
type Opts struct {
	// Baud is the link speed, used only to size response timeouts.
	// Default 115200.
	Baud int
	// Timeout is how long to wait for a response beyond the wire time of
	// the largest frame at Baud. Default 500 ms.
	Timeout time.Duration
	// Poll is the pause between find attempts in WaitCard. Default 150 ms.
	Poll time.Duration
	// Retries is how many more times a command is sent after a lost,
	// partial or corrupted response. Default 2; negative means none.
	Retries int
	// ReadSlice is the read timeout set on ports that support
	// SetReadTimeout, bounding how long a cancelled context can go
	// unnoticed. Default 50 ms.
	ReadSlice time.Duration
	// Log receives debug messages about retries. Default: discard.
	Log *slog.Logger
}

// DefaultOpts is used when New gets nil opts.
var DefaultOpts = Opts{Baud: 115200, Timeout: 500 * time.Millisecond, Poll: 150 * time.Millisecond, Retries: 2, ReadSlice: 50 * time.Millisecond}

// Reader is what a kiosk needs from an ID card reader.
type Reader interface {
	WaitCard(ctx context.Context) (*Card, error)
}

var _ Reader = (*Dev)(nil)

// readTimeouter is implemented by serial ports whose reads can time out
// (returning 0, nil).
type readTimeouter interface {
	SetReadTimeout(time.Duration) error
}

// Dev is an ID card reader on a serial link. Commands from several
// goroutines take turns: Do holds the link for one exchange, so a status
// probe may run while another goroutine waits for a card (WaitCard itself
// is for one goroutine at a time).
type Dev struct {
	mu   sync.Mutex // held by Do: port, buf, tmp, Resyncs
	port io.ReadWriter
	opts Opts
	buf  []byte
	tmp  []byte
	// Resyncs counts frames dropped for a bad checksum or length, and noise
	// bytes skipped, since New.
	Resyncs int
	lastErr string
}

// New returns a Dev talking on port. The caller opens and closes port. If
// port has SetReadTimeout (serialport.Port does), New sets it to
// opts.ReadSlice.
func New(port io.ReadWriter, opts *Opts) (*Dev, error) {
	o := DefaultOpts
	if opts != nil {
		if opts.Baud > 0 {
			o.Baud = opts.Baud
		}
		if opts.Timeout > 0 {
			o.Timeout = opts.Timeout
		}
		if opts.Poll > 0 {
			o.Poll = opts.Poll
		}
		if opts.Retries != 0 {
			o.Retries = max(opts.Retries, 0)
		}
		if opts.ReadSlice > 0 {
			o.ReadSlice = opts.ReadSlice
		}
		o.Log = opts.Log
	}
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	if rt, ok := port.(readTimeouter); ok {
		if err := rt.SetReadTimeout(o.ReadSlice); err != nil {
			return nil, fmt.Errorf("idcard: set read timeout: %w", err)
		}
	}
	return &Dev{port: port, opts: o, tmp: make([]byte, 2048)}, nil
}

// WireTime is how long n bytes take on a UART at baud, 8N1.
func WireTime(n, baud int) time.Duration {
	return time.Duration(n) * 10 * time.Second / time.Duration(baud)
}

// Do sends cmd with data and returns the reader's response. A response
// whose status is not OK is returned together with a *StatusError. Lost,
// partial and corrupted responses are retried opts.Retries times.
func (d *Dev) Do(ctx context.Context, cmd Command, data ...byte) (*Response, error) {
	req := cmd.Request(data...)
	d.mu.Lock()
	defer d.mu.Unlock()
	var err error
	for attempt := 0; attempt <= d.opts.Retries; attempt++ {
		if err = ctx.Err(); err != nil {
			return nil, &CmdError{Cmd: cmd, Err: err}
		}
		d.buf = d.buf[:0]
		if _, err = d.port.Write(req); err != nil {
			return nil, &CmdError{Cmd: cmd, Err: fmt.Errorf("write: %w", err)}
		}
		var r *Response
		deadline := time.Now().Add(d.opts.Timeout + WireTime(MaxFrame, d.opts.Baud))
		r, err = d.next(ctx, deadline)
		for err == nil && answersOther(cmd, r) {
			// A late answer to an earlier command that timed out: the
			// reader does not echo the command, so its shape tells.
			d.Resyncs++
			d.opts.Log.Debug("idcard: skipped a late answer to another command", "cmd", cmd.String(), "status", r.SW3.String(), "bytes", len(r.Data))
			r, err = d.next(ctx, deadline)
		}
		if err == nil {
			if !r.SW3.OK() {
				if r.SW3 == StatusChecksum || r.SW3 == StatusLength {
					err = &StatusError{Cmd: cmd, Status: r.SW3}
					d.opts.Log.Debug("idcard: reader saw a bad request, resending", "cmd", cmd.String(), "attempt", attempt)
					continue
				}
				return r, &StatusError{Cmd: cmd, Status: r.SW3}
			}
			return r, nil
		}
		if !errors.Is(err, ErrChecksum) && !errors.Is(err, ErrTimeout) && !errors.Is(err, ErrFrameLength) {
			return nil, &CmdError{Cmd: cmd, Err: err}
		}
		d.opts.Log.Debug("idcard: resending", "cmd", cmd.String(), "attempt", attempt, "err", err)
	}
	if errors.Is(err, ErrTimeout) || errors.Is(err, ErrChecksum) || errors.Is(err, ErrFrameLength) {
		return nil, &CmdError{Cmd: cmd, Err: err}
	}
	return nil, err
}

// answersOther reports whether r has the shape of the answer to another
// command than cmd: find answers 9F with 4 bytes, select 90 with 8, read 90
// with its length header and text block, SAM ID 90 with 16. A late answer
// to a command that timed out would otherwise be taken for the next one's
// (a select's 8 zero bytes read as an empty card).
func answersOther(cmd Command, r *Response) bool {
	ok := r.SW3 == StatusOK
	n := len(r.Data)
	readShape := ok && n >= 4 && int(binary.BigEndian.Uint16(r.Data)) == TextSize
	switch cmd {
	case CmdFind:
		return ok && n > 0
	case CmdSelect:
		return r.SW3 == StatusFindOK || readShape
	case CmdRead, CmdReadFinger:
		return r.SW3 == StatusFindOK || ok && !readShape && (n == 8 || n == 16 || n == 0)
	case CmdSAMID:
		return r.SW3 == StatusFindOK || ok && n != 16
	}
	return false
}

// next reads until a good frame arrives, resynchronising on noise, partial
// frames and bad frames, or until deadline. A bad checksum is returned at
// once (the reader will not resend by itself).
func (d *Dev) next(ctx context.Context, deadline time.Time) (*Response, error) {
	for {
		payload, n, err := Split(d.buf)
		switch {
		case err == nil:
			r, perr := ParseResponse(payload)
			if perr == nil {
				// Copied before the buffer shifts under it.
				r.Data = append([]byte(nil), r.Data...)
			}
			rest := copy(d.buf, d.buf[n:])
			d.buf = d.buf[:rest]
			if perr != nil {
				d.Resyncs++
				continue
			}
			return r, nil
		case errors.Is(err, errIncomplete):
			if n > 0 {
				d.Resyncs++
			}
			rest := copy(d.buf, d.buf[n:])
			d.buf = d.buf[:rest]
		default:
			d.Resyncs++
			rest := copy(d.buf, d.buf[n:])
			d.buf = d.buf[:rest]
			if errors.Is(err, ErrChecksum) {
				return nil, err
			}
			continue // bad length: look for the next preamble
		}
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		if time.Now().After(deadline) {
			return nil, ErrTimeout
		}
		m, err := d.port.Read(d.tmp)
		if m > 0 {
			d.buf = append(d.buf, d.tmp[:m]...)
		}
		if err != nil {
			return nil, fmt.Errorf("read: %w", err)
		}
	}
}

// Reset resets the SAM module.
func (d *Dev) Reset(ctx context.Context) error {
	_, err := d.Do(ctx, CmdResetSAM)
	return err
}

// Status asks the SAM module for its status; nil means it is working.
func (d *Dev) Status(ctx context.Context) error {
	_, err := d.Do(ctx, CmdSAMStatus)
	return err
}

// SAMID returns the SAM module's identity as printed on readers, e.g.
// "05.01-20101111-0012345678-1234567890".
func (d *Dev) SAMID(ctx context.Context) (string, error) {
	r, err := d.Do(ctx, CmdSAMID)
	if err != nil {
		return "", err
	}
	return FormatSAMID(r.Data)
}

// FormatSAMID formats the 16 data bytes of a SAM ID response: two
// little-endian uint16 and three little-endian uint32.
func FormatSAMID(b []byte) (string, error) {
	if len(b) < 16 {
		return "", fmt.Errorf("idcard: sam id of %d bytes, want 16", len(b))
	}
	le := binary.LittleEndian
	return fmt.Sprintf("%02d.%02d-%08d-%010d-%010d", le.Uint16(b), le.Uint16(b[2:]), le.Uint32(b[4:]), le.Uint32(b[8:]), le.Uint32(b[12:])), nil
}

// Find asks whether a card is on the reader. errors.Is(err, StatusNoCard)
// means none.
func (d *Dev) Find(ctx context.Context) error {
	_, err := d.Do(ctx, CmdFind)
	return err
}

// Select selects the found card.
func (d *Dev) Select(ctx context.Context) error {
	_, err := d.Do(ctx, CmdSelect)
	return err
}

// Read reads the selected card's text and photo.
func (d *Dev) Read(ctx context.Context) (*Card, error) {
	r, err := d.Do(ctx, CmdRead)
	if err != nil {
		return nil, err
	}
	return ParseRead(r.Data)
}

// ParseRead decodes the data of a read (30 01) response: text length,
// photo length (big-endian), text block, photo.
func ParseRead(data []byte) (*Card, error) { return parseRead(data, false) }

// ParseReadFingerprint decodes the data of a read-with-fingerprint (30 10)
// response: text, photo and fingerprint lengths, then the three blocks.
func ParseReadFingerprint(data []byte) (*Card, error) { return parseRead(data, true) }

func parseRead(data []byte, fp bool) (*Card, error) {
	hdr := 4
	if fp {
		hdr = 6
	}
	if len(data) < hdr {
		return nil, fmt.Errorf("idcard: read response of %d bytes", len(data))
	}
	tl := int(binary.BigEndian.Uint16(data))
	pl := int(binary.BigEndian.Uint16(data[2:]))
	fl := 0
	if fp {
		fl = int(binary.BigEndian.Uint16(data[4:]))
	}
	if tl != TextSize || hdr+tl+pl+fl > len(data) {
		return nil, fmt.Errorf("idcard: read response: text %d, photo %d, fingerprint %d in %d bytes", tl, pl, fl, len(data))
	}
	c, err := DecodeText(data[hdr : hdr+tl])
	if err != nil {
		return nil, err
	}
	c.Photo = append(Photo(nil), data[hdr+tl:hdr+tl+pl]...)
	if fl > 0 {
		c.Fingerprint = append(Fingerprint(nil), data[hdr+tl+pl:hdr+tl+pl+fl]...)
	}
	return c, nil
}

// ReadWithFingerprint reads the selected card's text, photo and
// fingerprint data (30 10). Cards without fingerprints give an empty
// Fingerprint.
func (d *Dev) ReadWithFingerprint(ctx context.Context) (*Card, error) {
	r, err := d.Do(ctx, CmdReadFinger)
	if err != nil {
		return nil, err
	}
	return ParseReadFingerprint(r.Data)
}

// ReadCard makes one find/select/read attempt.
func (d *Dev) ReadCard(ctx context.Context) (*Card, error) {
	if err := d.Find(ctx); err != nil {
		return nil, err
	}
	if err := d.Select(ctx); err != nil {
		return nil, err
	}
	return d.Read(ctx)
}

// WaitCard polls the reader every opts.Poll until a card is read or ctx
// ends (its error is returned then, wrapped). Call it while a screen asks
// for a card; the reader is idle otherwise. Device errors are logged once
// per change and polling goes on, so a reader that is unplugged and
// replugged (behind a serialport.Conn) comes back by itself.
func (d *Dev) WaitCard(ctx context.Context) (*Card, error) {
	t := time.NewTimer(0)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("idcard: wait card: %w", ctx.Err())
		case <-t.C:
		}
		c, err := d.ReadCard(ctx)
		if err == nil {
			d.lastErr = ""
			return c, nil
		}
		if ctx.Err() != nil {
			return nil, fmt.Errorf("idcard: wait card: %w", ctx.Err())
		}
		if !errors.Is(err, StatusNoCard) && !errors.Is(err, StatusSelectFailed) && err.Error() != d.lastErr {
			d.lastErr = err.Error()
			d.opts.Log.Warn("idcard: reader error, still polling", "err", err)
		}
		t.Reset(d.opts.Poll)
	}
}
