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
	// Seq, when not 0, identifies the event for Hub.Pending (the queue
	// engine's event sequence): the hub tracks it until its strip, its
	// board line and its announcements are all done.
	Seq int64
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
	// after a start, or unplugged) are tried again at first: the strip
	// writes kept in order after a failed one and the board lines still
	// queued; 0 means 500 ms. Each further failure of a bus doubles its
	// wait, up to RetryMax (0 means 5 s); a success resets it, and a new
	// update tries at once.
	RetryEvery, RetryMax time.Duration
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
	// stripQ holds, per window, the strip writes not yet made because a
	// write to that strip failed (the first is the failed one): written
	// in order, again after a backoff or with the next update, until they
	// succeed, so a strip unplugged or a bus (re)connecting still shows
	// every number called to it. Only the strips' writer changes it.
	retryMu sync.Mutex
	stripQ  map[int][]stripWrite
	backoff [2]backoff // per bus: when failed writes are tried again
	shared  bool       // board and strips on one bus: one writer, strips first

	trk tracker
}

type dispJob struct {
	e Event
	c Content
}

// stripWrite is one write to a window strip and the events it shows.
type stripWrite struct {
	text string    // "" blanks the strip
	seqs []int64   // Event.Seq of the events it shows (0s left out)
	at   time.Time // when its first event was queued
}

// backoff spaces the retries of a failing bus: RetryEvery, doubled at each
// further failure up to RetryMax.
type backoff struct {
	wait time.Duration
	next time.Time
}

func (b *backoff) failed(o *Opts, now time.Time) {
	b.wait = min(max(b.wait*2, o.RetryEvery), o.RetryMax)
	b.next = now.Add(b.wait)
}

func (b *backoff) ok()                    { *b = backoff{} }
func (b *backoff) due(now time.Time) bool { return !now.Before(b.next) }

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
	if o.RetryMax <= 0 {
		o.RetryMax = 5 * time.Second
	}
	o.RetryMax = max(o.RetryMax, o.RetryEvery)
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
		voiceOf: map[int]*voice.Announcer{}, stripQ: map[int][]stripWrite{},
		trk: tracker{need: map[int64]int{}}}
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
	// or being written, and strip writes waiting for a retry after a
	// failed write (StripRetry of them, on StripFailing strips);
	// StripOldestMS is how long the oldest waiting retry has waited.
	StripBacklog  int   `json:"strip_backlog"`
	StripRetry    int   `json:"strip_retry_backlog"`
	StripFailing  int   `json:"strip_failing"`
	StripOldestMS int64 `json:"strip_oldest_unwritten_ms"`
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
	h.retryMu.Lock()
	var oldest time.Time
	for _, q := range h.stripQ {
		st.StripRetry += len(q)
		st.StripFailing++
		if oldest.IsZero() || q[0].at.Before(oldest) {
			oldest = q[0].at
		}
	}
	h.retryMu.Unlock()
	if !oldest.IsZero() {
		st.StripOldestMS = max(now.Sub(oldest).Milliseconds(), 0)
	}
	st.StripBacklog = len(h.strips) + int(h.stripBusy.Load()) + st.StripRetry
	return st
}

// Publish hands an event to the hub. It never blocks: when the queue is
// full the event is dropped, logged and counted (Dropped).
func (h *Hub) Publish(e Event) {
	h.trk.add(e.Seq)
	select {
	case h.in <- e:
	default:
		h.dropped.Add(1)
		h.trk.finish(e.Seq, 1)
		h.log.Warn("callout: queue full, event dropped", "kind", e.Kind.String(), "window", e.Window)
	}
}

// PublishWait hands an event to the hub like Publish, but waits while the
// queue is full (until ctx ends): for replaying a backlog.
func (h *Hub) PublishWait(ctx context.Context, e Event) error {
	h.trk.add(e.Seq)
	select {
	case h.in <- e:
		return nil
	case <-ctx.Done():
		h.trk.finish(e.Seq, 1)
		return ctx.Err()
	}
}

// Pending reports the events published with a Seq that are not yet done
// (their strip written, their board line shown on the top row, their
// announcements said; a part dropped or given up counts as done): how
// many, and the lowest Seq among them (0 when none). Everything published
// below that Seq is done.
func (h *Hub) Pending() (n int, oldest int64) {
	var voiceDone map[*voice.Announcer]int64
	var boardDone int64
	t := &h.trk
	t.mu.Lock()
	defer t.mu.Unlock()
	if len(t.boardW) > 0 {
		_, boardDone = h.o.Display.BoardProgress()
	}
	t.boardW = slices.DeleteFunc(t.boardW, func(w mark) bool {
		if w.mark <= boardDone {
			t.finishLocked(w.seq, 1)
			return true
		}
		return false
	})
	t.voiceW = slices.DeleteFunc(t.voiceW, func(w mark) bool {
		if voiceDone == nil {
			voiceDone = map[*voice.Announcer]int64{}
		}
		d, ok := voiceDone[w.voice]
		if !ok {
			_, d = w.voice.Progress()
			voiceDone[w.voice] = d
		}
		if w.mark <= d {
			t.finishLocked(w.seq, 1)
			return true
		}
		return false
	})
	for len(t.order) > 0 {
		if _, ok := t.need[t.order[0]]; ok {
			break
		}
		t.order = t.order[1:]
	}
	if len(t.order) > 0 {
		oldest = t.order[0]
	}
	return len(t.need), oldest
}

// tracker counts, per tracked event (Event.Seq), the outputs not yet done.
type tracker struct {
	mu     sync.Mutex
	need   map[int64]int
	order  []int64 // tracked Seqs as published (a finished one stays until it is the oldest)
	boardW []mark  // board lines queued: done once the board's progress reaches mark
	voiceW []mark  // announcements queued: done once their announcer's progress reaches mark
}

type mark struct {
	seq   int64
	mark  int64
	voice *voice.Announcer
}

// add tracks seq with one part outstanding: its dispatch.
func (t *tracker) add(seq int64) {
	if seq == 0 {
		return
	}
	t.mu.Lock()
	t.need[seq]++
	t.order = append(t.order, seq)
	t.mu.Unlock()
}

// finish marks n parts of seq done.
func (t *tracker) finish(seq int64, n int) {
	if seq == 0 || n == 0 {
		return
	}
	t.mu.Lock()
	t.finishLocked(seq, n)
	t.mu.Unlock()
}

func (t *tracker) finishLocked(seq int64, n int) {
	if c, ok := t.need[seq]; ok {
		if c -= n; c > 0 {
			t.need[seq] = c
		} else {
			delete(t.need, seq)
		}
	}
}

func (t *tracker) wait(list *[]mark, m mark) {
	if m.seq == 0 {
		return
	}
	t.mu.Lock()
	*list = append(*list, m)
	t.mu.Unlock()
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
	v := h.voiceFor(e.Window)
	// The parts to wait for (the dispatch itself was counted by add).
	say := v != nil && len(c.Say) > 0
	strip := h.o.Display != nil && (c.Strip != "" || c.ClearStrip)
	board := h.o.Display != nil && c.BoardPush != ""
	h.trk.finish(e.Seq, 1-boolInt(say)-boolInt(strip)-boolInt(board))
	if say {
		var last int64
		for _, a := range c.Say {
			if err := v.Say(a); err != nil {
				h.voiceRefused.Add(1)
				h.log.Warn("callout: announcement not queued", "window", e.Window, "err", err)
				continue
			}
			last, _ = v.Progress()
		}
		if last == 0 {
			h.trk.finish(e.Seq, 1)
		} else {
			h.trk.wait(&h.trk.voiceW, mark{seq: e.Seq, mark: last, voice: v})
		}
	}
	if h.o.Display != nil {
		chans := []chan dispJob{h.strips, h.board}
		if h.shared {
			chans = chans[:1] // stripLoop writes the board too
		}
		for i, ch := range chans {
			select {
			case ch <- dispJob{e, c}:
			default:
				h.dropped.Add(1)
				h.log.Warn("callout: display queue full, update dropped", "window", e.Window)
				switch {
				case h.shared:
					h.trk.finish(e.Seq, boolInt(strip)+boolInt(board))
				case i == 0:
					h.trk.finish(e.Seq, boolInt(strip))
				default:
					h.trk.finish(e.Seq, boolInt(board))
				}
			}
		}
	}
}

const (
	stripBus = iota
	boardBus
)

var busName = [2]string{"window strips", "hall board"}

// retryFailed writes again, once their bus's backoff has passed, the
// strip writes kept after a failure and, when the board's bus is owned by
// this loop (boardToo), the board's queued lines.
func (h *Hub) retryFailed(boardToo bool) {
	now := time.Now()
	h.retryMu.Lock()
	n := len(h.stripQ)
	h.retryMu.Unlock()
	if n > 0 && h.backoff[stripBus].due(now) {
		h.displayResult(stripBus, h.writeStrips(nil, nil))
	}
	if boardToo {
		h.retryBoard(now, nil)
	}
}

// retryBoard flushes the board's queued lines once its backoff has passed.
func (h *Hub) retryBoard(now time.Time, stop func() bool) {
	if n, _, _ := h.o.Display.BoardBacklog(); (n > 0 || h.failing[boardBus].Load()) && h.backoff[boardBus].due(now) {
		h.displayResult(boardBus, h.flushBoard(0, stop))
	}
}

// writeStrip writes one strip.
func (h *Hub) writeStrip(w int, text string) error {
	m := h.o.Display
	if text != "" {
		return ignoreNoWindow(m.ShowWindow(w, text))
	}
	return ignoreNoWindow(m.ClearWindow(w))
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
			h.retryMu.Lock()
			kept := len(h.stripQ)
			h.retryMu.Unlock()
			if len(h.strips) > 0 || kept > 0 {
				continue // calls first; a strip waiting for its write keeps it
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
				h.retryBoard(time.Now(), func() bool { return len(h.board) > 0 })
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
// numbers before blanks within a round. A strip whose write fails keeps
// that write and the ones after it, in order, for the next update or the
// retry.
func (h *Hub) showStrips(batch []dispJob) error {
	var order []int                 // windows whose strip changes, first change first
	strip := map[int][]stripWrite{} // window -> its writes in order
	now := time.Now()
	setStrip := func(w int, text string, seq int64) {
		if _, ok := strip[w]; !ok {
			order = append(order, w)
		}
		strip[w] = appendStrip(strip[w], stripWrite{text: text, seqs: seqList(seq), at: now})
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
			setStrip(prev, "", 0)
		}
		switch {
		case c.Strip != "":
			setStrip(e.Window, c.Strip, e.Seq)
		case c.ClearStrip:
			setStrip(e.Window, "", e.Seq)
		}
	}
	return h.writeStrips(order, strip)
}

func seqList(seq int64) []int64 {
	if seq == 0 {
		return nil
	}
	return []int64{seq}
}

// appendStrip adds x to the writes of one strip: a blank followed by x is
// replaced by it, and x equal to the last write joins it.
func appendStrip(q []stripWrite, x stripWrite) []stripWrite {
	n := len(q)
	switch {
	case n > 0 && q[n-1].text == x.text:
		q[n-1].seqs = append(q[n-1].seqs, x.seqs...)
	case n > 0 && q[n-1].text == "":
		q[n-1] = stripWrite{text: x.text, seqs: append(q[n-1].seqs, x.seqs...), at: q[n-1].at}
	default:
		q = append(q, x)
	}
	return q
}

// writeStrips writes the strips' new writes (order: the windows of strip,
// first change first) after the ones kept from failed writes, round by
// round, numbers before blanks within a round. A strip whose write fails
// is not written again in this call; its writes from the failed one on
// are kept. The strips' bus backs off when a write failed.
func (h *Hub) writeStrips(order []int, strip map[int][]stripWrite) error {
	h.retryMu.Lock()
	kept := maps.Clone(h.stripQ)
	h.retryMu.Unlock()
	var ws []int // every window to write: kept ones first (lowest first), then the batch's
	for _, w := range slices.Sorted(maps.Keys(kept)) {
		ws = append(ws, w)
	}
	q := map[int][]stripWrite{}
	for w, k := range kept {
		q[w] = slices.Clone(k)
	}
	for _, w := range order {
		if _, ok := q[w]; !ok {
			ws = append(ws, w)
		}
		for _, x := range strip[w] {
			q[w] = appendStrip(q[w], x)
		}
	}
	var errs []error
	failed := map[int]bool{}
	for round := 0; ; round++ {
		var now []int
		for _, w := range ws {
			if !failed[w] && round < len(q[w]) {
				now = append(now, w)
			}
		}
		if len(now) == 0 {
			break
		}
		slices.SortStableFunc(now, func(a, b int) int {
			return boolInt(q[a][round].text == "") - boolInt(q[b][round].text == "")
		})
		for _, w := range now {
			x := q[w][round]
			if err := h.writeStrip(w, x.text); err != nil {
				failed[w] = true
				q[w] = q[w][round:]
				errs = append(errs, err)
				continue
			}
			for _, seq := range x.seqs {
				h.trk.finish(seq, 1)
			}
		}
	}
	h.retryMu.Lock()
	clear(h.stripQ)
	for w := range failed {
		h.stripQ[w] = q[w]
	}
	h.retryMu.Unlock()
	err := errors.Join(errs...)
	if err != nil {
		h.backoff[stripBus].failed(&h.o, time.Now())
	} else if len(ws) > 0 {
		h.backoff[stripBus].ok()
	}
	return err
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
		if c.BoardPush != "" {
			// Done when the board's progress reaches this line (at once
			// without a board: nothing was queued).
			queued, _ := m.BoardProgress()
			h.trk.wait(&h.trk.boardW, mark{seq: e.Seq, mark: queued})
		}
	}
	return h.flushBoard(0, stop)
}

// flushBoard flushes the board's queued lines and backs its bus off when a
// write failed.
func (h *Hub) flushBoard(pushes int, stop func() bool) error {
	err := h.o.Display.FlushBoard(pushes, stop)
	if err != nil {
		h.backoff[boardBus].failed(&h.o, time.Now())
	} else {
		h.backoff[boardBus].ok()
	}
	return err
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
