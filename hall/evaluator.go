package hall

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"hallkiosk/drivers/evaluator"
	"hallkiosk/drivers/serialport"
	"hallkiosk/internal/config"
	"hallkiosk/queue/engine"
)

// EvaluatorConfig is the [evaluator] section: the five-key evaluator pads
// (评价器) at the windows, all on one RS-485 bus (drivers/evaluator).
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

const (
	defaultEvaluatorBaud    = 9600
	defaultEvaluatorTimeout = 30 * time.Second
)

// DefaultEvaluatorConfig returns the defaults: no pads.
func DefaultEvaluatorConfig() EvaluatorConfig {
	return EvaluatorConfig{Baud: defaultEvaluatorBaud, Timeout: defaultEvaluatorTimeout}
}

// Validate checks the section (when a port is set); errors are
// *config.Error naming section.key.
func (c EvaluatorConfig) Validate(section string) error {
	if c.Port == "" {
		return nil
	}
	if _, err := c.padMap(nil); err != nil {
		return err
	}
	if _, err := serialport.ParseSpec(c.Port, c.baud()); err != nil {
		return &config.Error{Key: section + ".port", Msg: err.Error()}
	}
	return nil
}

func (c EvaluatorConfig) baud() int {
	if c.Baud == 0 {
		return defaultEvaluatorBaud
	}
	return c.Baud
}

func (c EvaluatorConfig) timeout() time.Duration {
	if c.Timeout == 0 {
		return defaultEvaluatorTimeout
	}
	return c.Timeout
}

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
	pairs, err := parseWindowAddrs(c.Windows, 0, 1, 247)
	if err != nil {
		return nil, bad("%v", err)
	}
	for _, x := range pairs {
		out[x.window] = x.addr
	}
	return out, nil
}

// scoreOf maps a pad key to the engine's rating scale. The pad's keys run
// from 1 非常满意 to 5 非常不满意; the engine's scores run the other way,
// 5 best (statistics count ≥ 4 as satisfied): 非常满意 5, 满意 4,
// 基本满意 3, 不满意 2, 非常不满意 1.
func scoreOf(r evaluator.Rating) int { return 6 - int(r) }

// pads is the evaluator bus of a hall: when a window finishes a ticket
// (finish, or calling the next one while the previous was being served)
// its pad asks 请评价 for that ticket for up to the timeout; a key press
// becomes the ticket's rating (engine.Rate, actor "evaluator"). When the
// window starts serving the next citizen, a pad still asking about the
// previous ticket goes dark, so that a rating never lands on the wrong
// ticket. The port reopens by itself after an unplug; a pad that does not
// answer is logged once and retried.
type pads struct {
	eng      *engine.Engine
	log      *slog.Logger
	conn     *serialport.Conn
	bus      *evaluator.Bus
	byWindow map[int]byte
	windowOf map[byte]int
	timeout  time.Duration
}

// openPads opens the bus of [evaluator]; nil when no port is set.
func openPads(eng *engine.Engine, c EvaluatorConfig, log *slog.Logger) (*pads, error) {
	if c.Port == "" {
		log.Info("hall: no evaluator pads configured ([evaluator])")
		return nil, nil
	}
	var known []int
	for _, w := range eng.Catalog().Windows {
		known = append(known, w.Number)
	}
	byWindow, err := c.padMap(known)
	if err != nil {
		return nil, err
	}
	spec, err := serialport.ParseSpec(c.Port, c.baud())
	if err != nil {
		return nil, &config.Error{File: "configuration", Key: "evaluator.port", Msg: err.Error()}
	}
	p := &pads{eng: eng, log: log, byWindow: byWindow, windowOf: map[byte]int{}, timeout: c.timeout()}
	for w, a := range byWindow {
		if _, ok := eng.Catalog().Window(w); !ok {
			log.Warn("hall: evaluator pad for a window not in the catalogue", "window", w, "addr", a)
		}
		p.windowOf[a] = w
	}
	p.conn = serialport.Dial(spec, &serialport.ConnOpts{Log: log})
	p.bus, err = evaluator.NewBus(p.conn, &evaluator.BusOpts{PromptFor: p.timeout, Log: log})
	if err != nil {
		p.conn.Close()
		return nil, fmt.Errorf("hall: %w", err)
	}
	log.Info("hall: evaluator pads", "port", c.Port, "pads", len(byWindow), "timeout", p.timeout.String())
	return p, nil
}

// status is the reply of GET /api/v1/evaluator.
func (p *pads) status() any {
	if p == nil {
		return map[string]any{"enabled": false}
	}
	return map[string]any{"enabled": true, "bus": p.conn.Health(), "pads": p.bus.Pads(), "windows": p.byWindow}
}

// run drives the pads from the engine's events until ctx ends; ratings
// still buffered when the bus stops are recorded too.
func (p *pads) run(ctx context.Context) {
	events, unsubscribe := p.eng.Subscribe(256)
	rctx, cancel := context.WithCancel(ctx)
	g := group{}
	g.Go(func() { p.bus.Run(rctx) })
	g.Go(func() { p.prompt(events) })
	g.Go(func() {
		for r := range p.bus.Results() {
			p.record(r, p.windowOf[r.Addr])
		}
	})
	<-ctx.Done()
	unsubscribe() // closes events: prompt returns
	cancel()      // Run returns and closes Results
	g.Wait()
}

// prompt turns finish and start events into prompts and cancels until
// events is closed.
func (p *pads) prompt(events <-chan engine.Event) {
	for ev := range events {
		addr, ok := p.byWindow[ev.Window]
		if !ok || ev.Ticket == "" {
			continue
		}
		switch ev.Kind {
		case engine.EvFinish:
			if err := p.bus.Rate(addr, ev.Ticket, p.timeout); err != nil {
				p.log.Warn("hall: evaluator prompt", "window", ev.Window, "err", err)
			}
		case engine.EvStart:
			p.bus.Cancel(addr)
		}
	}
}

func (p *pads) record(r evaluator.Result, window int) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	t, err := p.eng.Rate(ctx, r.TicketID, scoreOf(r.Rating), engine.Actor{Name: "evaluator", Window: window})
	if err != nil {
		p.log.Warn("hall: evaluator rating not recorded", "ticket", r.TicketID, "window", window, "err", err)
		return
	}
	p.log.Info("hall: rated at the window", "ticket", t.Label, "window", window, "key", r.Rating.Name(), "score", t.Rating)
}

func (p *pads) close() {
	if p != nil {
		p.conn.Close()
	}
}

// PadsHealth returns the evaluator bus's connection state; false without
// pads.
func (h *Hall) PadsHealth() (serialport.Health, bool) {
	if h.pads == nil {
		return serialport.Health{}, false
	}
	return h.pads.conn.Health(), true
}
