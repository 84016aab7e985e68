package hall

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"hallkiosk/drivers/callout"
	"hallkiosk/drivers/serialport"
	"hallkiosk/drivers/voice"
	"hallkiosk/drivers/voice/soundcard"
	"hallkiosk/queue/engine"
)

// The call-out drives the window strips, the hall board and the voice
// announcements ([display] and [voice]) from the engine's committed
// events: call, recall, no-show, finish, and transfer, park or next step
// (the ticket leaves the window). Display ports are opened in the
// background and reopened after a failure, and a dead port never holds up
// calling (the engine drops events for a subscriber that falls behind; the
// hub drops rather than blocks). Window names are read again when the
// catalogue changes.

// openCallout sets up the call-out; nil when nothing is configured.
func (h *Hall) openCallout() error {
	names := windowNames(h.eng)
	s, err := openSetup(h.cfg.Display, h.cfg.Voice, setupOpts{
		Log:         h.log,
		Soundcard:   h.opts.Soundcard,
		WrapSink:    h.opts.WrapSink,
		Windows:     slices.Sorted(maps.Keys(names)),
		WindowZones: windowZones(h.eng),
	})
	if err != nil {
		return err
	}
	if !s.Enabled() {
		s.Close()
		h.log.Info("hall: no displays or voice configured ([display], [voice])")
		return nil
	}
	h.callout = s
	h.srv.AddMetrics(func(b *strings.Builder) { writeCalloutMetrics(b, s.Hub.Status(), s.Hub.Dropped()) })
	return nil
}

// runCallout follows the engine's events with the hub until ctx ends.
// First it replays the events committed after the shown marker (calls a
// kill cut off before the board, the strips or the voice had them), then
// it follows the live events; the marker moves on as the hub finishes
// them.
func (h *Hall) runCallout(ctx context.Context) {
	s := h.callout
	h.log.Info("hall: calling out", "board", h.cfg.Display.BoardPort, "strips", h.cfg.Display.StripPort, "voice", h.cfg.Voice.Output)
	events, unsubscribe := h.eng.Subscribe(256) // before reading the log: nothing falls between
	rctx, cancel := context.WithCancel(ctx)
	g := group{}
	g.Go(func() { s.Run(rctx) })
	publish := s.Hub.Publish
	if h.published != nil { // tests: see what the hub gets
		publish = func(ev callout.Event) { h.published(ev); s.Hub.Publish(ev) }
	}
	m := &shownMarker{path: filepath.Join(h.cfg.Server.Data, shownFile), hub: s.Hub, log: h.log, saved: -1}
	after := m.replay(ctx, h.eng, func(ev callout.Event) {
		if h.published != nil {
			h.published(ev)
		}
		s.Hub.PublishWait(ctx, ev)
	})
	g.Go(func() { follow(h.eng, events, after, &m.seen, publish) })
	g.Go(func() { m.run(rctx) })
	<-ctx.Done()
	unsubscribe() // closes events: follow returns
	cancel()
	g.Wait()
	m.save() // what was done by the end
}

// shownFile, in the data directory, holds the sequence of the last engine
// event up to which the call-out has shown and said everything.
const shownFile = "callout.shown"

// replayAge bounds the replay at start: calls older than this are history
// (a hall down overnight does not call yesterday's tickets in the morning).
const replayAge = 10 * time.Minute

// shownMarker keeps shownFile: the engine event up to which every call,
// recall, finish and no-show has reached the board's top row, its strip
// and the voice. Events after it are replayed at start, so a call
// committed just before a kill is still shown and said (at least once: a
// call shown in the instant before a kill may be shown again).
type shownMarker struct {
	path  string
	hub   *callout.Hub
	log   *slog.Logger
	seen  atomic.Int64 // the newest engine event followed, published before it is stored
	saved int64
}

// replay publishes (with publish, which may wait) the recent events after
// the marker and returns the sequence of the last event it read: live
// events up to it are not published again. No marker (a first start)
// replays nothing.
func (m *shownMarker) replay(ctx context.Context, eng *engine.Engine, publish func(callout.Event)) int64 {
	last, err := eng.LastSeq(ctx)
	if err != nil {
		m.log.Warn("callout: event log not readable; nothing replayed", "err", err)
		return 0
	}
	from := last
	b, err := os.ReadFile(m.path)
	switch {
	case errors.Is(err, os.ErrNotExist):
	case err != nil:
		m.log.Warn("callout: shown marker not readable; nothing replayed", "err", err)
	default:
		if n, err := strconv.ParseInt(strings.TrimSpace(string(b)), 10, 64); err == nil && n >= 0 {
			from = min(n, last) // a marker past the log (a restored database): from its end
		} else {
			m.log.Warn("callout: shown marker damaged; nothing replayed", "file", m.path)
		}
	}
	m.seen.Store(from)
	after, replayed := from, 0
	names := windowNames(eng)
	oldest := time.Now().Add(-replayAge)
	for after < last && ctx.Err() == nil {
		evs, err := eng.EventsAfter(ctx, after, 1000)
		if err != nil || len(evs) == 0 {
			if err != nil {
				m.log.Warn("callout: event log not readable; replay cut short", "err", err)
			}
			break
		}
		for _, ev := range evs {
			after = ev.Seq
			if ce, ok := calloutEvent(ev, names); ok && ev.At.After(oldest) {
				publish(ce)
				replayed++
			}
			m.seen.Store(ev.Seq)
		}
	}
	if replayed > 0 {
		m.log.Info("callout: replaying events not shown before the restart", "events", replayed)
	}
	return after
}

// run saves the marker every 200 ms while it moves.
func (m *shownMarker) run(ctx context.Context) {
	t := time.NewTicker(200 * time.Millisecond)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			m.save()
		}
	}
}

// save writes the marker if it moved: below the oldest event the hub has
// not finished, or the newest followed when it has finished them all.
func (m *shownMarker) save() {
	seen := m.seen.Load() // before Pending: an event is tracked before it is seen
	n, oldest := m.hub.Pending()
	at := seen
	if n > 0 {
		at = min(oldest-1, seen)
	}
	if at == m.saved {
		return
	}
	if err := writeFileSync(m.path, []byte(strconv.FormatInt(at, 10)+"\n")); err != nil {
		m.log.Warn("callout: shown marker not saved", "err", err)
		return
	}
	m.saved = at
}

// writeFileSync replaces path with data durably: a temporary file synced,
// renamed over path, and the directory synced.
func writeFileSync(path string, data []byte) error {
	tmp := path + ".tmp"
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o640)
	if err != nil {
		return err
	}
	_, err = f.Write(data)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		return err
	}
	if d, err := os.Open(filepath.Dir(path)); err == nil {
		d.Sync()
		d.Close()
	}
	return nil
}

// CalloutStatus is the reply of GET /api/v1/callout.
type CalloutStatus struct {
	Enabled bool                `json:"enabled"`
	Board   string              `json:"board_port,omitempty"`
	Strips  string              `json:"strip_port,omitempty"`
	Voice   string              `json:"voice"`
	Buses   []serialport.Health `json:"buses,omitempty"`
	Failing bool                `json:"failing"` // the last display write failed
	Dropped int64               `json:"dropped"` // events dropped (queue full)
	// The backlog: board_backlog, board_oldest_unshown_ms, board_shown,
	// strip_backlog, strip_retry_backlog, strip_failing,
	// strip_oldest_unwritten_ms, voices (per output: waiting, oldest_ms,
	// said, skipped, limit).
	callout.Status
}

func (h *Hall) calloutStatus() CalloutStatus {
	st := CalloutStatus{Enabled: h.callout != nil, Board: h.cfg.Display.BoardPort, Strips: h.cfg.Display.StripPort, Voice: h.cfg.Voice.Output}
	if s := h.callout; s != nil {
		st.Buses, st.Failing, st.Dropped = s.Health(), s.Hub.DisplayFailing(), s.Hub.Dropped()
		st.Status = s.Hub.Status()
	}
	return st
}

// CalloutHealth returns the display buses' connection states (nil without
// a call-out).
func (h *Hall) CalloutHealth() []serialport.Health {
	if h.callout == nil {
		return nil
	}
	return h.callout.Health()
}

// writeCalloutMetrics appends the call-out's backlog to /metrics.
func writeCalloutMetrics(b *strings.Builder, st callout.Status, dropped int64) {
	fmt.Fprintf(b, "# HELP hall_callout_board_backlog Calls queued for the hall board, not yet shown on its top row.\n# TYPE hall_callout_board_backlog gauge\nhall_callout_board_backlog %d\n", st.BoardBacklog)
	fmt.Fprintf(b, "# HELP hall_callout_board_oldest_unshown_seconds Age of the oldest call not yet shown on the hall board.\n# TYPE hall_callout_board_oldest_unshown_seconds gauge\nhall_callout_board_oldest_unshown_seconds %g\n", float64(st.BoardOldestMS)/1000)
	fmt.Fprintf(b, "# HELP hall_callout_board_shown_total Calls shown on the hall board's top row.\n# TYPE hall_callout_board_shown_total counter\nhall_callout_board_shown_total %d\n", st.BoardShown)
	fmt.Fprintf(b, "# HELP hall_callout_strip_backlog Window strip updates queued, being written or waiting for a retry after a failed write.\n# TYPE hall_callout_strip_backlog gauge\nhall_callout_strip_backlog %d\n", st.StripBacklog)
	fmt.Fprintf(b, "# HELP hall_callout_strip_retry_backlog Window strip writes kept after a failed write, waiting for the strip.\n# TYPE hall_callout_strip_retry_backlog gauge\nhall_callout_strip_retry_backlog %d\n", st.StripRetry)
	fmt.Fprintf(b, "# HELP hall_callout_strip_failing Window strips whose last write failed.\n# TYPE hall_callout_strip_failing gauge\nhall_callout_strip_failing %d\n", st.StripFailing)
	fmt.Fprintf(b, "# HELP hall_callout_strip_oldest_unwritten_seconds Age of the oldest window strip write waiting for a retry.\n# TYPE hall_callout_strip_oldest_unwritten_seconds gauge\nhall_callout_strip_oldest_unwritten_seconds %g\n", float64(st.StripOldestMS)/1000)
	fmt.Fprintf(b, "# HELP hall_callout_dropped_total Call-out events dropped (queue full).\n# TYPE hall_callout_dropped_total counter\nhall_callout_dropped_total %d\n", dropped+st.BoardGivenUp+st.VoiceRefused)
	b.WriteString("# HELP hall_callout_voice_backlog Announcements waiting per voice output (zone \"\" is the main output).\n# TYPE hall_callout_voice_backlog gauge\n")
	for _, v := range st.Voices {
		fmt.Fprintf(b, "hall_callout_voice_backlog{zone=%q} %d\n", v.Zone, v.Waiting)
	}
	b.WriteString("# HELP hall_callout_voice_oldest_seconds Age of the oldest announcement waiting or playing per voice output.\n# TYPE hall_callout_voice_oldest_seconds gauge\n")
	for _, v := range st.Voices {
		fmt.Fprintf(b, "hall_callout_voice_oldest_seconds{zone=%q} %g\n", v.Zone, float64(v.OldestMS)/1000)
	}
	b.WriteString("# HELP hall_callout_voice_said_total Announcements played per voice output.\n# TYPE hall_callout_voice_said_total counter\n")
	for _, v := range st.Voices {
		fmt.Fprintf(b, "hall_callout_voice_said_total{zone=%q} %d\n", v.Zone, v.Said)
	}
	b.WriteString("# HELP hall_callout_voice_skipped_total Repeats and second-language announcements skipped for the backlog.\n# TYPE hall_callout_voice_skipped_total counter\n")
	for _, v := range st.Voices {
		fmt.Fprintf(b, "hall_callout_voice_skipped_total{zone=%q} %d\n", v.Zone, v.Skipped)
	}
}

// follow publishes the events that show or say something until events is
// closed, skipping those up to skip (replayed already), and stores each
// event's sequence in seen once it is published; a catalogue change
// reloads the window names.
func follow(eng *engine.Engine, events <-chan engine.Event, skip int64, seen *atomic.Int64, publish func(callout.Event)) {
	names := windowNames(eng)
	for ev := range events {
		if ev.Seq <= skip {
			continue
		}
		if ev.Kind == engine.EvCatalog {
			names = windowNames(eng)
		} else if ce, ok := calloutEvent(ev, names); ok {
			publish(ce)
		}
		if ev.Seq > seen.Load() {
			seen.Store(ev.Seq)
		}
	}
}

// calloutEvent is the call-out's event for an engine event, if it shows
// or says something.
func calloutEvent(ev engine.Event, names map[int]string) (callout.Event, bool) {
	k, ok := calloutKind(ev.Kind)
	if !ok || ev.Label == "" || ev.Window <= 0 {
		return callout.Event{}, false
	}
	return callout.Event{Kind: k, Number: ev.Label, Window: ev.Window, WindowName: names[ev.Window],
		Service: ev.Service, At: ev.At, Seq: ev.Seq}, true
}

// calloutKind maps the engine's event kinds to call-out kinds: call,
// recall, no_show and finish as themselves; transfer, park and next_step
// (the ticket leaves the window and waits again) as Leave. Other kinds
// show nothing.
func calloutKind(k engine.EventKind) (callout.Kind, bool) {
	switch k {
	case engine.EvCall:
		return callout.Call, true
	case engine.EvRecall:
		return callout.Recall, true
	case engine.EvNoShow:
		return callout.NoShow, true
	case engine.EvFinish:
		return callout.Finish, true
	case engine.EvTransfer, engine.EvPark, engine.EvNextStep:
		return callout.Leave, true
	}
	return 0, false
}

func windowNames(eng *engine.Engine) map[int]string {
	names := map[int]string{}
	for _, w := range eng.Catalog().Windows {
		names[w.Number] = w.Name
	}
	return names
}

// windowZones maps the catalogue's windows to their zones (voice.zones).
func windowZones(eng *engine.Engine) map[int]string {
	zones := map[int]string{}
	for _, w := range eng.Catalog().Windows {
		zones[w.Number] = w.Zone
	}
	return zones
}

// OpenSoundcard opens a sound card output for the call-out (Opts.Soundcard).
func OpenSoundcard(device string) (voice.Sink, func() error, error) {
	c, err := soundcard.Open(&soundcard.Opts{Device: device})
	if err != nil {
		return nil, nil, fmt.Errorf("hall: %w", err)
	}
	return c, c.Close, nil
}

// CalloutEnabled reports whether a display or a voice output is
// configured.
func (h *Hall) CalloutEnabled() bool { return h.callout != nil }
