package hall

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"

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
func (h *Hall) runCallout(ctx context.Context) {
	s := h.callout
	h.log.Info("hall: calling out", "board", h.cfg.Display.BoardPort, "strips", h.cfg.Display.StripPort, "voice", h.cfg.Voice.Output)
	events, unsubscribe := h.eng.Subscribe(256)
	rctx, cancel := context.WithCancel(ctx)
	g := group{}
	g.Go(func() { s.Run(rctx) })
	publish := s.Hub.Publish
	if h.published != nil { // tests: see what the hub gets
		publish = func(ev callout.Event) { h.published(ev); s.Hub.Publish(ev) }
	}
	g.Go(func() { follow(h.eng, events, publish) })
	<-ctx.Done()
	unsubscribe() // closes events: follow returns
	cancel()
	g.Wait()
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
	// voices (per output: waiting, oldest_ms, said, skipped, limit).
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
// closed; a catalogue change reloads the window names.
func follow(eng *engine.Engine, events <-chan engine.Event, publish func(callout.Event)) {
	names := windowNames(eng)
	for ev := range events {
		if ev.Kind == engine.EvCatalog {
			names = windowNames(eng)
			continue
		}
		k, ok := calloutKind(ev.Kind)
		if !ok || ev.Label == "" || ev.Window <= 0 {
			continue
		}
		publish(callout.Event{Kind: k, Number: ev.Label, Window: ev.Window, WindowName: names[ev.Window],
			Service: ev.Service, At: ev.At})
	}
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
