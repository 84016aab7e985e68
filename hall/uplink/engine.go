package uplink

import (
	"context"
	"time"

	"hallkiosk/city/wire"
	"hallkiosk/queue/engine"
)

// EngineSource reads the hall engine's committed event log.
type EngineSource struct{ Engine *engine.Engine }

// EventsAfter implements Source.
func (s EngineSource) EventsAfter(ctx context.Context, after int64, limit int) ([]wire.Event, error) {
	evs, err := s.Engine.EventsAfter(ctx, after, limit)
	if err != nil {
		return nil, err
	}
	out := make([]wire.Event, len(evs))
	for i, e := range evs {
		out[i] = wire.Event{Seq: e.Seq, At: e.At.UnixMilli(), Day: e.Day, Kind: string(e.Kind), Ticket: e.Ticket, Label: e.Label,
			Service: e.Service, Window: e.Window, Actor: e.Actor, State: string(e.State), Detail: clip(e.Detail, wire.MaxDetail)}
	}
	return out, nil
}

func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && s[n]&0xC0 == 0x80 {
		n--
	}
	return s[:n]
}

// EngineStatus returns the engine's live state for the city dashboard.
func EngineStatus(e *engine.Engine) func(context.Context) *wire.Status {
	return func(ctx context.Context) *wire.Status {
		st := &wire.Status{}
		for _, s := range e.Status() {
			st.Waiting += s.Waiting
		}
		for _, w := range e.Windows() {
			if !w.Paused && w.Staff != "" {
				st.OpenWindows++
			}
		}
		if ws, err := e.Waiting(10000); err == nil {
			now := time.Now()
			for _, t := range ws {
				if m := now.Sub(t.IssuedAt).Minutes(); m > st.LongestWaitMin {
					st.LongestWaitMin = m
				}
			}
		}
		return st
	}
}
