package uplink

import (
	"context"
	"fmt"
	"regexp"
	"strconv"
	"strings"
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
	// The reasons and words of the batch's ratings, by rating id
	// (ticket.step.count), read per day from the engine's ratings.
	var ratings map[string]engine.Rating
	days := map[string]bool{}
	for i, e := range evs {
		out[i] = wire.Event{Seq: e.Seq, At: e.At.UnixMilli(), Day: e.Day, Kind: string(e.Kind), Ticket: e.Ticket, Label: e.Label,
			Service: e.Service, Window: e.Window, Actor: e.Actor, State: string(e.State), Detail: clip(e.Detail, wire.MaxDetail)}
		if e.Kind != engine.EvRate {
			continue
		}
		if ratings == nil {
			ratings = map[string]engine.Rating{}
		}
		if !days[e.Day] {
			days[e.Day] = true
			rs, err := s.Engine.Ratings(ctx, e.Day, e.Day)
			if err != nil {
				return nil, err
			}
			for _, r := range rs {
				ratings[r.ID] = r
			}
		}
		step, count, ok := stepCount(e.Detail)
		if !ok {
			continue // an older detail: the score alone
		}
		if r, ok := ratings[fmt.Sprintf("%s.%d.%d", e.Ticket, step, count)]; ok {
			out[i].Reasons, out[i].Text = ratingReasons(r.Reasons), clip(r.Text, wire.MaxDetail)
		}
		// The person's keyed hash, while the engine holds it (today's
		// tickets; personal data is purged after its days).
		if t, err := s.Engine.Ticket(ctx, e.Ticket); err == nil && raterRe.MatchString(t.PersonHash) {
			out[i].Rater = t.PersonHash
		}
	}
	return out, nil
}

// ratingReasons bounds a rating's reasons to what the city accepts.
func ratingReasons(rs []string) []string {
	var out []string
	for _, r := range rs {
		if len(out) == wire.MaxReasons {
			break
		}
		out = append(out, clip(r, wire.MaxField))
	}
	return out
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

// stepCount reads the step and count of a rate event's detail
// ("step S level L count C").
func stepCount(d string) (step, count int, ok bool) {
	f := strings.Fields(d)
	var haveStep, haveCount bool
	for i := 0; i+1 < len(f); i += 2 {
		n, err := strconv.Atoi(f[i+1])
		if err != nil {
			return 0, 0, false
		}
		switch f[i] {
		case "step":
			step, haveStep = n, true
		case "count":
			count, haveCount = n, true
		}
	}
	return step, count, haveStep && haveCount
}

var raterRe = regexp.MustCompile(`^[0-9a-f]{64}$`)
