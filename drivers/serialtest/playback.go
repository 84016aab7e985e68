package serialtest

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"sync"
	"time"
)

// IO is one exchange: bytes the code under test writes (W), then bytes the
// device answers (R). An IO with no W is unsolicited data from the device,
// readable as soon as the previous exchanges are done.
type IO struct {
	W []byte
	R []byte
}

// Playback is an io.ReadWriter that replays a device from a table of
// exchanges. A write that differs from the next expected bytes fails (and
// Close reports it); reads may return the answer in pieces (MaxRead); a read
// with nothing to give returns (0, nil) after a short pause, as a serial
// port's read timeout does. Close checks that every exchange was used.
type Playback struct {
	Ops []IO
	// MaxRead caps each Read, to exercise partial reads (0: no cap).
	MaxRead int

	mu     sync.Mutex
	op     int    // next exchange
	wdone  int    // bytes of Ops[op].W written so far
	rbuf   []byte // answer bytes not yet read
	err    error
	closed bool
}

// SetReadTimeout is accepted and ignored.
func (p *Playback) SetReadTimeout(time.Duration) error { return nil }

// advance makes unsolicited answers readable. p.mu is held.
func (p *Playback) advance() {
	for p.op < len(p.Ops) && len(p.Ops[p.op].W) == 0 && p.wdone == 0 && len(p.rbuf) == 0 {
		p.rbuf = append(p.rbuf, p.Ops[p.op].R...)
		p.op++
	}
}

// Write checks b against the expected bytes.
func (p *Playback) Write(b []byte) (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return 0, errors.New("serialtest: write after close")
	}
	if p.err != nil {
		return 0, p.err
	}
	p.advance()
	for n := 0; n < len(b); {
		if p.op >= len(p.Ops) {
			p.err = fmt.Errorf("serialtest: unexpected write % X after the last exchange", b[n:])
			return n, p.err
		}
		w := p.Ops[p.op].W[p.wdone:]
		k := min(len(w), len(b)-n)
		if !bytes.Equal(w[:k], b[n:n+k]) {
			p.err = fmt.Errorf("serialtest: exchange %d: wrote % X, want % X", p.op, b[n:n+k], w[:k])
			return n, p.err
		}
		n += k
		p.wdone += k
		if p.wdone == len(p.Ops[p.op].W) {
			p.rbuf = append(p.rbuf, p.Ops[p.op].R...)
			p.op++
			p.wdone = 0
		}
	}
	return len(b), nil
}

// Read returns answer bytes, or (0, nil) after a millisecond when there are
// none, or io.EOF once every exchange is used and read.
func (p *Playback) Read(b []byte) (int, error) {
	p.mu.Lock()
	p.advance()
	if p.closed {
		p.mu.Unlock()
		return 0, io.EOF
	}
	if len(p.rbuf) == 0 {
		done := p.op >= len(p.Ops)
		p.mu.Unlock()
		if done {
			return 0, io.EOF
		}
		time.Sleep(time.Millisecond)
		return 0, nil
	}
	n := len(b)
	if p.MaxRead > 0 {
		n = min(n, p.MaxRead)
	}
	n = copy(b[:n], p.rbuf)
	p.rbuf = p.rbuf[n:]
	p.mu.Unlock()
	return n, nil
}

// Close reports a wrong write, exchanges left unused, or answer bytes left
// unread.
func (p *Playback) Close() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.closed = true
	switch {
	case p.err != nil:
		return p.err
	case p.op < len(p.Ops):
		return fmt.Errorf("serialtest: %d of %d exchanges unused", len(p.Ops)-p.op, len(p.Ops))
	case len(p.rbuf) > 0:
		return fmt.Errorf("serialtest: %d answer bytes unread", len(p.rbuf))
	}
	return nil
}

// Record wraps a real port and captures its traffic as exchanges, ready to
// paste into a Playback table (see Ops and String).
type Record struct {
	RW io.ReadWriter

	mu  sync.Mutex
	ops []IO
}

// Write writes to RW and records the bytes.
func (r *Record) Write(b []byte) (int, error) {
	n, err := r.RW.Write(b)
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.ops) == 0 || len(r.ops[len(r.ops)-1].R) > 0 {
		r.ops = append(r.ops, IO{})
	}
	last := &r.ops[len(r.ops)-1]
	last.W = append(last.W, b[:n]...)
	return n, err
}

// Read reads from RW and records the bytes.
func (r *Record) Read(b []byte) (int, error) {
	n, err := r.RW.Read(b)
	if n > 0 {
		r.mu.Lock()
		if len(r.ops) == 0 {
			r.ops = append(r.ops, IO{})
		}
		last := &r.ops[len(r.ops)-1]
		last.R = append(last.R, b[:n]...)
		r.mu.Unlock()
	}
	return n, err
}

// SetReadTimeout passes through to RW if it has one.
func (r *Record) SetReadTimeout(d time.Duration) error {
	if s, ok := r.RW.(interface{ SetReadTimeout(time.Duration) error }); ok {
		return s.SetReadTimeout(d)
	}
	return nil
}

// Ops returns a copy of the recorded exchanges.
func (r *Record) Ops() []IO {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]IO, len(r.ops))
	for i, o := range r.ops {
		out[i] = IO{W: bytes.Clone(o.W), R: bytes.Clone(o.R)}
	}
	return out
}

// String formats the exchanges as Go source for a Playback table.
func (r *Record) String() string {
	var sb bytes.Buffer
	for _, o := range r.Ops() {
		fmt.Fprintf(&sb, "{W: %#v, R: %#v},\n", o.W, o.R)
	}
	return sb.String()
}
