package main

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"hallkiosk/drivers/evaluator"
	"hallkiosk/drivers/serialport"
	"hallkiosk/internal/config"
	"hallkiosk/queue/engine"
	"hallkiosk/queue/hallapi"
)

// EvaluatorConfig is the [evaluator] section: the five-key evaluator pads
// (评价器) at the windows, all on one RS-485 bus (drivers/evaluator).
// Zero values take the defaults noted.
type EvaluatorConfig struct {
	// Port is the bus: a path (/dev/ttyUSB1, /dev/serial/by-id/...) or
	// usb:VID:PID[:SERIAL]. Empty: no pads.
	Port string `ini:"port"`
	// Baud is the bus speed; 0: 9600.
	Baud int `ini:"baud"`
	// Windows maps window numbers to pad addresses, "window:address"
	// pairs such as 1:1, 2:2, 15:7 (addresses 1..247, each used once), or
	// auto: window n has the pad at address n (windows 1..247).
	Windows []string `ini:"windows"`
	// Timeout is how long a pad asks for a rating; 0: 30s.
	Timeout time.Duration `ini:"timeout"`
}

const defaultEvaluatorTimeout = 30 * time.Second

// padMap returns window → pad address. known lists the catalogue's
// window numbers (for auto).
func (c EvaluatorConfig) padMap(known []int) (map[int]byte, error) {
	bad := func(msg string, a ...any) error {
		return &config.Error{File: "configuration", Key: "evaluator.windows", Msg: fmt.Sprintf(msg, a...)}
	}
	out := map[int]byte{}
	if len(c.Windows) == 1 && c.Windows[0] == "auto" {
		for _, n := range known {
			if n >= 1 && n <= 247 {
				out[n] = byte(n)
			}
		}
		return out, nil
	}
	if len(c.Windows) == 0 {
		return nil, bad("required when port is set: window:address pairs (e.g. 1:1, 2:2) or auto")
	}
	used := map[byte]int{}
	for _, p := range c.Windows {
		w, a, ok := strings.Cut(p, ":")
		n, err1 := strconv.Atoi(strings.TrimSpace(w))
		addr, err2 := strconv.ParseUint(strings.TrimSpace(a), 0, 8)
		if !ok || err1 != nil || err2 != nil || n < 1 || addr < 1 || addr > 247 {
			return nil, bad("%q: want window:address, window ≥ 1, address 1..247", p)
		}
		if _, dup := out[n]; dup {
			return nil, bad("window %d given twice", n)
		}
		if other, dup := used[byte(addr)]; dup {
			return nil, bad("address %d given to windows %d and %d", addr, other, n)
		}
		out[n], used[byte(addr)] = byte(addr), n
	}
	return out, nil
}

// scoreOf maps a pad key to the engine's rating scale. The pad's keys run
// from 1 非常满意 to 5 非常不满意; the engine's scores run the other way,
// 5 best (statistics count ≥ 4 as satisfied): 非常满意 5, 满意 4,
// 基本满意 3, 不满意 2, 非常不满意 1.
func scoreOf(r evaluator.Rating) int { return 6 - int(r) }

// startEvaluator drives the evaluator pads ([evaluator] in the
// configuration) from the engine's committed events: when a window
// finishes a ticket (finish, or calling the next one while the previous
// was being served) its pad asks 请评价 for that ticket for up to
// timeout; a key press becomes the ticket's rating (engine.Rate, actor
// "evaluator"). When the window starts serving the next citizen, a pad
// still asking about the previous ticket goes dark, so that a rating never
// lands on the wrong ticket. The port reopens by itself after an unplug;
// a pad that does not answer is logged once and retried. It returns at
// once; stop unsubscribes, stops the bus and closes the port.
func startEvaluator(ctx context.Context, srv *hallapi.Server, eng *engine.Engine, cfg *Config, log *slog.Logger) (stop func(), err error) {
	c := cfg.Evaluator
	var status func() any
	// GET /api/v1/evaluator (technician, supervisor, admin): the bus and
	// each pad, for field diagnosis.
	srv.Handle("GET /api/v1/evaluator", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !srv.HasRole(r, hallapi.RoleTechnician, hallapi.RoleSupervisor) {
			writeErr(w, http.StatusForbidden, "forbidden", "没有权限")
			return
		}
		if status == nil {
			writeJSON(w, http.StatusOK, map[string]any{"enabled": false})
			return
		}
		writeJSON(w, http.StatusOK, status())
	}))
	if c.Port == "" {
		log.Info("hallserver: no evaluator pads configured ([evaluator])")
		return func() {}, nil
	}
	var known []int
	for _, w := range eng.Catalog().Windows {
		known = append(known, w.Number)
	}
	pads, err := c.padMap(known)
	if err != nil {
		return nil, err
	}
	if c.Baud == 0 {
		c.Baud = 9600
	}
	if c.Timeout == 0 {
		c.Timeout = defaultEvaluatorTimeout
	}
	spec, err := serialport.ParseSpec(c.Port, c.Baud)
	if err != nil {
		return nil, &config.Error{File: "configuration", Key: "evaluator.port", Msg: err.Error()}
	}
	windowOf := map[byte]int{}
	for w, a := range pads {
		if _, ok := eng.Catalog().Window(w); !ok {
			log.Warn("hallserver: evaluator pad for a window not in the catalogue", "window", w, "addr", a)
		}
		windowOf[a] = w
	}
	conn := serialport.Dial(spec, &serialport.ConnOpts{Log: log})
	bus, err := evaluator.NewBus(conn, &evaluator.BusOpts{PromptFor: c.Timeout, Log: log})
	if err != nil {
		conn.Close()
		return nil, fmt.Errorf("hallserver: %w", err)
	}
	log.Info("hallserver: evaluator pads", "port", c.Port, "pads", len(pads), "timeout", c.Timeout.String())
	status = func() any {
		return map[string]any{"enabled": true, "bus": conn.Health(), "pads": bus.Pads(), "windows": pads}
	}
	events, unsubscribe := eng.Subscribe(256)
	rctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	wg.Go(func() { bus.Run(rctx) })
	wg.Go(func() { promptPads(events, bus, pads, c.Timeout, log) })
	wg.Go(func() {
		// Ratings still buffered when the bus stops are recorded too.
		for r := range bus.Results() {
			recordRating(eng, r, windowOf[r.Addr], log)
		}
	})
	return func() {
		unsubscribe() // closes events: promptPads returns
		cancel()      // Run returns and closes Results
		wg.Wait()
		conn.Close()
	}, nil
}

// promptPads turns finish and start events into prompts and cancels until
// events is closed.
func promptPads(events <-chan engine.Event, bus *evaluator.Bus, pads map[int]byte, timeout time.Duration, log *slog.Logger) {
	for ev := range events {
		addr, ok := pads[ev.Window]
		if !ok || ev.Ticket == "" {
			continue
		}
		switch ev.Kind {
		case engine.EvFinish:
			if err := bus.Rate(addr, ev.Ticket, timeout); err != nil {
				log.Warn("hallserver: evaluator prompt", "window", ev.Window, "err", err)
			}
		case engine.EvStart:
			bus.Cancel(addr)
		}
	}
}

func recordRating(eng *engine.Engine, r evaluator.Result, window int, log *slog.Logger) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	t, err := eng.Rate(ctx, r.TicketID, scoreOf(r.Rating), engine.Actor{Name: "evaluator", Window: window})
	if err != nil {
		log.Warn("hallserver: evaluator rating not recorded", "ticket", r.TicketID, "window", window, "err", err)
		return
	}
	log.Info("hallserver: rated at the window", "ticket", t.Label, "window", window, "key", r.Rating.Name(), "score", t.Rating)
}
