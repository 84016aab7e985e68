package callout

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"strings"
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
	// Leave: the ticket left Window without being served to the end there:
	// set aside, sent back to the queue for another service or window
	// (the queue engine's transfer), or moved on to its next service. Its
	// strip is blanked and its board row removed; the window that calls it
	// next publishes a Call.
	Leave
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
	case Leave:
		return "leave"
	}
	return fmt.Sprintf("kind(%d)", uint8(k))
}

// ParseKind parses the names String returns.
func ParseKind(s string) (Kind, error) {
	for k := Call; k <= Leave; k++ {
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

// BoardLineNamed is the hall-board row for a call to a named window:
// 请A001号到19号窗口 税务登记与申报 for a name that starts with the window's
// number (as the catalogue's do), 请A001号到3号窗口 综合受理 for one that
// does not, BoardLine for no name.
func BoardLineNamed(number string, window int, name string) string {
	name = strings.TrimSpace(name)
	switch {
	case name == "":
		return BoardLine(number, window)
	case strings.HasPrefix(name, fmt.Sprintf("%d号窗口", window)):
		return "请" + number + "号到" + name
	}
	return BoardLine(number, window) + " " + name
}

// Render returns the content of e under opts. It is a pure function.
func Render(e Event, o Opts) Content {
	var c Content
	switch e.Kind {
	case Call, Recall, Transfer:
		c.Strip = e.Number
		c.BoardPush = BoardLine(e.Number, e.Window)
		if o.BoardNames {
			c.BoardPush = BoardLineNamed(e.Number, e.Window, e.WindowName)
		}
		rep := o.Repeat
		if e.Kind == Recall && o.RecallRepeat > 0 {
			rep = o.RecallRepeat
		}
		langs := o.Languages
		if len(langs) == 0 {
			langs = []voice.Lang{voice.Mandarin}
			if o.English {
				langs = append(langs, voice.English)
			}
		}
		for i, l := range langs {
			r := rep
			if i > 0 {
				r = 1 // the first language carries the repeats
			}
			// Languages after the first may be skipped when the
			// announcer is behind; the first is always said.
			c.Say = append(c.Say, voice.Announcement{Number: e.Number, Window: e.Window, Lang: l, Repeat: r, Optional: i > 0})
		}
	case NoShow, Finish, Leave:
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
	// Zones are voice zones: the calls of a zone's windows are announced
	// on the zone's own announcer (its own sound output), so that several
	// areas of a large hall announce at once. Windows in no zone use
	// Voice. Hub.Run runs them.
	Zones []Zone
	// Repeat is how many times a call is said (0 means once);
	// RecallRepeat the same for a recall (0 means Repeat).
	Repeat, RecallRepeat int
	// English adds an English announcement after the Mandarin one.
	English bool
	// BoardNames puts the window's name (Event.WindowName, the
	// catalogue's, read again after an edit) on the board row
	// (BoardLineNamed) instead of its number only.
	BoardNames bool
	// Languages, when not empty, are the languages to announce in, in
	// order (the first is said Repeat times, the others once); it
	// overrides English.
	Languages []voice.Lang
	// Settle is how long an update that only blanks strips or removes
	// board rows (a finish, a no-show) waits for more events before it is
	// written, so that the call that usually follows in the same instant
	// ("call next" finishes the current ticket) replaces it instead of
	// costing a bus gap; 0 means 100 ms (the two events come from one
	// commit, but a loaded machine may part them by tens of ms), negative
	// no wait. Calls never wait.
	Settle time.Duration
	// QueueLen bounds the events waiting for Run; 0 means 256.
	QueueLen int
	// TickEvery is how often one idle strip may get the clock (one write,
	// and only while no call is waiting, to keep the bus free for calls);
	// 0 means 2 s.
	TickEvery time.Duration
	// RetryEvery is how often writes that failed (a bus still connecting
	// after a start, or unplugged) are tried again: strips that missed
	// their text and board lines still queued; 0 means 500 ms.
	RetryEvery time.Duration
	// Log gets failures; nil means slog.Default.
	Log *slog.Logger
}

// Zone is one voice zone: an area of the hall with its own sound output.
type Zone struct {
	Name    string // the catalogue's zone id, e.g. "tax"
	Voice   *voice.Announcer
	Windows []int
}

// Hub dispatches events to displays and voice.
type Hub struct {
	o       Opts
	log     *slog.Logger
	in      chan Event
	strips  chan dispJob // to stripLoop
	board   chan dispJob // to boardLoop
	dropped atomic.Int64
	// voiceRefused counts announcements an announcer refused (queue full).
	voiceRefused atomic.Int64
	stripBusy    atomic.Int64 // updates stripLoop is writing

	mu    sync.Mutex
	lines map[string]string // ticket number -> its board line
	at    map[string]int    // ticket number -> window whose strip shows it

	voiceOf map[int]*voice.Announcer // window -> its zone's announcer

	failing [2]atomic.Bool // the last strip / board write failed (logged once)
	// retry holds, per window, the strip text whose write failed ("" a
	// blank): written again every RetryEvery until it succeeds, so a call
	// made while a bus was (re)connecting still reaches its strip.
	retryMu sync.Mutex
	retry   map[int]string
	shared  bool // board and strips on one bus: one writer, strips first
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
	if o.RetryEvery <= 0 {
		o.RetryEvery = 500 * time.Millisecond
	}
	switch {
	case o.Settle == 0:
		o.Settle = 100 * time.Millisecond
	case o.Settle < 0:
		o.Settle = 0
	}
	if o.Log == nil {
		o.Log = slog.Default()
	}
	h := &Hub{o: o, log: o.Log, in: make(chan Event, o.QueueLen),
		strips: make(chan dispJob, o.QueueLen), board: make(chan dispJob, o.QueueLen),
		lines: map[string]string{}, at: map[string]int{}, shared: o.Display != nil && o.Display.SharedBus(),
		voiceOf: map[int]*voice.Announcer{}, retry: map[int]string{}}
	for _, z := range o.Zones {
		for _, w := range z.Windows {
			h.voiceOf[w] = z.Voice // nil: a silent zone
		}
	}
	return h
}

// voiceFor returns the announcer of window's zone, or Opts.Voice.
func (h *Hub) voiceFor(window int) *voice.Announcer {
	if a, ok := h.voiceOf[window]; ok {
		return a
	}
	return h.o.Voice
}

// Status is the hub's backlog: what the board has still to show and what
// each voice has still to say.
type Status struct {
	// BoardBacklog counts calls and recalls queued for the hall board but
	// not yet shown on its top row; BoardOldestMS is how long the oldest
	// of them has waited (0 when none).
	BoardBacklog  int   `json:"board_backlog"`
	BoardOldestMS int64 `json:"board_oldest_unshown_ms"`
	// StripBacklog counts call-out updates queued for the window strips
	// or being written.
	StripBacklog int `json:"strip_backlog"`
	// BoardShown counts the lines shown on the board's top row since the
	// start; BoardGivenUp those given up (a board dead for hours).
	BoardShown   int64 `json:"board_shown"`
	BoardGivenUp int64 `json:"board_given_up"`
	// Voices are the announcers: "" for the hall's main output, then the
	// zones.
	Voices []VoiceStatus `json:"voices,omitempty"`
	// VoiceRefused counts announcements refused because a voice queue
	// held voice.Opts.QueueLen (never in normal operation).
	VoiceRefused int64 `json:"voice_refused"`
}

// VoiceStatus is one announcer's backlog.
type VoiceStatus struct {
	Zone string `json:"zone"`
	voice.Backlog
	OldestMS int64 `json:"oldest_ms"` // age of the oldest waiting or playing announcement
}

// Status reports the hub's backlog now.
func (h *Hub) Status() Status {
	var st Status
	now := time.Now()
	if m := h.o.Display; m != nil {
		n, oldest, given := m.BoardBacklog()
		st.BoardBacklog, st.BoardShown, st.BoardGivenUp = n, m.BoardShown(), given
		if !oldest.IsZero() {
			st.BoardOldestMS = max(now.Sub(oldest).Milliseconds(), 0)
		}
	}
	add := func(zone string, a *voice.Announcer) {
		b := a.Backlog()
		vs := VoiceStatus{Zone: zone, Backlog: b}
		if !b.Oldest.IsZero() {
			vs.OldestMS = max(now.Sub(b.Oldest).Milliseconds(), 0)
		}
		st.Voices = append(st.Voices, vs)
	}
	if h.o.Voice != nil {
		add("", h.o.Voice)
	}
	for _, z := range h.o.Zones {
		if z.Voice != nil {
			add(z.Name, z.Voice)
		}
	}
	st.VoiceRefused = h.voiceRefused.Load()
	st.StripBacklog = len(h.strips) + int(h.stripBusy.Load())
	return st
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

// Run dispatches events until ctx ends. It runs the announcer, the window
// strips' writer and the hall board's writer on their own goroutines (so
// that on separate buses a strip never waits for the board's rows, nor the
// other way round) and returns when all have stopped.
func (h *Hub) Run(ctx context.Context) error {
	var wg sync.WaitGroup
	if h.o.Voice != nil {
		wg.Go(func() { h.o.Voice.Run(ctx) })
	}
	for _, z := range h.o.Zones {
		if z.Voice != nil && z.Voice != h.o.Voice {
			wg.Go(func() { z.Voice.Run(ctx) })
		}
	}
	if h.o.Display != nil {
		wg.Go(func() { h.stripLoop(ctx) })
		if !h.shared {
			wg.Go(func() { h.boardLoop(ctx) })
		}
	}
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
	if v := h.voiceFor(e.Window); v != nil {
		for _, a := range c.Say {
			if err := v.Say(a); err != nil {
				h.voiceRefused.Add(1)
				h.log.Warn("callout: announcement not queued", "window", e.Window, "err", err)
			}
		}
	}
	if h.o.Display != nil {
		chans := []chan dispJob{h.strips, h.board}
		if h.shared {
			chans = chans[:1] // stripLoop writes the board too
		}
		for _, ch := range chans {
			select {
			case ch <- dispJob{e, c}:
			default:
				h.dropped.Add(1)
				h.log.Warn("callout: display queue full, update dropped", "window", e.Window)
			}
		}
	}
}

const (
	stripBus = iota
	boardBus
)

var busName = [2]string{"window strips", "hall board"}

// retryFailed writes again the strips whose last write failed and, when
// the board's bus is owned by this loop (boardToo), the board's queued
// lines.
func (h *Hub) retryFailed(boardToo bool) {
	h.retryMu.Lock()
	ws := maps.Clone(h.retry)
	h.retryMu.Unlock()
	if len(ws) > 0 {
		var errs []error
		for _, w := range slices.Sorted(maps.Keys(ws)) {
			errs = append(errs, h.writeStrip(w, ws[w]))
		}
		h.displayResult(stripBus, errors.Join(errs...))
	}
	if boardToo {
		if n, _, _ := h.o.Display.BoardBacklog(); n > 0 || h.failing[boardBus].Load() {
			h.displayResult(boardBus, h.o.Display.FlushBoard(0, nil))
		}
	}
}

// writeStrip writes one strip, remembering a failure for retryFailed.
func (h *Hub) writeStrip(w int, text string) error {
	m := h.o.Display
	var err error
	if text != "" {
		err = ignoreNoWindow(m.ShowWindow(w, text))
	} else {
		err = ignoreNoWindow(m.ClearWindow(w))
	}
	h.retryMu.Lock()
	if err != nil {
		h.retry[w] = text
	} else {
		delete(h.retry, w) // the strip shows its newest text
	}
	h.retryMu.Unlock()
	return err
}

func (h *Hub) stripLoop(ctx context.Context) {
	t := time.NewTicker(h.o.TickEvery)
	defer t.Stop()
	r := time.NewTicker(h.o.RetryEvery)
	defer r.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-r.C:
			if len(h.strips) == 0 {
				h.retryFailed(h.shared)
			}
		case <-t.C:
			if len(h.strips) > 0 {
				continue
			}
			n, err := h.o.Display.Tick(1)
			if n > 0 {
				h.displayResult(stripBus, err)
			}
		case j := <-h.strips:
			// Take everything waiting: each strip is written once.
			h.stripBusy.Store(1)
			batch := h.collect(ctx, h.strips, []dispJob{j})
			h.stripBusy.Store(int64(len(batch)))
			if !h.shared {
				h.displayResult(stripBus, h.showStrips(batch))
				h.stripBusy.Store(0)
				continue
			}
			// One bus, one command per gap: the board's top row first,
			// once for every call in the batch (the hall hears the call
			// and looks up at the board), then the strips, then the
			// board's lower rows unless more calls are waiting (the next
			// batch finishes them).
			h.displayResult(boardBus, h.showBoard(batch, func() bool { return true }))
			h.displayResult(stripBus, h.showStrips(batch))
			h.displayResult(boardBus, ignoreNoWindow(h.o.Display.UpdateBoardUntil(nil, nil, func() bool { return len(h.strips) > 0 })))
			h.stripBusy.Store(0)
		}
	}
}

func (h *Hub) boardLoop(ctx context.Context) {
	r := time.NewTicker(h.o.RetryEvery)
	defer r.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-r.C:
			if len(h.board) == 0 {
				if n, _, _ := h.o.Display.BoardBacklog(); n > 0 || h.failing[boardBus].Load() {
					h.displayResult(boardBus, h.o.Display.FlushBoard(0, func() bool { return len(h.board) > 0 }))
				}
			}
		case j := <-h.board:
			// Take everything waiting: each row is written once.
			batch := h.collect(ctx, h.board, []dispJob{j})
			h.displayResult(boardBus, h.showBoard(batch, func() bool { return len(h.board) > 0 }))
		}
	}
}

// collect adds the jobs waiting in ch to batch. A batch that only blanks
// strips or removes board rows first waits up to Settle for more.
func (h *Hub) collect(ctx context.Context, ch chan dispJob, batch []dispJob) []dispJob {
	var settle <-chan time.Time
	for len(batch) < 64 {
		select {
		case j := <-ch:
			batch = append(batch, j)
			continue
		default:
		}
		if settle == nil && h.o.Settle > 0 && !hasShow(batch) {
			t := time.NewTimer(h.o.Settle)
			defer t.Stop()
			settle = t.C
		}
		if settle == nil {
			return batch
		}
		select {
		case j := <-ch:
			batch = append(batch, j)
			if hasShow(batch) {
				settle = nil // a call is waiting: write now
			}
		case <-settle:
			return batch
		case <-ctx.Done():
			return batch
		}
	}
	return batch
}

func hasShow(batch []dispJob) bool {
	for _, j := range batch {
		if j.c.Strip != "" || j.c.BoardPush != "" {
			return true
		}
	}
	return false
}

// displayResult logs the first failure of a run of failures on a bus and
// the recovery, not every failed write: a dead or unplugged bus must not
// flood the log (the serial connection reconnects by itself).
func (h *Hub) displayResult(bus int, err error) {
	if err != nil {
		if !h.failing[bus].Swap(true) {
			h.log.Warn("callout: display not reachable; calls go on, retrying with each update", "display", busName[bus], "err", err)
		}
		return
	}
	if h.failing[bus].Swap(false) {
		h.log.Info("callout: display reachable again", "display", busName[bus])
	}
}

// DisplayFailing reports whether the last write to the strips or to the
// board failed.
func (h *Hub) DisplayFailing() bool { return h.failing[stripBus].Load() || h.failing[boardBus].Load() }

// showStrips writes the window strips of a batch of events. Each strip is
// a queue too: every number called to a window is written to its strip, in
// order; a blank that a number follows is skipped (a finish followed by
// the next call shows the new number without blanking first), and so is a
// number equal to the one just before it. Writes go round by round across
// windows (every window's first change, then every second change, ...),
// numbers before blanks within a round.
func (h *Hub) showStrips(batch []dispJob) error {
	var order []int             // windows whose strip changes, first change first
	strip := map[int][]string{} // window -> its texts to write in order; "" blanks it
	setStrip := func(w int, text string) {
		seq, ok := strip[w]
		if !ok {
			order = append(order, w)
		}
		switch n := len(seq); {
		case n > 0 && seq[n-1] == text:
		case n > 0 && seq[n-1] == "":
			seq[n-1] = text // a blank followed by anything: skip the blank
		default:
			seq = append(seq, text)
		}
		strip[w] = seq
	}
	for _, j := range batch {
		e, c := j.e, j.c
		h.mu.Lock()
		prev, shown := h.at[e.Number]
		if c.Strip != "" {
			h.at[e.Number] = e.Window
		} else {
			delete(h.at, e.Number)
		}
		h.mu.Unlock()
		if shown && prev != e.Window && e.Kind == Transfer {
			// The ticket left its old window: blank that strip.
			setStrip(prev, "")
		}
		switch {
		case c.Strip != "":
			setStrip(e.Window, c.Strip)
		case c.ClearStrip:
			setStrip(e.Window, "")
		}
	}
	var errs []error
	for round := 0; ; round++ {
		var ws []int
		for _, w := range order {
			if round < len(strip[w]) {
				ws = append(ws, w)
			}
		}
		if len(ws) == 0 {
			break
		}
		slices.SortStableFunc(ws, func(a, b int) int {
			return boolInt(strip[a][round] == "") - boolInt(strip[b][round] == "")
		})
		for _, w := range ws {
			errs = append(errs, h.writeStrip(w, strip[w][round]))
		}
	}
	return errors.Join(errs...)
}

// showBoard queues the hall board's changes for a batch of events, one per
// event in order (so every call's line reaches the top row, however many
// came at once), and writes them: the queued lines on the top row, then the
// lower rows until stop (nil: all).
func (h *Hub) showBoard(batch []dispJob, stop func() bool) error {
	m := h.o.Display
	for _, j := range batch {
		e, c := j.e, j.c
		h.mu.Lock()
		old, had := h.lines[e.Number]
		if c.BoardPush != "" {
			h.lines[e.Number] = c.BoardPush
		} else if c.BoardRemove {
			delete(h.lines, e.Number)
		}
		h.mu.Unlock()
		var remove, push []string
		if had && old != c.BoardPush && (c.BoardRemove || c.BoardPush != "") {
			remove = []string{old}
		}
		if c.BoardPush != "" {
			push = []string{c.BoardPush}
		}
		if remove != nil || push != nil {
			m.QueueBoard(remove, push)
		}
	}
	return m.FlushBoard(0, stop)
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

func ignoreNoWindow(err error) error {
	if errors.Is(err, display.ErrNoWindow) {
		return nil
	}
	return err
}
