// Package hall assembles one service hall: the queue engine on SQLite,
// its HTTP API and pages (queue/hallapi), kiosk sync (queue/sync), the
// licence registry, the tax-invoice desk, the call-out (window strips,
// hall board, voice), the evaluator pads, the purges of personal data and
// the uplink to the city. The hall server (cmd/hallserver) and a township
// box (kiosk --standalone) both run a hall through this package, so the
// two never drift apart.
//
//	h, err := hall.Open(ctx, cfg, hall.Opts{Log: log})
//	...
//	defer h.Close()
//	err = h.Run(ctx) // serves and drives everything until ctx ends
package hall

import (
	"context"
	"crypto/ed25519"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"hallkiosk/city/wire"
	"hallkiosk/drivers/callout"
	"hallkiosk/drivers/voice"
	"hallkiosk/hall/uplink"
	"hallkiosk/internal/codesign"
	"hallkiosk/internal/keyfile"
	"hallkiosk/internal/pii"
	"hallkiosk/internal/version"
	"hallkiosk/queue/catalog"
	"hallkiosk/queue/engine"
	"hallkiosk/queue/hallapi"
	"hallkiosk/queue/invoices"
	"hallkiosk/queue/registry"
	qsync "hallkiosk/queue/sync"
)

// Opts is what Open needs besides the configuration.
type Opts struct {
	// Log gets every part's events; nil: discarded.
	Log *slog.Logger
	// Out gets the messages for the operator: the first administrator's
	// one-time password and the demo accounts; nil: discarded.
	Out io.Writer
	// AdminPassword, when set, receives the first administrator's
	// one-time password instead of Out.
	AdminPassword func(user, password string) error
	// Catalog is the catalogue when the engine has none stored yet and
	// [hall] catalog is empty; nil: the default hall.
	Catalog *catalog.Catalog
	// TicketKeys are more keys the ticket progress page (GET /q) trusts,
	// by key id, besides the hall's and its enrolled kiosks' (a township
	// box's own ticket key).
	TicketKeys map[string]ed25519.PublicKey
	// Kiosks reports the site's kiosks to the city; nil: the kiosks
	// enrolled for sync.
	Kiosks func(context.Context) []wire.Kiosk
	// Soundcard opens a sound output for the call-out; nil: OpenSoundcard.
	Soundcard func(device string) (voice.Sink, func() error, error)
	// WrapSink, if set, wraps the call-out's voice outputs (benchmarks time
	// the first sample with it).
	WrapSink func(voice.Sink) voice.Sink
}

// Hall is one assembled hall.
type Hall struct {
	cfg  Config
	opts Opts
	log  *slog.Logger

	eng         *engine.Engine
	srv         *hallapi.Server
	signer      *codesign.Signer
	reg         *registry.Store
	desk        *desk
	sync        *qsync.HallSync
	fingerprint string
	tls         *tls.Config
	callout     *setup
	pads        *pads
	ln, tln     net.Listener
	published   func(callout.Event)           // tests: every event given to the hub
	up          atomic.Pointer[uplink.Uplink] // the city uplink once Run started it; nil: no [city] url

	closers []func() error
}

// Open opens the hall's stores in cfg.Server.Data, its devices and its
// listeners; nothing runs until Run. Configuration errors are
// *config.Error naming the key.
func Open(ctx context.Context, cfg Config, o Opts) (_ *Hall, err error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	if o.Out == nil {
		o.Out = io.Discard
	}
	if o.Soundcard == nil {
		o.Soundcard = OpenSoundcard
	}
	h := &Hall{cfg: cfg, opts: o, log: o.Log}
	defer func() {
		if err != nil {
			h.Close()
		}
	}()
	data := cfg.Server.Data
	if err := os.MkdirAll(data, 0o750); err != nil {
		return nil, fmt.Errorf("data directory: %w", err)
	}
	seed, err := keyfile.Load(keyPath(cfg.Keys.SigningKeyFile, data, "appointment-signing.key"), ed25519.SeedSize)
	if err != nil {
		return nil, err
	}
	h.signer = codesign.NewSigner(ed25519.NewKeyFromSeed(seed), "hall1")
	piiKey, err := keyfile.Load(keyPath(cfg.Keys.PIIKeyFile, data, "pii-hash.key"), 32)
	if err != nil {
		return nil, err
	}
	hasher := pii.NewHasher(piiKey)
	cat := o.Catalog
	if cfg.Hall.Catalog != "" {
		if cat, err = catalog.Load(cfg.Hall.Catalog); err != nil {
			return nil, err
		}
	}
	q := cfg.Queue
	h.eng, err = engine.Open(ctx, filepath.Join(data, "hall.db"), engine.Options{
		Catalog: cat, Log: h.log, Hasher: hasher, Signer: h.signer,
		MaxRecalls: q.MaxRecalls, StarvationK: q.StarvationK,
		AppointmentEarly: q.AppointmentEarly, AppointmentLate: q.AppointmentLate, LeaseMax: q.LeaseMax,
		IgnoreHours: cfg.Server.Demo, PersonBookingsPerDay: q.PersonBookingsPerDay,
		ReRateWindow: cfg.Ratings.RerateWindow, RectifyWorkingDays: cfg.Ratings.RectifyWorkingDays,
	})
	if err != nil {
		return nil, err
	}
	h.closers = append(h.closers, h.eng.Close)
	if cfg.Hall.Catalog != "" {
		// An explicit catalogue file wins over the stored one.
		if err := h.eng.SetCatalog(ctx, cat, engine.Actor{Name: "config"}); err != nil {
			return nil, err
		}
	}
	kiosks := map[string]string{}
	for _, k := range cfg.Kiosks.Keys {
		id, secret, _ := strings.Cut(k, ":")
		kiosks[id] = secret
	}
	h.srv, err = hallapi.New(ctx, h.eng, hallapi.Config{SessionTTL: cfg.Auth.SessionTTL, Kiosks: kiosks, Demo: cfg.Server.Demo, Log: h.log,
		BookingsPerAddress: q.BookingsPerAddress})
	if err != nil {
		return nil, err
	}
	pw, err := h.srv.Bootstrap(ctx, cfg.Auth.AdminUser, cfg.Auth.AdminPasswordBcrypt)
	if err != nil {
		return nil, err
	}
	if pw != "" {
		if o.AdminPassword != nil {
			if err := o.AdminPassword(cfg.Auth.AdminUser, pw); err != nil {
				return nil, err
			}
		} else {
			fmt.Fprintf(o.Out, "First start: created administrator %q with one-time password %s\nSign in and set a new password (POST /api/v1/users).\n", cfg.Auth.AdminUser, pw)
		}
	}
	if cfg.Server.Demo {
		if err := seedDemo(ctx, h.srv, o.Out); err != nil {
			return nil, err
		}
	}
	if h.reg, err = registry.Open(filepath.Join(data, "registry.db")); err != nil {
		return nil, fmt.Errorf("registry: %w", err)
	}
	h.closers = append(h.closers, h.reg.Close)
	if h.desk, err = openDesk(&h.cfg, hasher); err != nil {
		return nil, fmt.Errorf("invoices: %w", err)
	}
	h.closers = append(h.closers, h.desk.st.Close)
	cert, fp, err := qsync.LoadOrCreateCert(data, cfg.Server.TLSHosts...)
	if err != nil {
		return nil, err
	}
	h.fingerprint = fp
	h.tls = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	h.sync, err = qsync.OpenHallSync(filepath.Join(data, "sync.db"), qsync.NewEngineHall(h.eng, h.log), fp,
		&qsync.HallOptions{Log: h.log, Zone: h.eng.Location(), Lease: cfg.Sync.Lease, HallName: h.eng.Catalog().Hall.Name})
	if err != nil {
		return nil, err
	}
	h.closers = append(h.closers, h.sync.Close)
	// The ticket progress page (GET /q) trusts codes signed by the hall's
	// key, by the kiosks it enrolled (their device keys) and by o.TicketKeys.
	h.srv.SetTicketKeys(func(ctx context.Context, kid string) (ed25519.PublicKey, bool) {
		if kid == h.signer.KeyID() {
			return h.signer.Public(), true
		}
		if k, ok := o.TicketKeys[kid]; ok {
			return k, true
		}
		return h.sync.DeviceKey(ctx, kid)
	})
	if err := h.openCallout(); err != nil {
		return nil, err
	}
	if h.callout != nil {
		h.closers = append(h.closers, h.callout.Close)
	}
	if h.pads, err = openPads(h.eng, cfg.Evaluator, h.log); err != nil {
		return nil, err
	}
	h.closers = append(h.closers, func() error { h.pads.close(); return nil })
	h.routes()
	if cfg.Server.Listen != "" {
		if h.ln, err = net.Listen("tcp", cfg.Server.Listen); err != nil {
			return nil, fmt.Errorf("listen: %w", err)
		}
		h.closers = append(h.closers, h.ln.Close)
	}
	if cfg.Server.TLSListen != "" {
		if h.tln, err = net.Listen("tcp", cfg.Server.TLSListen); err != nil {
			return nil, fmt.Errorf("listen tls: %w", err)
		}
		h.closers = append(h.closers, h.tln.Close)
	}
	return h, nil
}

func keyPath(configured, dir, name string) string {
	if configured != "" {
		return configured
	}
	return filepath.Join(dir, name)
}

// Run serves the API and pages on the listeners and drives the call-out,
// the pads, the purges, the invoice feed and the city uplink until ctx
// ends; it returns once every goroutine it started has ended. A listener
// failing ends Run with its error.
func (h *Hall) Run(ctx context.Context) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	g := group{}
	g.Go(func() { h.srv.Run(ctx) })
	g.Go(func() { h.eng.RunPurge(ctx, h.cfg.Privacy.PersonalDataDays) })
	g.Go(func() { h.eng.RunReservations(ctx, 0) }) // reservations kiosks never confirmed printed lapse
	g.Go(func() { h.desk.run(ctx, &h.cfg, h.log) })
	if h.callout != nil {
		g.Go(func() { h.runCallout(ctx) })
	}
	if h.pads != nil {
		g.Go(func() { h.pads.run(ctx) })
	}
	kiosks := h.opts.Kiosks
	if kiosks == nil {
		kiosks = uplink.SyncKiosks(h.sync)
	}
	stopCity, up, err := uplink.Start(ctx, h.eng, h.cfg.Server.Data, h.cfg.City, kiosks, version.String(), h.log)
	h.up.Store(up)
	if err != nil {
		cancel()
		g.Wait()
		return err
	}
	errc := make(chan error, 2)
	var servers []*http.Server
	serve := func(ln net.Listener, tlsConf *tls.Config) {
		hs := &http.Server{Handler: h.srv, TLSConfig: tlsConf, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 2 * time.Minute}
		servers = append(servers, hs)
		g.Go(func() {
			var err error
			if tlsConf != nil {
				err = hs.ServeTLS(ln, "", "")
			} else {
				err = hs.Serve(ln)
			}
			if !errors.Is(err, http.ErrServerClosed) {
				errc <- err
			}
		})
	}
	if h.ln != nil {
		serve(h.ln, nil)
	}
	if h.tln != nil {
		serve(h.tln, h.tls)
	}
	var runErr error
	select {
	case err := <-errc:
		runErr = fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	cancel()
	sctx, scancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer scancel()
	for _, hs := range servers {
		if err := hs.Shutdown(sctx); err != nil && !errors.Is(err, context.DeadlineExceeded) && runErr == nil {
			runErr = err
		}
	}
	stopCity()
	g.Wait()
	return runErr
}

// Handler returns the hall's HTTP handler: the API, the pages and every
// route of the parts (what Run serves on the listeners).
func (h *Hall) Handler() http.Handler { return h.srv }

// Addr is the address of the HTTP listener; nil when server.listen is
// empty.
func (h *Hall) Addr() net.Addr {
	if h.ln == nil {
		return nil
	}
	return h.ln.Addr()
}

// TLSAddr is the address of the TLS listener; nil when server.tls_listen
// is empty.
func (h *Hall) TLSAddr() net.Addr {
	if h.tln == nil {
		return nil
	}
	return h.tln.Addr()
}

// Engine returns the hall's queue engine.
func (h *Hall) Engine() *engine.Engine { return h.eng }

// Registry returns the hall's licence registry.
func (h *Hall) Registry() *registry.Store { return h.reg }

// Invoices returns the hall's invoice desk store.
func (h *Hall) Invoices() *invoices.Store { return h.desk.st }

// Healthy reports whether the hall serves (for the watchdog).
func (h *Hall) Healthy() bool { return h.srv.Healthy() }

// Close closes the listeners, devices and stores, in reverse order of
// opening. Call it after Run returned (or instead of Run).
func (h *Hall) Close() error {
	var errs []error
	for i := len(h.closers) - 1; i >= 0; i-- {
		if err := h.closers[i](); !errors.Is(err, net.ErrClosed) {
			errs = append(errs, err)
		}
	}
	h.closers = nil
	return errors.Join(errs...)
}

// group runs goroutines and waits for them.
type group struct{ wg sync.WaitGroup }

func (g *group) Go(f func()) { g.wg.Go(f) }
func (g *group) Wait()       { g.wg.Wait() }
