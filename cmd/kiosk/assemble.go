package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"time"

	"hallkiosk/drivers/idcard"
	"hallkiosk/drivers/scanner"
	"hallkiosk/drivers/serialport"
	"hallkiosk/hall"
	"hallkiosk/kiosk/flow"
	"hallkiosk/kiosk/flow/adapters"
	"hallkiosk/kiosk/i18n"
	"hallkiosk/kiosk/store"
	"hallkiosk/queue/catalog"
	qsync "hallkiosk/queue/sync"
)

// kiosk is the assembled appliance: the flow and the parts behind it.
type kiosk struct {
	cfg      *Config
	log      *slog.Logger
	flow     *flow.Flow
	cat      *catalog.Catalog
	health   *health
	registry adapters.RegistryLookup
	store    *store.Store
	closers  []func()
	noSound  func() bool // set by promptVoice when prompts go to a sound card
}

// Close stops the flow and closes the parts in reverse order.
func (k *kiosk) Close() {
	if k.flow != nil {
		k.flow.Close()
	}
	for i := len(k.closers) - 1; i >= 0; i-- {
		k.closers[i]()
	}
}

// refreshLoop pulls the live queue status for the home screen.
func (k *kiosk) refreshLoop(ctx context.Context) {
	t := time.NewTicker(k.cfg.Hall.StatusInterval)
	defer t.Stop()
	for {
		rctx, cancel := context.WithTimeout(ctx, k.cfg.Hall.Timeout)
		if err := k.flow.Refresh(rctx); err != nil {
			k.log.Debug("kiosk status refresh failed", "err", err)
		}
		cancel()
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// assemble opens the store, the issuer and the devices and builds the flow.
func assemble(ctx context.Context, cfg *Config, log *slog.Logger, logs *ring) (*kiosk, error) {
	k := &kiosk{cfg: cfg, log: log, health: &health{}}
	fail := func(err error) (*kiosk, error) { k.Close(); return nil, err }

	cat := catalog.Default()
	if cfg.Kiosk.Catalogue != "" {
		c, err := catalog.Load(cfg.Kiosk.Catalogue)
		if err != nil {
			return fail(fmt.Errorf("kiosk.catalogue: %w", err))
		}
		cat = c
	}
	k.cat = cat
	if err := os.MkdirAll(cfg.Kiosk.DataDir, 0o750); err != nil {
		return fail(fmt.Errorf("kiosk.data_dir: %w", err))
	}
	st, err := store.Open(filepath.Join(cfg.Kiosk.DataDir, "kiosk.db"), nil)
	if err != nil {
		return fail(err)
	}
	k.closers = append(k.closers, func() { st.Close() })
	k.store = st
	stAd := &adapters.Store{S: st, Cat: cat}
	hc := hallClient(ctx, cfg, st, log) // pinned TLS once enrolled (hallclient.go)

	d := flow.Deps{Catalogue: adapters.Catalogue{C: cat}, Log: log, Logs: logs, Health: k.health}
	d.Audit = func(event, detail string) {
		actx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		if err := stAd.Audit(actx, cfg.Kiosk.DeviceID, event, detail); err != nil {
			log.Error("kiosk audit entry not stored", "event", event, "err", err)
		}
	}
	hours := adapters.Hours{C: cat}
	var box *hall.Hall // the hall inside a standalone box
	if cfg.Kiosk.Standalone {
		h, err := startHall(ctx, k) // the whole hall on kiosk.data_dir (hallpages.go)
		if err != nil {
			return fail(err)
		}
		box = h
		e := h.Engine()
		ea := &adapters.Engine{E: e, Device: cfg.Kiosk.DeviceID}
		d.Issuer, d.Status, d.Appointments = ea, ea, ea
		d.Rater = adapters.Ratings{First: ea, Store: stAd}
		d.Served = ea // 好差评 by laying the ID card of a served ticket
		k.health.add("hall", func(context.Context) (bool, string) {
			if err := e.Ping(context.Background()); err != nil {
				return false, err.Error()
			}
			return true, "engine in this kiosk (standalone)"
		})
	} else {
		h := &adapters.Hall{URL: cfg.Hall.URL, Device: cfg.Kiosk.DeviceID, Secret: cfg.Hall.Key, Cat: cat,
			Client: hc}
		if id, err := st.Identity(ctx); err == nil && id.Enrolled() {
			h.Offline = stAd // numbers from leases while the hall is unreachable
			// Leases for every ticket service, taken ahead of need, so the
			// first ticket of an outage comes from the hall's own series.
			if err := st.SetServices(ctx, adapters.LeaseServices(cat)...); err != nil {
				return fail(err)
			}
			c := qsync.NewClient(st, &qsync.ClientOptions{Log: log})
			sctx, cancel := context.WithCancel(context.Background())
			done := make(chan struct{})
			go func() { defer close(done); _ = c.Run(sctx) }()
			k.closers = append(k.closers, func() { cancel(); <-done })
			d.Sync = syncLines{c: c, st: st}
		} else {
			log.Warn("kiosk not enrolled with the hall: no offline number leases; tickets need the hall online")
			d.Sync = syncLines{st: st}
		}
		d.Issuer, d.Appointments = h, h
		d.Status = fallbackStatus{primary: h, fallback: hours}
		d.Rater = adapters.Ratings{First: h, Store: stAd}
		d.Served = h
		k.health.add("hall", func(hctx context.Context) (bool, string) {
			if _, err := h.HallStatus(hctx); err != nil {
				return false, err.Error()
			}
			return true, cfg.Hall.URL
		})
	}
	reg, err := openRegistry(ctx, cfg, box, hc, log)
	if err != nil {
		return fail(err)
	}
	if reg.Local != nil && box == nil {
		k.closers = append(k.closers, func() { reg.Local.Close() })
	}
	if reg.Client != nil && reg.Client.Cache != nil {
		k.closers = append(k.closers, func() { reg.Client.Cache.Close() })
	}
	k.registry = reg
	if cfg.Invoices.Enabled {
		inv, closeInv, err := openInvoices(ctx, cfg, box, hc, log) // the hall's desk, remote or the box's own (data.go)
		if err != nil {
			return fail(err)
		}
		k.closers = append(k.closers, closeInv)
		d.Invoices = inv
	}

	// Devices: reconnecting serial links, so a device plugged in (or a
	// simulator started) later is picked up.
	dial := func(name, port string, baud int) (*serialport.Conn, error) {
		spec, err := serialport.ParseSpec(port, baud)
		if err != nil {
			return nil, fmt.Errorf("%s.port: %w", name, err)
		}
		c := serialport.Dial(spec, &serialport.ConnOpts{Log: log.With("device", name)})
		k.closers = append(k.closers, func() { c.Close() })
		k.health.add(name, func(context.Context) (bool, string) {
			h := c.Health()
			if !h.Connected {
				return false, "not connected: " + port + " " + h.LastError
			}
			return true, h.Path
		})
		return c, nil
	}
	if c, err := dial("idcard", cfg.IDCard.Port, cfg.IDCard.Baud); err != nil {
		return fail(err)
	} else if dev, err := idcard.New(c, &idcard.Opts{Baud: cfg.IDCard.Baud, Log: log.With("device", "idcard")}); err != nil {
		return fail(err)
	} else {
		d.Reader = adapters.CardReader{Dev: dev, Loc: cat.Location()}
	}
	if c, err := dial("scanner", cfg.Scanner.Port, cfg.Scanner.Baud); err != nil {
		return fail(err)
	} else if dev, err := scanner.New(c, &scanner.Opts{Log: log.With("device", "scanner")}); err != nil {
		return fail(err)
	} else {
		codes := adapters.NewCodes(dev.Codes())
		k.closers = append(k.closers, func() { dev.Close(); codes.Close() })
		d.Codes = codes
	}
	if err := attachPrinter(ctx, k, &d, dial); err != nil {
		return fail(err)
	}

	if cfg.Voice.Enabled {
		d.Announcer = promptVoice(k, cfg, log) // elder-mode prompts (prompts.go)
	}
	wireFaults(ctx, k, &d, st, hours) // what home shows of the devices (ui.go)
	lang, _ := i18n.ParseLang(cfg.Kiosk.Language)
	hallName, hallNameEN := cfg.Kiosk.HallName, cfg.Kiosk.HallNameEN
	if hallName == "" {
		hallName = cat.Hall.Name
		if hallNameEN == "" {
			hallNameEN = cat.Hall.NameEN
		}
	}
	k.flow = flow.New(d, flow.Options{
		HallName: hallName, HallNameEN: hallNameEN, Lang: lang,
		Idle: cfg.Timeouts.Idle, ElderIdle: cfg.Timeouts.ElderIdle, Result: cfg.Timeouts.Result,
		ElderResult: cfg.Timeouts.ElderResult, CardWait: cfg.Timeouts.CardWait, ElderCardWait: cfg.Timeouts.ElderCardWait,
		PrintTimeout: cfg.Timeouts.Print, MaintIdle: cfg.Maintenance.Idle, PIN: cfg.Maintenance.PIN,
		PINTries: cfg.Maintenance.Tries, PINLockout: cfg.Maintenance.Lockout, ConfigLines: cfg.Lines(),
	})
	// A first status pull, so the home screen starts with waiting counts
	// and notices; bounded so an unreachable hall does not delay start-up.
	rctx, cancel := context.WithTimeout(ctx, 300*time.Millisecond)
	_ = k.flow.Refresh(rctx)
	cancel()
	st0 := k.flow.State()
	log.Info("kiosk flows ready", "tickets", st0.Has.Tickets, "appointment", st0.Has.Appointment, "scan", st0.Has.Scan,
		"rating", st0.Has.Rating, "invoices", st0.Has.Invoices)
	return k, nil
}

// fallbackStatus asks the hall and, when it cannot be reached, reports the
// catalogue's hours marked offline.
type fallbackStatus struct {
	primary, fallback flow.HallStatusSource
}

func (f fallbackStatus) HallStatus(ctx context.Context) (flow.HallStatus, error) {
	st, err := f.primary.HallStatus(ctx)
	if err == nil {
		return st, nil
	}
	fb, ferr := f.fallback.HallStatus(ctx)
	if ferr != nil {
		return flow.HallStatus{}, err
	}
	fb.Online = false
	return fb, nil
}

// health gathers device checks for the maintenance screen (and a
// standalone box's uplink, which may ask while checks are still added).
type health struct {
	mu     sync.Mutex
	names  []string
	checks []func(context.Context) (bool, string)
}

func (h *health) add(name string, check func(context.Context) (bool, string)) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.names = append(h.names, name)
	h.checks = append(h.checks, check)
}

// Health runs every check.
func (h *health) Health(ctx context.Context) []flow.DeviceStatus {
	h.mu.Lock()
	names, checks := h.names, h.checks
	h.mu.Unlock()
	out := make([]flow.DeviceStatus, len(names))
	for i, c := range checks {
		ok, detail := c(ctx)
		out[i] = flow.DeviceStatus{Name: names[i], OK: ok, Detail: detail}
	}
	return out
}

// syncLines describes the outbox and the sync client.
type syncLines struct {
	c  *qsync.Client
	st *store.Store
}

func (s syncLines) SyncStatus(ctx context.Context) []string {
	var out []string
	if s.c != nil {
		st := s.c.Status(ctx)
		out = append(out, fmt.Sprintf("online=%v enrolled=%v device=%s pending=%d", st.Online, st.Enrolled, st.Device, st.Pending),
			"last sync: "+st.LastSync.Format(time.DateTime)+" last attempt: "+st.LastAttempt.Format(time.DateTime))
		if st.LastError != "" {
			out = append(out, "last error: "+st.LastError)
		}
		return out
	}
	n, err := s.st.PendingCount(ctx)
	if err != nil {
		return []string{"outbox: " + err.Error()}
	}
	return []string{"not enrolled with the hall: sync is off", fmt.Sprintf("outbox: %d events waiting", n)}
}
