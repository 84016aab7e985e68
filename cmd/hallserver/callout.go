package main

import (
	"context"
	"fmt"
	"log/slog"
	"maps"
	"net/http"
	"slices"
	"strings"
	"sync"

	"hallkiosk/drivers/callout"
	"hallkiosk/drivers/serialport"
	"hallkiosk/drivers/voice"
	"hallkiosk/drivers/voice/soundcard"
	"hallkiosk/queue/engine"
	"hallkiosk/queue/hallapi"
)

// wrapCalloutSink, when set (tests and benchmarks), wraps the voice output
// to time the first sample of each announcement.
var wrapCalloutSink func(voice.Sink) voice.Sink

// startCallout drives the window strips, the hall board and the voice
// announcements ([display] and [voice] in the configuration) from the
// engine's committed events: call, recall, no-show, finish, and transfer,
// park or next step (the ticket leaves the window). It returns at once:
// display ports are opened in the background and reopened after a
// failure, and a dead port never holds up calling (the engine drops events
// for a subscriber that falls behind; the hub drops rather than blocks).
// stop unsubscribes, stops the hub and closes the ports.
//
// GET /api/v1/callout (technician, supervisor or admin) reports the display
// buses' connections and the events dropped, for field diagnosis.
func startCallout(ctx context.Context, srv *hallapi.Server, eng *engine.Engine, cfg *Config, log *slog.Logger) (stop func(), err error) {
	s, err := callout.Open(cfg.Display, cfg.Voice, callout.SetupOpts{
		Log:         log,
		Soundcard:   openSoundcard,
		WrapSink:    wrapCalloutSink,
		Windows:     slices.Sorted(maps.Keys(windowNames(eng))),
		WindowZones: windowZones(eng),
	})
	if err != nil {
		return nil, err
	}
	enabled := s.Enabled()
	srv.Handle("GET /api/v1/callout", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !srv.HasRole(r, hallapi.RoleTechnician, hallapi.RoleSupervisor) {
			writeErr(w, http.StatusForbidden, "forbidden", "没有权限")
			return
		}
		st := calloutStatus{Enabled: enabled, Board: cfg.Display.BoardPort, Strips: cfg.Display.StripPort, Voice: cfg.Voice.Output}
		if enabled {
			st.Buses, st.Failing, st.Dropped = s.Health(), s.Hub.DisplayFailing(), s.Hub.Dropped()
			st.Status = s.Hub.Status()
		}
		writeJSON(w, http.StatusOK, st)
	}))
	if enabled {
		srv.AddMetrics(func(b *strings.Builder) { writeCalloutMetrics(b, s.Hub.Status(), s.Hub.Dropped()) })
	}
	if !enabled {
		s.Close()
		log.Info("hallserver: no displays or voice configured ([display], [voice])")
		return func() {}, nil
	}
	log.Info("hallserver: calling out", "board", cfg.Display.BoardPort, "strips", cfg.Display.StripPort, "voice", cfg.Voice.Output)
	events, unsubscribe := eng.Subscribe(256)
	rctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	wg.Go(func() { s.Run(rctx) })
	wg.Go(func() { follow(eng, events, s.Hub) })
	return func() {
		unsubscribe() // closes events: follow returns
		cancel()
		wg.Wait()
		s.Close()
	}, nil
}

// calloutStatus is the reply of GET /api/v1/callout.
type calloutStatus struct {
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
// closed.
func follow(eng *engine.Engine, events <-chan engine.Event, hub *callout.Hub) {
	names := windowNames(eng)
	for ev := range events {
		if ev.Kind == engine.EvCatalog {
			names = windowNames(eng)
			continue
		}
		k, ok := callout.KindFromEngine(string(ev.Kind))
		if !ok || ev.Label == "" || ev.Window <= 0 {
			continue
		}
		hub.Publish(callout.Event{Kind: k, Number: ev.Label, Window: ev.Window, WindowName: names[ev.Window],
			Service: ev.Service, At: ev.At})
	}
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

func openSoundcard(device string) (voice.Sink, func() error, error) {
	c, err := soundcard.Open(&soundcard.Opts{Device: device})
	if err != nil {
		return nil, nil, fmt.Errorf("hallserver: %w", err)
	}
	return c, c.Close, nil
}
