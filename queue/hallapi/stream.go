package hallapi

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"sync"
	"time"

	"hallkiosk/queue/engine"
)

// DisplayReply is GET /api/v1/display and the "snapshot" SSE event: what
// the hall board shows.
type DisplayReply struct {
	Hall    string                 `json:"hall"`
	Now     time.Time              `json:"now"`
	Calls   []engine.Event         `json:"calls"`   // latest calls, newest first
	Windows []DisplayWindow        `json:"windows"` // windows with a current ticket
	Queues  []engine.ServiceStatus `json:"queues"`
	Notices []string               `json:"notices"`
}

// DisplayWindow is one window's current number on the board.
type DisplayWindow struct {
	Number int    `json:"number"`
	Label  string `json:"label"`
	State  string `json:"state"`
	Paused bool   `json:"paused,omitempty"`
}

func (s *Server) display() DisplayReply {
	d := DisplayReply{Hall: s.e.Catalog().Hall.Name, Now: s.now(), Calls: s.e.RecentCalls(8), Queues: s.e.Status(), Notices: s.Notices()}
	for _, w := range s.e.Windows() {
		if w.Current != nil {
			d.Windows = append(d.Windows, DisplayWindow{Number: w.Number, Label: w.Current.Label, State: string(w.Current.State)})
		} else if w.Paused {
			d.Windows = append(d.Windows, DisplayWindow{Number: w.Number, Paused: true})
		}
	}
	return d
}

func (s *Server) getDisplay(w http.ResponseWriter, r *http.Request, _ who) error {
	writeJSON(w, 200, s.display())
	return nil
}

// hub fans engine events out to SSE clients: each call/recall at once as a
// "call" event, and a debounced "snapshot" of the whole board.
type hub struct {
	s       *Server
	mu      sync.Mutex
	clients map[chan sseMsg]struct{}
	pokeCh  chan struct{}
}

type sseMsg struct {
	event string
	data  []byte
}

func newHub(s *Server) *hub {
	return &hub{s: s, clients: map[chan sseMsg]struct{}{}, pokeCh: make(chan struct{}, 1)}
}

func (h *hub) poke() {
	select {
	case h.pokeCh <- struct{}{}:
	default:
	}
}

func (h *hub) broadcast(m sseMsg) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for c := range h.clients {
		select {
		case c <- m:
		default: // a slow client misses a message; the next snapshot repairs it
		}
	}
}

func (h *hub) run(ctx context.Context) {
	events, cancel := h.s.e.Subscribe(1024)
	defer cancel()
	var timer <-chan time.Time
	for {
		select {
		case <-ctx.Done():
			return
		case ev, ok := <-events:
			if !ok {
				return
			}
			h.s.met.event(ev.Kind)
			switch ev.Kind {
			case engine.EvCall, engine.EvRecall:
				data, _ := json.Marshal(ev)
				h.broadcast(sseMsg{"call", data})
			}
			if timer == nil {
				timer = time.After(150 * time.Millisecond)
			}
		case <-h.pokeCh:
			if timer == nil {
				timer = time.After(10 * time.Millisecond)
			}
		case <-timer:
			timer = nil
			data, _ := json.Marshal(h.s.display())
			h.broadcast(sseMsg{"snapshot", data})
		}
	}
}

// hubStream serves GET /api/v1/stream (text/event-stream). It starts with
// a snapshot, then sends "call" and "snapshot" events and a comment every
// 15 s; the browser's EventSource reconnects by itself.
func (s *Server) hubStream(w http.ResponseWriter, r *http.Request) {
	fl, ok := w.(http.Flusher)
	if !ok {
		http.Error(w, "streaming unsupported", 500)
		return
	}
	w.Header().Set("Content-Type", "text/event-stream; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Accel-Buffering", "no")
	c := make(chan sseMsg, 64)
	s.hub.mu.Lock()
	s.hub.clients[c] = struct{}{}
	n := len(s.hub.clients)
	s.hub.mu.Unlock()
	s.met.sseClients.Store(int64(n))
	defer func() {
		s.hub.mu.Lock()
		delete(s.hub.clients, c)
		n := len(s.hub.clients)
		s.hub.mu.Unlock()
		s.met.sseClients.Store(int64(n))
	}()
	data, _ := json.Marshal(s.display())
	fmt.Fprintf(w, "retry: 2000\nevent: snapshot\ndata: %s\n\n", data)
	fl.Flush()
	tick := time.NewTicker(15 * time.Second)
	defer tick.Stop()
	for {
		select {
		case <-r.Context().Done():
			return
		case m := <-c:
			if _, err := fmt.Fprintf(w, "event: %s\ndata: %s\n\n", m.event, m.data); err != nil {
				return
			}
			fl.Flush()
		case <-tick.C:
			if _, err := fmt.Fprint(w, ": keepalive\n\n"); err != nil {
				return
			}
			fl.Flush()
		}
	}
}
