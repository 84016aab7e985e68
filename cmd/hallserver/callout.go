package main

import (
	"context"
	"fmt"
	"log/slog"
	"maps"
	"net/http"
	"slices"
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
		Log:       log,
		Soundcard: openSoundcard,
		WrapSink:  wrapCalloutSink,
		Windows:   slices.Sorted(maps.Keys(windowNames(eng))),
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
		}
		writeJSON(w, http.StatusOK, st)
	}))
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

func openSoundcard() (voice.Sink, func() error, error) {
	c, err := soundcard.Open(nil)
	if err != nil {
		return nil, nil, fmt.Errorf("hallserver: %w", err)
	}
	return c, c.Close, nil
}
