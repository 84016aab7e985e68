// Command hallserver is a service hall's queue authority: it numbers and
// calls tickets (queue/engine), serves the HTTP API, the staff caller page,
// the display board and the booking page (queue/hallapi), and kiosks'
// sync. See docs/API.md and deploy/hallserver.conf.example.
//
//	hallserver [--config FILE] [--data DIR] [--listen ADDR] [--demo]
package main

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"hallkiosk/drivers/callout"
	"hallkiosk/hall/uplink"
	"hallkiosk/internal/codesign"
	"hallkiosk/internal/config"
	"hallkiosk/internal/logging"
	"hallkiosk/internal/pii"
	"hallkiosk/internal/sdnotify"
	"hallkiosk/internal/version"
	"hallkiosk/queue/catalog"
	"hallkiosk/queue/engine"
	"hallkiosk/queue/hallapi"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr, nil); err != nil {
		fmt.Fprintln(os.Stderr, "hallserver:", err)
		os.Exit(1)
	}
}

// Config is the hallserver configuration file (see deploy/hallserver.conf.example).
type Config struct {
	Server struct {
		Listen   string `ini:"listen"`
		Data     string `ini:"data"`
		LogLevel string `ini:"log_level"`
		Demo     bool   `ini:"demo"`
		// TLSListen serves the same API over TLS with the hall certificate
		// (kiosks pin it at enrolment); empty: no TLS listener.
		TLSListen string   `ini:"tls_listen"`
		TLSHosts  []string `ini:"tls_hosts"`
	} `ini:"server"`
	Sync struct {
		Lease int `ini:"lease"`
	} `ini:"sync"`
	Hall struct {
		Catalog string `ini:"catalog"`
	} `ini:"hall"`
	Auth struct {
		SessionTTL          time.Duration `ini:"session_ttl"`
		AdminUser           string        `ini:"admin_user"`
		AdminPasswordBcrypt string        `ini:"admin_password_bcrypt"`
	} `ini:"auth"`
	Kiosks struct {
		Keys []string `ini:"keys"`
	} `ini:"kiosks"`
	Queue struct {
		MaxRecalls       int           `ini:"max_recalls"`
		StarvationK      int           `ini:"starvation_k"`
		AppointmentEarly time.Duration `ini:"appointment_early"`
		AppointmentLate  time.Duration `ini:"appointment_late"`
		LeaseMax         int           `ini:"lease_max"`
		// PersonBookingsPerDay and BookingsPerAddress bound bookings (per
		// person and day, per client address and hour).
		PersonBookingsPerDay int `ini:"person_bookings_per_day"`
		BookingsPerAddress   int `ini:"bookings_per_address"`
	} `ini:"queue"`
	// Ratings: 好差评 re-rating window and 整改 deadline.
	Ratings struct {
		RerateWindow       time.Duration `ini:"rerate_window"`
		RectifyWorkingDays int           `ini:"rectify_working_days"`
	} `ini:"ratings"`
	Keys struct {
		SigningKeyFile string `ini:"signing_key_file"`
		PIIKeyFile     string `ini:"pii_key_file"`
	} `ini:"keys"`
	// Display and Voice: window strips, hall board, announcements (callout.go).
	Display callout.DisplayConfig `ini:"display"`
	Voice   callout.VoiceConfig   `ini:"voice"`
	// Evaluator: the evaluator pads at the windows (evaluator.go).
	Evaluator EvaluatorConfig `ini:"evaluator"`
	// Privacy: how long personal data is kept (privacy.go).
	Privacy struct {
		PersonalDataDays int `ini:"personal_data_days"`
	} `ini:"privacy"`
	// Invoices: the tax-invoice pickup desk (invoices.go).
	Invoices InvoicesConfig `ini:"invoices"`
	// City: the uplink to the city server (city.go, docs/CITY.md).
	City uplink.Config `ini:"city"`
}

func defaults() *Config {
	c := &Config{}
	c.Server.Listen = "127.0.0.1:8080"
	c.Server.Data = "/var/lib/hallserver"
	c.Server.LogLevel = "info"
	c.Auth.SessionTTL = 12 * time.Hour
	c.Auth.AdminUser = "admin"
	c.Queue.MaxRecalls = 3
	c.Privacy.PersonalDataDays = 30
	c.Evaluator.Baud = 9600
	c.Evaluator.Timeout = 30 * time.Second
	c.Queue.StarvationK = 3
	c.Queue.AppointmentEarly = 30 * time.Minute
	c.Queue.AppointmentLate = 15 * time.Minute
	c.Queue.LeaseMax = 200
	c.Display, c.Voice = callout.DefaultDisplayConfig(), callout.DefaultVoiceConfig()
	c.Invoices.Every = 10 * time.Minute
	c.Queue.PersonBookingsPerDay = 2
	c.Queue.BookingsPerAddress = 5
	c.Ratings.RerateWindow = 24 * time.Hour
	c.Ratings.RectifyWorkingDays = 15
	return c
}

// Validate checks relations between keys.
func (c *Config) Validate() error {
	if _, _, err := net.SplitHostPort(c.Server.Listen); err != nil {
		return &config.Error{Key: "server.listen", Msg: "want host:port"}
	}
	if c.Auth.SessionTTL < time.Minute {
		return &config.Error{Key: "auth.session_ttl", Msg: "at least 1m"}
	}
	for _, k := range c.Kiosks.Keys {
		id, secret, ok := strings.Cut(k, ":")
		if !ok || id == "" || len(secret) < 16 {
			return &config.Error{Key: "kiosks.keys", Msg: "want id:secret pairs, secrets at least 16 characters"}
		}
	}
	if c.Server.TLSListen != "" {
		if _, _, err := net.SplitHostPort(c.Server.TLSListen); err != nil {
			return &config.Error{Key: "server.tls_listen", Msg: "want host:port"}
		}
	}
	if c.Sync.Lease < 0 || c.Sync.Lease > c.Queue.LeaseMax {
		return &config.Error{Key: "sync.lease", Msg: "want 0..queue.lease_max"}
	}
	if c.Queue.MaxRecalls < 1 || c.Queue.StarvationK < 1 || c.Queue.LeaseMax < 1 {
		return &config.Error{Key: "queue", Msg: "max_recalls, starvation_k and lease_max must be at least 1"}
	}
	if c.Queue.PersonBookingsPerDay < 1 || c.Queue.BookingsPerAddress < 1 {
		return &config.Error{Key: "queue", Msg: "person_bookings_per_day and bookings_per_address must be at least 1"}
	}
	if c.Ratings.RerateWindow < time.Minute || c.Ratings.RectifyWorkingDays < 1 || c.Ratings.RectifyWorkingDays > 60 {
		return &config.Error{Key: "ratings", Msg: "rerate_window at least 1m, rectify_working_days 1..60"}
	}
	if c.Privacy.PersonalDataDays < 1 || c.Privacy.PersonalDataDays > 3650 {
		return &config.Error{Key: "privacy.personal_data_days", Msg: "want 1..3650"}
	}
	if err := c.Display.Validate("display"); err != nil {
		return err
	}
	if err := c.Invoices.Validate(); err != nil {
		return err
	}
	if err := c.City.Validate("city"); err != nil {
		return err
	}
	return c.Voice.Validate("voice")
}

// ready is called with the listening address once the server serves (tests use it).
type readyFunc func(addr string)

func run(ctx context.Context, args []string, stdout, stderr io.Writer, ready readyFunc) error {
	fs := flag.NewFlagSet("hallserver", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfgPath := fs.String("config", "/etc/hallkiosk/hallserver.conf", "configuration `file`")
	data := fs.String("data", "", "data `directory` (overrides server.data)")
	listen := fs.String("listen", "", "listen `address` host:port (overrides server.listen)")
	demo := fs.Bool("demo", false, "demo mode: seed demo staff accounts, let kiosks issue without a key, ignore opening hours")
	showVersion := fs.Bool("version", false, "print the version and exit")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *showVersion {
		fmt.Fprintln(stdout, "hallserver", version.Version)
		return nil
	}
	explicit := false
	fs.Visit(func(f *flag.Flag) {
		if f.Name == "config" {
			explicit = true
		}
	})
	cfg := defaults()
	if err := config.Load(*cfgPath, cfg, !explicit); err != nil {
		return err
	}
	if *data != "" {
		cfg.Server.Data = *data
	}
	if *listen != "" {
		cfg.Server.Listen = *listen
	}
	if *demo {
		cfg.Server.Demo = true
	}
	if err := cfg.Validate(); err != nil {
		return err
	}
	log := logging.New(stderr, cfg.Server.LogLevel)
	if err := os.MkdirAll(cfg.Server.Data, 0o750); err != nil {
		return fmt.Errorf("data directory: %w", err)
	}
	signer, err := loadSigner(keyPath(cfg.Keys.SigningKeyFile, cfg.Server.Data, "appointment-signing.key"))
	if err != nil {
		return err
	}
	piiKey, err := loadSecret(keyPath(cfg.Keys.PIIKeyFile, cfg.Server.Data, "pii-hash.key"), 32)
	if err != nil {
		return err
	}
	var cat *catalog.Catalog
	if cfg.Hall.Catalog != "" {
		if cat, err = catalog.Load(cfg.Hall.Catalog); err != nil {
			return err
		}
	}
	eng, err := engine.Open(ctx, filepath.Join(cfg.Server.Data, "hall.db"), engine.Options{
		Catalog: cat, Log: log, Hasher: pii.NewHasher(piiKey), Signer: signer,
		MaxRecalls: cfg.Queue.MaxRecalls, StarvationK: cfg.Queue.StarvationK,
		AppointmentEarly: cfg.Queue.AppointmentEarly, AppointmentLate: cfg.Queue.AppointmentLate, LeaseMax: cfg.Queue.LeaseMax,
		IgnoreHours: cfg.Server.Demo, PersonBookingsPerDay: cfg.Queue.PersonBookingsPerDay,
		ReRateWindow: cfg.Ratings.RerateWindow, RectifyWorkingDays: cfg.Ratings.RectifyWorkingDays,
	})
	if err != nil {
		return err
	}
	defer eng.Close()
	if cat != nil {
		// An explicit catalogue file wins over the stored one.
		if err := eng.SetCatalog(ctx, cat, engine.Actor{Name: "config"}); err != nil {
			return err
		}
	}
	kiosks := map[string]string{}
	for _, k := range cfg.Kiosks.Keys {
		id, secret, _ := strings.Cut(k, ":")
		kiosks[id] = secret
	}
	srv, err := hallapi.New(ctx, eng, hallapi.Config{SessionTTL: cfg.Auth.SessionTTL, Kiosks: kiosks, Demo: cfg.Server.Demo, Log: log,
		BookingsPerAddress: cfg.Queue.BookingsPerAddress})
	if err != nil {
		return err
	}
	pw, err := srv.Bootstrap(ctx, cfg.Auth.AdminUser, cfg.Auth.AdminPasswordBcrypt)
	if err != nil {
		return err
	}
	if pw != "" {
		fmt.Fprintf(stdout, "First start: created administrator %q with one-time password %s\nSign in and set a new password (POST /api/v1/users).\n", cfg.Auth.AdminUser, pw)
	}
	if cfg.Server.Demo {
		if err := seedDemo(ctx, srv, stdout); err != nil {
			return err
		}
	}
	ext, err := mountExtras(srv, eng, cfg, log)
	if err != nil {
		return err
	}
	defer ext.close()
	// The ticket progress page (GET /q) trusts codes signed by the hall's
	// key and by the kiosks it enrolled (their device keys).
	srv.SetTicketKeys(func(ctx context.Context, kid string) (ed25519.PublicKey, bool) {
		if kid == signer.KeyID() {
			return signer.Public(), true
		}
		return ext.sync.DeviceKey(ctx, kid)
	})
	stopCallout, err := startCallout(ctx, srv, eng, cfg, log)
	if err != nil {
		return err
	}
	defer stopCallout()
	stopEvaluator, err := startEvaluator(ctx, srv, eng, cfg, log)
	if err != nil {
		return err
	}
	defer stopEvaluator()
	stopCity, err := startCity(ctx, eng, ext, cfg, log)
	if err != nil {
		return err
	}
	defer stopCity()

	ln, err := net.Listen("tcp", cfg.Server.Listen)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	hs := &http.Server{Handler: srv, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 2 * time.Minute}
	runCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	go srv.Run(runCtx)
	errc := make(chan error, 2)
	go func() { errc <- hs.Serve(ln) }()
	var ths *http.Server
	if cfg.Server.TLSListen != "" {
		tln, err := net.Listen("tcp", cfg.Server.TLSListen)
		if err != nil {
			hs.Close()
			return fmt.Errorf("listen tls: %w", err)
		}
		ths = &http.Server{Handler: srv, TLSConfig: ext.tls, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 2 * time.Minute}
		go func() { errc <- ths.ServeTLS(tln, "", "") }()
		log.Info("hallserver: serving TLS", "addr", tln.Addr().String())
		fmt.Fprintf(stdout, "hallserver: TLS (kiosk sync) on https://%s\n", tln.Addr())
	}
	log.Info("hallserver: serving", "addr", ln.Addr().String(), "version", version.Version, "demo", cfg.Server.Demo)
	fmt.Fprintf(stdout, "hallserver: serving on http://%s (caller /caller, display /display, booking /booking)\n", ln.Addr())
	sdnotify.Notify("READY=1")
	go sdnotify.Watchdog(runCtx, srv.Healthy)
	if ready != nil {
		ready(ln.Addr().String())
	}
	select {
	case err := <-errc:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	sdnotify.Notify("STOPPING=1")
	log.Info("hallserver: stopping")
	cancel()
	sctx, scancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer scancel()
	if ths != nil {
		ths.Shutdown(sctx)
	}
	if err := hs.Shutdown(sctx); err != nil && !errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	return nil
}

func keyPath(configured, dir, name string) string {
	if configured != "" {
		return configured
	}
	return filepath.Join(dir, name)
}

// loadSecret reads a key file, creating it with n random bytes (mode 0600)
// when it does not exist.
func loadSecret(path string, n int) ([]byte, error) {
	b, err := os.ReadFile(path)
	if err == nil {
		if len(b) < n {
			return nil, fmt.Errorf("key file %s: shorter than %d bytes", path, n)
		}
		return b[:n], nil
	}
	if !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("key file: %w", err)
	}
	b = make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		return nil, err
	}
	if err := os.WriteFile(path, b, 0o600); err != nil {
		return nil, fmt.Errorf("key file: %w", err)
	}
	return b, nil
}

func loadSigner(path string) (*codesign.Signer, error) {
	seed, err := loadSecret(path, ed25519.SeedSize)
	if err != nil {
		return nil, err
	}
	priv := ed25519.NewKeyFromSeed(seed)
	return codesign.NewSigner(priv, "hall1"), nil
}

// demoAccounts are created by --demo (never in production).
var demoAccounts = []struct {
	u  hallapi.User
	pw string
}{
	{hallapi.User{Name: "staff1", Display: "王芳", Role: hallapi.RoleStaff, Window: 19}, "staff1-demo"},
	{hallapi.User{Name: "staff2", Display: "李强", Role: hallapi.RoleStaff, Window: 20}, "staff2-demo"},
	{hallapi.User{Name: "staff3", Display: "赵敏", Role: hallapi.RoleStaff, Window: 105}, "staff3-demo"},
	{hallapi.User{Name: "super1", Display: "刘主任", Role: hallapi.RoleSupervisor}, "super1-demo"},
	{hallapi.User{Name: "tech1", Display: "技术员", Role: hallapi.RoleTechnician}, "tech1-demo"},
	{hallapi.User{Name: "demoadmin", Display: "演示管理员", Role: hallapi.RoleAdmin}, "admin-demo"},
}

func seedDemo(ctx context.Context, srv *hallapi.Server, w io.Writer) error {
	fmt.Fprintln(w, "Demo mode: kiosks may issue without a key; opening hours are not enforced. Demo accounts (user / password / window):")
	users, err := srv.Users(ctx)
	if err != nil {
		return err
	}
	have := map[string]bool{}
	for _, u := range users {
		have[u.Name] = true
	}
	for _, a := range demoAccounts {
		// An account already there is left as it is: replacing it would end
		// its sessions, and a restarted demo hall keeps its clerks signed in.
		if !have[a.u.Name] {
			if err := srv.AddUser(ctx, a.u, a.pw); err != nil {
				return err
			}
		}
		win := ""
		if a.u.Window > 0 {
			win = fmt.Sprint(a.u.Window)
		}
		fmt.Fprintf(w, "  %-10s %-12s %-10s %s %s\n", a.u.Name, a.pw, a.u.Role, win, a.u.Display)
	}
	return nil
}
