package callout

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"hallkiosk/drivers/display"
	"hallkiosk/drivers/voice"
)

// Kind is what happened to a ticket.
type Kind uint8

// Event kinds.
const (
	Call     Kind = iota + 1 // staff called the ticket to a window
	Recall                   // staff called it again
	Transfer                 // the ticket moved to Window (its new window)
	NoShow                   // the citizen did not come (过号)
	Finish                   // served
)

func (k Kind) String() string {
	switch k {
	case Call:
		return "call"
	case Recall:
		return "recall"
	case Transfer:
		return "transfer"
	case NoShow:
		return "noshow"
	case Finish:
		return "finish"
	}
	return fmt.Sprintf("kind(%d)", uint8(k))
}

// ParseKind parses the names String returns.
func ParseKind(s string) (Kind, error) {
	for k := Call; k <= Finish; k++ {
		if k.String() == s {
			return k, nil
		}
	}
	return 0, fmt.Errorf("callout: unknown event kind %q", s)
}

// Event is one thing that happened to a ticket at a window.
type Event struct {
	Kind       Kind
	Number     string // ticket number, e.g. "A001"
	Window     int    // window number (for Transfer: the new window)
	WindowName string // e.g. "综合受理"; optional
	Service    string // service name; optional
	At         time.Time
}

// Content is what one event changes on the displays and in the air.
type Content struct {
	// Strip is the text for the window's strip; ClearStrip blanks it.
	Strip      string
	ClearStrip bool
	// BoardPush goes on the top row of the hall board; BoardRemove comes off.
	BoardPush   string
	BoardRemove bool
	// Say are the announcements to make, in order.
	Say []voice.Announcement
}

// BoardLine is the hall-board row for a call: 请A001号到3号窗口, the same
// words the voice says.
func BoardLine(number string, window int) string {
	return fmt.Sprintf("请%s号到%d号窗口", number, window)
}

// Render returns the content of e under opts. It is a pure function.
func Render(e Event, o Opts) Content {
	var c Content
	switch e.Kind {
	case Call, Recall, Transfer:
		c.Strip = e.Number
		c.BoardPush = BoardLine(e.Number, e.Window)
		rep := o.Repeat
		if e.Kind == Recall && o.RecallRepeat > 0 {
			rep = o.RecallRepeat
		}
		c.Say = append(c.Say, voice.Announcement{Number: e.Number, Window: e.Window, Lang: voice.Mandarin, Repeat: rep})
		if o.English {
			c.Say = append(c.Say, voice.Announcement{Number: e.Number, Window: e.Window, Lang: voice.English, Repeat: 1})
		}
	case NoShow, Finish:
		c.ClearStrip = true
		c.BoardRemove = true
	}
	return c
}

// Opts configures a Hub.
type Opts struct {
	// Display shows strips and the hall board; nil means no displays.
	Display *display.Manager
	// Voice makes the announcements; nil means none. Hub.Run runs it.
	Voice *voice.Announcer
	// Repeat is how many times a call is said (0 means once);
	// RecallRepeat the same for a recall (0 means Repeat).
	Repeat, RecallRepeat int
	// English adds an English announcement after the Mandarin one.
	English bool
	// QueueLen bounds the events waiting for Run; 0 means 256.
	QueueLen int
	// TickEvery is how often one idle strip may get the clock (one write,
	// and only while no call is waiting, to keep the bus free for calls);
	// 0 means 2 s.
	TickEvery time.Duration
	// Log gets failures; nil means slog.Default.
	Log *slog.Logger
}

// Hub dispatches events to displays and voice.
type Hub struct {
	o       Opts
	log     *slog.Logger
	in      chan Event
	disp    chan dispJob
	dropped atomic.Int64

	mu    sync.Mutex
	lines map[string]string // ticket number -> its board line
	at    map[string]int    // ticket number -> window whose strip shows it
}

type dispJob struct {
	e Event
	c Content
}

// New returns a Hub; call Run.
func New(opts *Opts) *Hub {
	var o Opts
	if opts != nil {
		o = *opts
	}
	if o.QueueLen <= 0 {
		o.QueueLen = 256
	}
	if o.TickEvery <= 0 {
		o.TickEvery = 2 * time.Second
	}
	if o.Log == nil {
		o.Log = slog.Default()
	}
	return &Hub{o: o, log: o.Log, in: make(chan Event, o.QueueLen), disp: make(chan dispJob, o.QueueLen), lines: map[string]string{}, at: map[string]int{}}
}

// Publish hands an event to the hub. It never blocks: when the queue is
// full the event is dropped, logged and counted (Dropped).
func (h *Hub) Publish(e Event) {
	select {
	case h.in <- e:
	default:
		h.dropped.Add(1)
		h.log.Warn("callout: queue full, event dropped", "kind", e.Kind.String(), "window", e.Window)
	}
}

// Dropped returns how many events Publish dropped.
func (h *Hub) Dropped() int64 { return h.dropped.Load() }

// Run dispatches events until ctx ends. It runs the announcer and the
// display writer on their own goroutines and returns when all have stopped.
func (h *Hub) Run(ctx context.Context) error {
	var wg sync.WaitGroup
	if h.o.Voice != nil {
		wg.Go(func() { h.o.Voice.Run(ctx) })
	}
	wg.Go(func() { h.displayLoop(ctx) })
	defer wg.Wait()
	for {
		select {
		case <-ctx.Done():
			return nil
		case e := <-h.in:
			h.dispatch(e)
		}
	}
}

func (h *Hub) dispatch(e Event) {
	c := Render(e, h.o)
	if h.o.Voice != nil {
		for _, a := range c.Say {
			if err := h.o.Voice.Say(a); err != nil {
				h.log.Warn("callout: announcement not queued", "window", e.Window, "err", err)
			}
		}
	}
	if h.o.Display != nil {
		select {
		case h.disp <- dispJob{e, c}:
		default:
			h.dropped.Add(1)
			h.log.Warn("callout: display queue full, update dropped", "window", e.Window)
		}
	}
}

func (h *Hub) displayLoop(ctx context.Context) {
	if h.o.Display == nil {
		return
	}
	t := time.NewTicker(h.o.TickEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if len(h.disp) > 0 {
				continue
			}
			if _, err := h.o.Display.Tick(1); err != nil {
				h.log.Warn("callout: idle clock", "err", err)
			}
		case j := <-h.disp:
			// Take everything waiting, so that on a busy bus every
			// window strip goes out before the hall board rows.
			batch := []dispJob{j}
			for more := true; more && len(batch) < 64; {
				select {
				case j := <-h.disp:
					batch = append(batch, j)
				default:
					more = false
				}
			}
			if err := h.show(batch); err != nil {
				h.log.Warn("callout: display", "events", len(batch), "err", err)
			}
		}
	}
}

// show writes the content of a batch of events: the window strips first
// (the citizen looks there), then the hall board, each row once.
func (h *Hub) show(batch []dispJob) error {
	m := h.o.Display
	var errs []error
	var remove, push []string
	for _, j := range batch {
		e, c := j.e, j.c
		h.mu.Lock()
		prev, shown := h.at[e.Number]
		if c.Strip != "" {
			h.at[e.Number] = e.Window
		} else {
			delete(h.at, e.Number)
		}
		old, had := h.lines[e.Number]
		if c.BoardPush != "" {
			h.lines[e.Number] = c.BoardPush
		} else if c.BoardRemove {
			delete(h.lines, e.Number)
		}
		h.mu.Unlock()
		switch {
		case c.Strip != "":
			errs = append(errs, ignoreNoWindow(m.ShowWindow(e.Window, c.Strip)))
		case c.ClearStrip:
			errs = append(errs, ignoreNoWindow(m.ClearWindow(e.Window)))
		}
		if shown && prev != e.Window && e.Kind == Transfer {
			// The ticket left its old window: blank that strip.
			errs = append(errs, ignoreNoWindow(m.ClearWindow(prev)))
		}
		if had && old != c.BoardPush && (c.BoardRemove || c.BoardPush != "") {
			remove = append(remove, old)
			push = slices.DeleteFunc(push, func(l string) bool { return l == old })
		}
		if c.BoardPush != "" {
			push = append(push, c.BoardPush)
		}
	}
	if len(remove) > 0 || len(push) > 0 {
		errs = append(errs, m.UpdateBoard(remove, push))
	}
	return errors.Join(errs...)
}

func ignoreNoWindow(err error) error {
	if errors.Is(err, display.ErrNoWindow) {
		return nil
	}
	return err
}
