package evaluator

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"sync"
	"time"
)

// ErrBadAnswer is a well-framed answer whose content makes no sense (e.g.
// a POLL answer that is not one byte 0..5).
var ErrBadAnswer = errors.New("evaluator: bad answer")

// BusOpts configures a Bus. Zero fields take defaults.
type BusOpts struct {
	// Timeout is how long one pad has to answer one request (default
	// 200 ms). A request is never resent at once: the bus moves on to the
	// next pad and tries again on its next round.
	Timeout time.Duration
	// Poll is the pause between two rounds over the prompting pads
	// (default 100 ms).
	Poll time.Duration
	// PromptFor is how long a pad prompts when Rate gets no timeout
	// (default 30 s).
	PromptFor time.Duration
	// Misses is how many failed requests in a row make a pad count as not
	// answering (default 2): it is then logged once and only retried every
	// RetryMin, doubling up to RetryMax (defaults 1 s and 8 s), so that it
	// costs the other pads one Timeout per retry.
	Misses             int
	RetryMin, RetryMax time.Duration
	// BusRetry is the pause after the port itself failed (unplugged
	// adapter), default 500 ms.
	BusRetry time.Duration
	// Prompt and Thanks are the texts shown (default DefaultPrompt and 谢谢).
	Prompt, Thanks string
	Codec          Codec        // default Std
	Log            *slog.Logger // default discard
	// Now is the clock (default time.Now).
	Now func() time.Time
}

// DefaultBusOpts is used for nil opts.
var DefaultBusOpts = BusOpts{
	Timeout: 200 * time.Millisecond, Poll: 100 * time.Millisecond, PromptFor: 30 * time.Second,
	Misses: 2, RetryMin: time.Second, RetryMax: 8 * time.Second, BusRetry: 500 * time.Millisecond,
	Prompt: DefaultPrompt, Thanks: "谢谢", Codec: Std{},
}

// PadStatus is one pad's state on a Bus.
type PadStatus struct {
	Addr byte `json:"addr"`
	// TicketID is the ticket the pad asks about (or will ask about once
	// the prompt reaches it); empty when the pad is dark.
	TicketID string `json:"ticket_id,omitempty"`
	// Shown is true once the pad has acknowledged the prompt.
	Shown bool `json:"shown"`
	// Answering is false while the pad counts as not answering.
	Answering bool   `json:"answering"`
	LastError string `json:"last_error,omitempty"`
}

type job struct {
	ticket   string
	deadline time.Time
}

type busPad struct {
	addr byte
	dev  *Dev
	next *job   // asked for by Rate, not yet shown
	cur  *job   // shown on the pad
	idle string // text of an IDLE still to send
	dark bool   // an IDLE is due
	// Not answering: fails in a row, whether logged as silent, when to
	// try next and the current backoff.
	fails   int
	silent  bool
	retryAt time.Time
	backoff time.Duration
	lastErr string
}

// Bus drives the evaluator pads of many windows over one port: the bus is
// half duplex and the host is the only master, so one goroutine (Run)
// sends one request at a time, round-robin over the pads that have
// something to do. Rate asks a pad to rate a ticket; key presses come out
// of Results, each tied to the ticket the pad was prompted for. A pad that
// does not answer is skipped and retried later without holding up the
// others. Methods are safe for concurrent use.
//
// Give Bus the port of a reconnecting serialport.Conn: while the adapter
// is unplugged the bus waits and keeps its prompts, and goes on once the
// port is back.
type Bus struct {
	port    io.ReadWriter
	opts    BusOpts
	devOpts Opts
	results chan Result
	kick    chan struct{}

	mu      sync.Mutex
	pads    map[byte]*busPad
	busDown bool
	drain   bool // a late answer may still be on the wire
}

// NewBus returns a Bus on port. Start it with Run.
func NewBus(port io.ReadWriter, opts *BusOpts) (*Bus, error) {
	o := DefaultBusOpts
	if opts != nil {
		set := func(dst *time.Duration, v time.Duration) {
			if v > 0 {
				*dst = v
			}
		}
		set(&o.Timeout, opts.Timeout)
		set(&o.Poll, opts.Poll)
		set(&o.PromptFor, opts.PromptFor)
		set(&o.RetryMin, opts.RetryMin)
		set(&o.RetryMax, opts.RetryMax)
		set(&o.BusRetry, opts.BusRetry)
		if opts.Misses > 0 {
			o.Misses = opts.Misses
		}
		if opts.Prompt != "" {
			o.Prompt = opts.Prompt
		}
		if opts.Thanks != "" {
			o.Thanks = opts.Thanks
		}
		if opts.Codec != nil {
			o.Codec = opts.Codec
		}
		o.Log, o.Now = opts.Log, opts.Now
	}
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	o.RetryMax = max(o.RetryMax, o.RetryMin)
	if len(o.Prompt)+1 > MaxData || len(o.Thanks) > MaxData {
		return nil, fmt.Errorf("evaluator: prompt or thanks text longer than %d bytes", MaxData-1)
	}
	b := &Bus{
		port: port, opts: o,
		devOpts: Opts{Timeout: o.Timeout, Retries: -1, Prompt: o.Prompt, Thanks: o.Thanks, Codec: o.Codec, Log: o.Log},
		results: make(chan Result, 64), kick: make(chan struct{}, 1), pads: map[byte]*busPad{},
	}
	if rt, ok := port.(readTimeouter); ok {
		if err := rt.SetReadTimeout(20 * time.Millisecond); err != nil {
			return nil, fmt.Errorf("evaluator: set read timeout: %w", err)
		}
	}
	return b, nil
}

// Results delivers the key presses, each with the ticket its pad was
// prompted for. It is closed when Run returns; read it steadily (Run waits
// while it is full).
func (b *Bus) Results() <-chan Result { return b.results }

func (b *Bus) padLocked(addr byte) (*busPad, error) {
	if addr < 1 || addr > 247 {
		return nil, fmt.Errorf("evaluator: address %d out of 1..247", addr)
	}
	p := b.pads[addr]
	if p == nil {
		o := b.devOpts
		o.Addr = addr
		d, err := New(noTimeouts{b.port}, &o)
		if err != nil {
			return nil, err
		}
		p = &busPad{addr: addr, dev: d}
		b.pads[addr] = p
	}
	return p, nil
}

// noTimeouts hides SetReadTimeout: the bus sets it once.
type noTimeouts struct{ io.ReadWriter }

// Rate asks the pad at addr to rate ticketID for up to timeout
// (PromptFor if ≤ 0). It replaces whatever the pad was asking before: a
// key pressed before the new prompt reaches the pad still counts for the
// earlier ticket, a key pressed after it for the new one, so a rating
// never goes to the wrong ticket. Rate does not wait for the bus.
func (b *Bus) Rate(addr byte, ticketID string, timeout time.Duration) error {
	if timeout <= 0 {
		timeout = b.opts.PromptFor
	}
	b.mu.Lock()
	p, err := b.padLocked(addr)
	if err == nil {
		p.next = &job{ticket: ticketID, deadline: b.opts.Now().Add(timeout)}
	}
	b.mu.Unlock()
	if err == nil {
		b.wake()
	}
	return err
}

// Cancel stops the pad at addr prompting (e.g. the next citizen is at the
// window); a key press not yet collected is dropped.
func (b *Bus) Cancel(addr byte) {
	b.mu.Lock()
	p := b.pads[addr]
	if p != nil && (p.next != nil || p.cur != nil) {
		p.next, p.cur, p.dark, p.idle = nil, nil, true, ""
	}
	b.mu.Unlock()
	b.wake()
}

func (b *Bus) wake() {
	select {
	case b.kick <- struct{}{}:
	default:
	}
}

// Pads returns the state of every pad the bus has talked to, by address.
func (b *Bus) Pads() []PadStatus {
	b.mu.Lock()
	defer b.mu.Unlock()
	out := make([]PadStatus, 0, len(b.pads))
	for _, p := range b.pads {
		s := PadStatus{Addr: p.addr, Answering: !p.silent, LastError: p.lastErr}
		if j := p.next; j != nil {
			s.TicketID = j.ticket
		} else if j := p.cur; j != nil {
			s.TicketID, s.Shown = j.ticket, true
		}
		out = append(out, s)
	}
	slices.SortFunc(out, func(a, b PadStatus) int { return int(a.Addr) - int(b.Addr) })
	return out
}

// Run drives the bus until ctx ends; call it once. It returns nil when ctx
// ends and closes Results.
func (b *Bus) Run(ctx context.Context) error {
	defer close(b.results)
	for {
		pause := b.opts.Poll
		if down := b.round(ctx); down {
			pause = b.opts.BusRetry
		}
		if ctx.Err() != nil {
			return nil
		}
		t := time.NewTimer(pause)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil
		case <-b.kick:
		case <-t.C:
		}
		t.Stop()
	}
}

// action is one request to one pad.
type action int

const (
	actNone action = iota
	actPollBeforePrompt
	actPrompt
	actPoll
	actIdle
)

// round sends at most one request to each pad that has something to do,
// in address order. It reports whether the port failed.
func (b *Bus) round(ctx context.Context) (busDown bool) {
	b.mu.Lock()
	addrs := make([]byte, 0, len(b.pads))
	for a := range b.pads {
		addrs = append(addrs, a)
	}
	b.mu.Unlock()
	slices.Sort(addrs)
	for _, a := range addrs {
		if ctx.Err() != nil {
			return false
		}
		res, down := b.step(ctx, a)
		if res != nil {
			select {
			case b.results <- *res:
			case <-ctx.Done():
				return false
			}
		}
		if down {
			return true
		}
	}
	return false
}

// step plans one request for the pad at addr, sends it without holding
// the lock, and applies the answer if the pad's jobs have not changed
// meanwhile.
func (b *Bus) step(ctx context.Context, addr byte) (*Result, bool) {
	now := b.opts.Now()
	b.mu.Lock()
	p := b.pads[addr]
	if p.next != nil && !now.Before(p.next.deadline) {
		p.next = nil
	}
	if p.cur != nil && !now.Before(p.cur.deadline) {
		b.opts.Log.Debug("evaluator: no rating", "addr", addr)
		p.cur, p.dark, p.idle = nil, true, b.opts.Thanks
	}
	act, cur, next, idle := actNone, p.cur, p.next, p.idle
	switch {
	case next != nil && cur != nil:
		act = actPollBeforePrompt
	case next != nil:
		act = actPrompt
	case cur != nil:
		act = actPoll
	case p.dark:
		act = actIdle
	}
	if act == actNone || (p.silent && now.Before(p.retryAt)) {
		b.mu.Unlock()
		return nil, false
	}
	drain := b.drain
	b.drain = false
	b.mu.Unlock()

	if drain {
		b.drainPort()
	}
	var err error
	var key Rating
	switch act {
	case actPollBeforePrompt, actPoll:
		key, err = p.dev.Poll(ctx)
	case actPrompt:
		secs := int((next.deadline.Sub(now) + time.Second - 1) / time.Second)
		err = p.dev.Prompt(ctx, "", time.Duration(min(max(secs, 1), 255))*time.Second)
	case actIdle:
		err = p.dev.Idle(ctx, idle)
	}

	b.mu.Lock()
	defer b.mu.Unlock()
	if err != nil {
		if ctx.Err() != nil {
			return nil, false
		}
		if !errors.Is(err, ErrTimeout) && !errors.Is(err, ErrChecksum) && !errors.Is(err, ErrBadAnswer) {
			if !b.busDown {
				b.opts.Log.Warn("evaluator: bus unavailable", "err", err)
				b.busDown = true
			}
			return nil, true
		}
		b.drain = true
		p.fails++
		p.lastErr = err.Error()
		if p.fails >= b.opts.Misses {
			if !p.silent {
				b.opts.Log.Warn("evaluator: pad not answering", "addr", addr, "err", err)
				p.silent, p.backoff = true, b.opts.RetryMin
			} else {
				p.backoff = min(2*p.backoff, b.opts.RetryMax)
			}
			p.retryAt = b.opts.Now().Add(p.backoff)
		}
		return nil, false
	}
	if b.busDown {
		b.opts.Log.Info("evaluator: bus back")
		b.busDown = false
	}
	if p.silent {
		b.opts.Log.Info("evaluator: pad answering again", "addr", addr)
	}
	p.fails, p.silent, p.lastErr = 0, false, ""

	var res *Result
	switch act {
	case actPollBeforePrompt, actPoll:
		if p.cur != cur {
			return nil, false // cancelled meanwhile: drop the press
		}
		if key.Valid() {
			res = &Result{TicketID: cur.ticket, Rating: key, Label: key.String(), At: b.opts.Now(), Addr: addr}
			p.cur = nil
			if p.next == nil {
				p.dark, p.idle = true, b.opts.Thanks
			}
		} else if act == actPollBeforePrompt {
			// Nothing pressed for the earlier ticket: the new prompt
			// goes out next and makes the pad forget it.
			p.cur = nil
		}
	case actPrompt:
		switch {
		case p.next == next:
			p.cur, p.next, p.dark = next, nil, false
		case p.next != nil:
			// Rate replaced it meanwhile: the pad shows this prompt
			// all the same, so a key pressed on it counts for this
			// ticket (polled before the new prompt goes out).
			p.cur = next
		}
		// Else Cancel came meanwhile: the next round sets the pad idle.
	case actIdle:
		if p.next == nil && p.cur == nil && p.idle == idle {
			p.dark, p.idle = false, ""
		}
	}
	return res, false
}

// drainPort drops bytes still arriving after a timeout (a pad answering
// late), so that they cannot be taken for the next answer.
func (b *Bus) drainPort() {
	buf := make([]byte, 256)
	for range 16 {
		n, err := b.port.Read(buf)
		if n == 0 || err != nil {
			return
		}
	}
}
