package evaluator

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"time"
)

// Rating is a key of the pad.
type Rating int

// Ratings, by key number.
const (
	NoRating         Rating = 0
	VerySatisfied    Rating = 1 // 非常满意
	Satisfied        Rating = 2 // 满意
	FairlySatisfied  Rating = 3 // 基本满意
	Dissatisfied     Rating = 4 // 不满意
	VeryDissatisfied Rating = 5 // 非常不满意
)

var labels = [...]string{"", "非常满意", "满意", "基本满意", "不满意", "非常不满意"}
var names = [...]string{"none", "very_satisfied", "satisfied", "fairly_satisfied", "dissatisfied", "very_dissatisfied"}

// String returns the label on the key, e.g. 非常满意.
func (r Rating) String() string {
	if r.Valid() {
		return labels[r]
	}
	return fmt.Sprintf("rating(%d)", int(r))
}

// Name returns an ASCII name, e.g. very_satisfied.
func (r Rating) Name() string {
	if r >= 0 && int(r) < len(names) {
		return names[r]
	}
	return fmt.Sprintf("rating_%d", int(r))
}

// Valid reports whether r is one of the five keys.
func (r Rating) Valid() bool { return r >= VerySatisfied && r <= VeryDissatisfied }

// Result is a rating tied to the ticket that was being served.
type Result struct {
	TicketID string    `json:"ticket_id"`
	Rating   Rating    `json:"rating"`
	Label    string    `json:"label"`
	At       time.Time `json:"at"`
	Addr     byte      `json:"addr"`
}

// Errors.
var (
	ErrTimeout  = errors.New("evaluator: no answer from pad")
	ErrNoRating = errors.New("evaluator: no key pressed")
)

// DefaultPrompt is the text a prompt shows.
const DefaultPrompt = "请评价"

// Opts configures a Dev. Zero fields take defaults.
type Opts struct {
	Addr    byte          // bus address, default 1
	Timeout time.Duration // per answer, default 200 ms
	Poll    time.Duration // between polls, default 100 ms
	Retries int           // resends after a lost or bad answer, default 2; negative none
	Prompt  string        // default DefaultPrompt
	Thanks  string        // shown after a rating, default 谢谢
	Codec   Codec         // the pads' frame, default Std
	Log     *slog.Logger  // default discard
}

// DefaultOpts is used for nil opts.
var DefaultOpts = Opts{Codec: Std{}, Addr: 1, Timeout: 200 * time.Millisecond, Poll: 100 * time.Millisecond, Retries: 2, Prompt: DefaultPrompt, Thanks: "谢谢"}

type readTimeouter interface {
	SetReadTimeout(time.Duration) error
}

// Dev is one pad on a bus. Pads sharing a bus must not be used
// concurrently (the bus is half duplex); give each window's pad its own
// port or serialise the calls.
type Dev struct {
	port io.ReadWriter
	opts Opts
	buf  []byte
	tmp  []byte
}

// New returns the pad at opts.Addr on port.
func New(port io.ReadWriter, opts *Opts) (*Dev, error) {
	o := DefaultOpts
	if opts != nil {
		if opts.Addr != 0 {
			o.Addr = opts.Addr
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
		if opts.Prompt != "" {
			o.Prompt = opts.Prompt
		}
		if opts.Thanks != "" {
			o.Thanks = opts.Thanks
		}
		if opts.Codec != nil {
			o.Codec = opts.Codec
		}
		o.Log = opts.Log
	}
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	if o.Addr > 247 {
		return nil, fmt.Errorf("evaluator: address %d out of 1..247", o.Addr)
	}
	if rt, ok := port.(readTimeouter); ok {
		if err := rt.SetReadTimeout(20 * time.Millisecond); err != nil {
			return nil, fmt.Errorf("evaluator: set read timeout: %w", err)
		}
	}
	return &Dev{port: port, opts: o, tmp: make([]byte, 256)}, nil
}

// Do sends a command and returns the answer's data.
func (d *Dev) Do(ctx context.Context, cmd byte, data []byte) ([]byte, error) {
	req, err := d.opts.Codec.Encode(d.opts.Addr, cmd, data)
	if err != nil {
		return nil, err
	}
	for attempt := 0; ; attempt++ {
		if err := ctx.Err(); err != nil {
			return nil, fmt.Errorf("evaluator: %w", err)
		}
		d.buf = d.buf[:0]
		if _, err := d.port.Write(req); err != nil {
			return nil, fmt.Errorf("evaluator: write: %w", err)
		}
		f, err := d.answer(ctx, cmd)
		if err == nil {
			return f.Data, nil
		}
		if !errors.Is(err, ErrTimeout) && !errors.Is(err, ErrChecksum) || attempt >= d.opts.Retries {
			return nil, err
		}
		d.opts.Log.Debug("evaluator: resending", "cmd", cmd, "err", err)
	}
}

func (d *Dev) answer(ctx context.Context, cmd byte) (Frame, error) {
	deadline := time.Now().Add(d.opts.Timeout)
	for {
		f, n, err := d.opts.Codec.Split(d.buf)
		d.buf = d.buf[:copy(d.buf, d.buf[n:])]
		switch {
		case err == nil:
			if f.Addr == d.opts.Addr && f.Cmd == cmd|Answer {
				f.Data = append([]byte(nil), f.Data...)
				return f, nil
			}
			continue // another pad's traffic or our own echo on a 2-wire bus
		case errors.Is(err, ErrChecksum):
			return Frame{}, err
		case errors.Is(err, ErrLength):
			continue
		}
		if err := ctx.Err(); err != nil {
			return Frame{}, fmt.Errorf("evaluator: %w", err)
		}
		if time.Now().After(deadline) {
			return Frame{}, ErrTimeout
		}
		m, err := d.port.Read(d.tmp)
		d.buf = append(d.buf, d.tmp[:m]...)
		if err != nil {
			return Frame{}, fmt.Errorf("evaluator: read: %w", err)
		}
	}
}

// Prompt shows text (DefaultPrompt if empty) and lights the keys for up to
// d (0: until Idle).
func (d *Dev) Prompt(ctx context.Context, text string, dur time.Duration) error {
	if text == "" {
		text = d.opts.Prompt
	}
	secs := min(int(dur/time.Second), 255)
	_, err := d.Do(ctx, CmdPrompt, append([]byte{byte(secs)}, text...))
	return err
}

// Poll returns the key pressed since the prompt, or NoRating.
func (d *Dev) Poll(ctx context.Context) (Rating, error) {
	data, err := d.Do(ctx, CmdPoll, nil)
	if err != nil {
		return NoRating, err
	}
	if len(data) != 1 || data[0] > 5 {
		return NoRating, fmt.Errorf("%w to poll: % X", ErrBadAnswer, data)
	}
	return Rating(data[0]), nil
}

// Idle stops prompting and shows text (nothing if empty).
func (d *Dev) Idle(ctx context.Context, text string) error {
	_, err := d.Do(ctx, CmdIdle, []byte(text))
	return err
}

// Info returns the pad's model and firmware text.
func (d *Dev) Info(ctx context.Context) (string, error) {
	b, err := d.Do(ctx, CmdInfo, nil)
	return string(b), err
}

// Evaluate asks for a rating of ticketID: it prompts, polls every
// opts.Poll until a key is pressed or ctx ends, then thanks and idles the
// pad. When ctx ends first the pad is set idle and the error wraps
// ErrNoRating. Lost answers while polling are retried; a pad that stays
// silent fails with ErrTimeout.
func (d *Dev) Evaluate(ctx context.Context, ticketID string) (Result, error) {
	if err := d.Prompt(ctx, "", 0); err != nil {
		return Result{}, err
	}
	t := time.NewTicker(d.opts.Poll)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			ictx, cancel := context.WithTimeout(context.Background(), 3*d.opts.Timeout)
			d.Idle(ictx, "")
			cancel()
			return Result{}, fmt.Errorf("%w for ticket %s: %w", ErrNoRating, ticketID, ctx.Err())
		case <-t.C:
		}
		r, err := d.Poll(ctx)
		if err != nil {
			if ctx.Err() != nil {
				continue
			}
			return Result{}, err
		}
		if r.Valid() {
			res := Result{TicketID: ticketID, Rating: r, Label: r.String(), At: time.Now(), Addr: d.opts.Addr}
			if err := d.Idle(ctx, d.opts.Thanks); err != nil {
				d.opts.Log.Warn("evaluator: idle after rating", "err", err)
			}
			return res, nil
		}
	}
}
