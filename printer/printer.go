package printer

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"hallkiosk/printer/escpos"
	"hallkiosk/printer/ticket"
)

// Errors a job or status poll can wrap; test with errors.Is.
var (
	ErrNoReply     = errors.New("printer: no status reply (printer off, unplugged or not answering DLE EOT)")
	ErrPaperOut    = errors.New("printer: paper out")
	ErrCoverOpen   = errors.New("printer: cover open")
	ErrCutter      = errors.New("printer: cutter error")
	ErrOffline     = errors.New("printer: offline")
	ErrFault       = errors.New("printer: printer error")
	ErrClosed      = errors.New("printer: link closed")
	ErrWriteStall  = errors.New("printer: write stalled (printer not accepting data)")
	ErrNotPrinted  = errors.New("printer: printer did not confirm printing the job")
	errEmptyJobKey = errors.New("printer: empty job key")
)

// Stage says how far a failed job got.
type Stage int

// Stages of a job.
const (
	// StageCheck: the status check before sending failed; nothing was sent.
	StageCheck Stage = iota
	// StageSend: sending failed; the ticket may be partly printed.
	StageSend
	// StageConfirm: everything was sent but the printer then reported a
	// problem or did not answer; the ticket may be missing or incomplete.
	StageConfirm
)

// String names the stage.
func (s Stage) String() string {
	switch s {
	case StageCheck:
		return "before printing"
	case StageSend:
		return "while sending"
	case StageConfirm:
		return "after sending"
	}
	return fmt.Sprintf("Stage(%d)", int(s))
}

// JobError is a failed job.
type JobError struct {
	Key    string
	Stage  Stage
	Sent   int // bytes written before the failure
	Total  int // bytes in the job
	Status escpos.Status
	Err    error
}

// Error says what failed, e.g. "printer: job k1: paper out after sending
// (585 of 585 bytes sent; ticket may be missing or incomplete)".
func (e *JobError) Error() string {
	what := "nothing printed"
	switch e.Stage {
	case StageSend:
		what = "ticket may be partly printed"
	case StageConfirm:
		what = "ticket may be missing or incomplete"
	}
	msg := e.Err.Error()
	if len(msg) > 9 && msg[:9] == "printer: " {
		msg = msg[9:]
	}
	return fmt.Sprintf("printer: job %s: %s %s (%d of %d bytes sent; %s)", e.Key, msg, e.Stage, e.Sent, e.Total, what)
}

// Unwrap returns the cause.
func (e *JobError) Unwrap() error { return e.Err }

// Printed reports whether any byte of the job reached the printer.
func (e *JobError) Printed() bool { return e.Sent > 0 }

// Health is what the hall sees of a printer.
type Health struct {
	Reachable bool          // the printer answered the last status poll
	Status    escpos.Status // valid when Reachable
	Time      time.Time     // of the poll
}

// String is "unreachable", "ok" or the status conditions.
func (h Health) String() string {
	if !h.Reachable {
		return "unreachable"
	}
	return h.Status.String()
}

func (h Health) same(o Health) bool { return h.Reachable == o.Reachable && h.Status == o.Status }

// Opts configure a Printer. The zero value is usable.
type Opts struct {
	// Profile is the printer family; default escpos.Profiles["80mm"].
	Profile escpos.Profile
	// StatusTimeout bounds the wait for status replies; default 1s.
	StatusTimeout time.Duration
	// WriteTimeout bounds sending one job; default 10s plus 1 ms per byte.
	WriteTimeout time.Duration
	// Settle is waited after draining, before the confirming status poll,
	// for printers that update status only once printing has caught up.
	Settle time.Duration
	// PrintTimeout bounds the wait for a printer with
	// Profile.PrintedReply to confirm it has printed a job; default 5s
	// plus 2 ms per byte.
	PrintTimeout time.Duration
	// Remember is how many printed job keys are remembered; default 4096.
	Remember int
	// OnHealth is called (from the polling goroutine) when health changes.
	OnHealth func(Health)
	// Log receives job and status events; default discards.
	Log *slog.Logger
	// Now is the clock; default time.Now.
	Now func() time.Time
}

// Printer is a connected ESC/POS printer. Its methods are safe for
// concurrent use; jobs and polls take turns on the link.
type Printer struct {
	conn Conn
	opts Opts
	rx   chan byte

	mu     sync.Mutex // the link: one job or poll at a time
	closed bool

	hmu    sync.Mutex
	health Health
	seen   bool

	kmu      sync.Mutex
	inflight map[string]*flight
	done     map[string]bool
	order    []string // printed keys, oldest first

	readerDone chan struct{}
	closeOnce  sync.Once
}

type flight struct {
	wait chan struct{}
	err  error
}

// New returns a Printer on conn and starts its reader; Close stops it and
// closes conn.
func New(conn Conn, opts *Opts) *Printer {
	var o Opts
	if opts != nil {
		o = *opts
	}
	if o.Profile.Width == 0 {
		o.Profile = escpos.Profiles[escpos.DefaultProfile]
	}
	if o.StatusTimeout <= 0 {
		o.StatusTimeout = time.Second
	}
	if o.Remember <= 0 {
		o.Remember = 4096
	}
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	p := &Printer{conn: conn, opts: o, rx: make(chan byte, 256),
		inflight: map[string]*flight{}, done: map[string]bool{}, readerDone: make(chan struct{})}
	go p.reader()
	return p
}

// Profile returns the printer's profile.
func (p *Printer) Profile() escpos.Profile { return p.opts.Profile }

// reader moves received bytes to p.rx until the link fails or closes.
func (p *Printer) reader() {
	defer close(p.readerDone)
	buf := make([]byte, 64)
	for {
		n, err := p.conn.Read(buf)
		for _, b := range buf[:n] {
			select {
			case p.rx <- b:
			default: // nobody asked: drop
			}
		}
		if err != nil {
			if !errors.Is(err, io.EOF) || n == 0 {
				p.mu.Lock()
				closed := p.closed
				p.mu.Unlock()
				if !closed {
					p.opts.Log.Warn("printer link read failed", "err", err)
				}
				return
			}
		}
	}
}

// Close closes the link and waits for the reader to stop.
func (p *Printer) Close() error {
	var err error
	p.closeOnce.Do(func() {
		p.mu.Lock()
		p.closed = true
		p.mu.Unlock()
		err = p.conn.Close()
		<-p.readerDone
	})
	return err
}

// Health returns the last polled health.
func (p *Printer) Health() Health {
	p.hmu.Lock()
	defer p.hmu.Unlock()
	return p.health
}

func (p *Printer) setHealth(h Health) {
	p.hmu.Lock()
	changed := !p.seen || !h.same(p.health)
	p.seen = true
	p.health = h
	p.hmu.Unlock()
	if changed {
		p.opts.Log.Info("printer health", "health", h.String())
		if p.opts.OnHealth != nil {
			p.opts.OnHealth(h)
		}
	}
}

// Status polls the printer's real-time status.
func (p *Printer) Status(ctx context.Context) (escpos.Status, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return escpos.Status{}, ErrClosed
	}
	return p.poll(ctx)
}

// poll asks for status bytes 1, 2 and 4 (and 3 when an error is flagged).
// The caller holds p.mu.
func (p *Printer) poll(ctx context.Context) (escpos.Status, error) {
	for len(p.rx) > 0 { // stale bytes
		<-p.rx
	}
	var raw [4]byte
	raw[2] = 0x12
	q := []byte{escpos.DLE, escpos.EOT, 1, escpos.DLE, escpos.EOT, 2, escpos.DLE, escpos.EOT, 4}
	got, err := p.ask(ctx, q, 3)
	if err == nil {
		raw[0], raw[1], raw[3] = got[0], got[1], got[2]
		if raw[1]&0x40 != 0 { // error: ask for its cause
			got, err = p.ask(ctx, escpos.StatusRequest(3), 1)
			if err == nil {
				raw[2] = got[0]
			}
		}
	}
	if err != nil {
		if ctx.Err() == nil {
			p.setHealth(Health{Reachable: false, Time: p.opts.Now()})
		}
		return escpos.Status{}, err
	}
	st := escpos.DecodeStatus(raw)
	p.setHealth(Health{Reachable: true, Status: st, Time: p.opts.Now()})
	return st, nil
}

// ask writes q and reads n valid status bytes.
func (p *Printer) ask(ctx context.Context, q []byte, n int) ([]byte, error) {
	if _, err := p.conn.Write(q); err != nil {
		return nil, fmt.Errorf("printer: status request: %w", err)
	}
	t := time.NewTimer(p.opts.StatusTimeout)
	defer t.Stop()
	out := make([]byte, 0, n)
	for len(out) < n {
		select {
		case b := <-p.rx:
			if escpos.ValidStatusByte(b) {
				out = append(out, b)
			}
		case <-t.C:
			if len(out) > 0 {
				return nil, fmt.Errorf("%w: %d of %d bytes within %v", ErrNoReply, len(out), n, p.opts.StatusTimeout)
			}
			return nil, fmt.Errorf("%w within %v", ErrNoReply, p.opts.StatusTimeout)
		case <-ctx.Done():
			return nil, fmt.Errorf("printer: status: %w", ctx.Err())
		case <-p.readerDone:
			return nil, fmt.Errorf("%w: link lost", ErrNoReply)
		}
	}
	return out, nil
}

// problem maps a status that stops printing to an error.
func problem(s escpos.Status) error {
	switch {
	case s.PaperOut || s.PaperStop:
		return ErrPaperOut
	case s.CoverOpen:
		return ErrCoverOpen
	case s.CutterError:
		return ErrCutter
	case s.Unrecovered || s.AutoRecover || s.Error:
		return fmt.Errorf("%w: %s", ErrFault, s.Problem())
	case s.Offline:
		return ErrOffline
	}
	return nil
}

// PrintTicket prints a queue ticket; see Print.
func (p *Printer) PrintTicket(ctx context.Context, key string, t ticket.Ticket) error {
	return p.PrintLayout(ctx, key, t)
}

// PrintLayout encodes l for the printer's profile and prints it; see Print.
func (p *Printer) PrintLayout(ctx context.Context, key string, l ticket.Layout) error {
	data, err := l.Encode(p.opts.Profile)
	if err != nil {
		return fmt.Errorf("printer: job %s: %w", key, err)
	}
	return p.Print(ctx, key, data)
}

// Print sends one job of ESC/POS bytes and confirms it. key identifies the
// job (e.g. the ticket's device id and sequence): if a job with this key
// already printed, Print returns nil without printing; if one is printing,
// Print waits for it and returns its result. A failed job's key is
// forgotten, so calling Print again reprints. Failures are *JobError.
func (p *Printer) Print(ctx context.Context, key string, data []byte) error {
	if key == "" {
		return errEmptyJobKey
	}
	p.kmu.Lock()
	if p.done[key] {
		p.kmu.Unlock()
		p.opts.Log.Info("printer job already printed", "key", key)
		return nil
	}
	if f, ok := p.inflight[key]; ok {
		p.kmu.Unlock()
		select {
		case <-f.wait:
			return f.err
		case <-ctx.Done():
			return fmt.Errorf("printer: job %s: %w", key, ctx.Err())
		}
	}
	f := &flight{wait: make(chan struct{})}
	p.inflight[key] = f
	p.kmu.Unlock()

	err := p.run(ctx, key, data)

	p.kmu.Lock()
	delete(p.inflight, key)
	if err == nil {
		p.done[key] = true
		p.order = append(p.order, key)
		if len(p.order) > p.opts.Remember {
			delete(p.done, p.order[0])
			p.order = p.order[1:]
		}
	}
	f.err = err
	close(f.wait)
	p.kmu.Unlock()
	return err
}

func (p *Printer) run(ctx context.Context, key string, data []byte) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	jerr := func(stage Stage, sent int, st escpos.Status, err error) error {
		e := &JobError{Key: key, Stage: stage, Sent: sent, Total: len(data), Status: st, Err: err}
		p.opts.Log.Warn("printer job failed", "key", key, "stage", stage.String(), "sent", sent, "err", err)
		return e
	}
	if p.closed {
		return jerr(StageCheck, 0, escpos.Status{}, ErrClosed)
	}
	start := time.Now()
	st, err := p.poll(ctx)
	if err != nil {
		return jerr(StageCheck, 0, st, err)
	}
	if err := problem(st); err != nil {
		return jerr(StageCheck, 0, st, err)
	}
	sent, err := p.write(ctx, data)
	if err != nil {
		return jerr(StageSend, sent, st, err)
	}
	if d, ok := p.conn.(drainer); ok {
		if err := d.Drain(); err != nil {
			return jerr(StageSend, sent, st, fmt.Errorf("printer: drain: %w", err))
		}
	}
	if p.opts.Settle > 0 {
		select {
		case <-time.After(p.opts.Settle):
		case <-ctx.Done():
			return jerr(StageConfirm, sent, st, ctx.Err())
		}
	}
	if p.opts.Profile.PrintedReply {
		if err := p.awaitPrinted(ctx, len(data)); err != nil {
			if errors.Is(err, ErrNotPrinted) { // say why if the printer can tell
				if st2, perr := p.poll(ctx); perr == nil && problem(st2) != nil {
					st, err = st2, fmt.Errorf("%w (%w)", problem(st2), err)
				}
			}
			return jerr(StageConfirm, sent, st, err)
		}
	}
	st, err = p.poll(ctx)
	if err != nil {
		return jerr(StageConfirm, sent, st, err)
	}
	if err := problem(st); err != nil {
		return jerr(StageConfirm, sent, st, err)
	}
	p.opts.Log.Info("printer job printed", "key", key, "bytes", len(data), "took", time.Since(start), "status", st.String())
	return nil
}

// write sends data, giving up after the write timeout or when ctx ends.
// A write that cannot finish leaves the link unusable: it is closed (which
// unblocks the writing goroutine on serial ports, sockets and USB devices).
func (p *Printer) write(ctx context.Context, data []byte) (int, error) {
	var sent atomic.Int64
	done := make(chan error, 1)
	go func() {
		for n := 0; n < len(data); {
			end := min(n+512, len(data))
			m, err := p.conn.Write(data[n:end])
			n += m
			sent.Store(int64(n))
			if err != nil {
				done <- fmt.Errorf("printer: write: %w", err)
				return
			}
		}
		done <- nil
	}()
	limit := p.opts.WriteTimeout
	if limit <= 0 {
		limit = 10*time.Second + time.Duration(len(data))*time.Millisecond
	}
	t := time.NewTimer(limit)
	defer t.Stop()
	var cause error
	select {
	case err := <-done:
		return int(sent.Load()), err
	case <-t.C:
		cause = fmt.Errorf("%w for %v; link closed", ErrWriteStall, limit)
	case <-ctx.Done():
		cause = fmt.Errorf("printer: write: %w; link closed", ctx.Err())
	}
	p.closed = true
	p.conn.Close()
	select {
	case <-done:
	case <-time.After(time.Second):
	}
	return int(sent.Load()), cause
}

// awaitPrinted sends GS r 1 and waits for its answer, which the printer
// gives only after printing the job. While waiting it polls real-time
// status so that paper out or an open cover ends the wait early. The
// caller holds p.mu.
func (p *Printer) awaitPrinted(ctx context.Context, size int) error {
	for len(p.rx) > 0 {
		<-p.rx
	}
	if _, err := p.conn.Write(escpos.PrintedQuery); err != nil {
		return fmt.Errorf("printer: write: %w", err)
	}
	limit := p.opts.PrintTimeout
	if limit <= 0 {
		limit = 5*time.Second + time.Duration(size)*2*time.Millisecond
	}
	deadline := time.NewTimer(limit)
	defer deadline.Stop()
	tick := time.NewTicker(250 * time.Millisecond)
	defer tick.Stop()
	query := []byte{escpos.DLE, escpos.EOT, 1, escpos.DLE, escpos.EOT, 2, escpos.DLE, escpos.EOT, 4}
	var st []byte // real-time status bytes of the current poll
	for {
		select {
		case b := <-p.rx:
			switch {
			case escpos.IsPrintedReply(b):
				return nil
			case escpos.ValidStatusByte(b):
				st = append(st, b)
				if len(st) == 3 {
					s := escpos.DecodeStatus([4]byte{st[0], st[1], 0x12, st[2]})
					st = st[:0]
					if err := problem(s); err != nil {
						return fmt.Errorf("%w while printing", err)
					}
				}
			}
		case <-tick.C:
			st = st[:0]
			if _, err := p.conn.Write(query); err != nil {
				return fmt.Errorf("printer: write: %w", err)
			}
		case <-deadline.C:
			return fmt.Errorf("%w within %v", ErrNotPrinted, limit)
		case <-ctx.Done():
			return fmt.Errorf("printer: waiting for print: %w", ctx.Err())
		case <-p.readerDone:
			return fmt.Errorf("%w: link lost", ErrNoReply)
		}
	}
}

// Run polls status every interval while the printer is idle, reporting
// health changes through Opts.OnHealth, until ctx ends.
func (p *Printer) Run(ctx context.Context, interval time.Duration) error {
	if interval <= 0 {
		interval = 10 * time.Second
	}
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		if p.mu.TryLock() {
			if p.closed {
				p.mu.Unlock()
				return ErrClosed
			}
			_, err := p.poll(ctx)
			p.mu.Unlock()
			if err != nil && ctx.Err() == nil {
				p.opts.Log.Debug("printer status poll failed", "err", err)
			}
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}
