// Command cityserver is the city tier: every hall server and township box
// pushes its event log to it (uplink over TLS, sites pin its certificate);
// it keeps them in PostgreSQL and serves the city dashboard, statistics,
// fleet and the 好差评 export. See docs/CITY.md.
//
//	cityserver [--config FILE] [--listen ADDR]
//	cityserver --migrate-only              apply schema migrations and exit
//	cityserver --add-site ID,NAME,KIND     register a site (hall|township) and exit
//	cityserver --code SITE                 print a one-time enrolment code and exit
package main

import (
	"context"
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

	"hallkiosk/city/server"
	"hallkiosk/city/store"
	"hallkiosk/internal/config"
	"hallkiosk/internal/logging"
	"hallkiosk/internal/sdnotify"
	"hallkiosk/internal/version"
	"hallkiosk/queue/sync"
)

// Config is the city server's INI file (docs/CITY.md lists every key).
type Config struct {
	Server struct {
		Listen     string   `ini:"listen"`      // TLS address of the API and pages
		HTTPListen string   `ini:"http_listen"` // optional plain-HTTP address for the pages (loopback)
		Data       string   `ini:"data"`
		LogLevel   string   `ini:"log_level"`
		TLSHosts   []string `ini:"tls_hosts"`
	} `ini:"server"`
	DB struct {
		URL      string `ini:"url"`
		MaxConns int    `ini:"max_conns"`
	} `ini:"db"`
	City struct {
		RegionCode string `ini:"region_code"`
	} `ini:"city"`
	Auth struct {
		AdminUser string `ini:"admin_user"`
	} `ini:"auth"`
	Reporter struct {
		Kind     string        `ini:"kind"` // none, file, http
		Dir      string        `ini:"dir"`
		URL      string        `ini:"url"`
		Interval time.Duration `ini:"interval"`
		Timeout  time.Duration `ini:"timeout"`
	} `ini:"reporter"`
}

func defaults() *Config {
	c := &Config{}
	c.Server.Listen = "0.0.0.0:8643"
	c.Server.Data = "/var/lib/hallkiosk/city"
	c.Server.LogLevel = "info"
	c.DB.URL = "postgres:///hallcity?host=/run/postgresql"
	c.DB.MaxConns = 8
	c.Auth.AdminUser = "admin"
	c.Reporter.Kind = "none"
	c.Reporter.Interval = time.Minute
	c.Reporter.Timeout = 30 * time.Second
	return c
}

// Validate checks relations between keys.
func (c *Config) Validate() error {
	if _, _, err := net.SplitHostPort(c.Server.Listen); err != nil {
		return &config.Error{Key: "server.listen", Msg: "want host:port"}
	}
	if c.Server.HTTPListen != "" {
		if _, _, err := net.SplitHostPort(c.Server.HTTPListen); err != nil {
			return &config.Error{Key: "server.http_listen", Msg: "want host:port"}
		}
	}
	if !strings.HasPrefix(c.DB.URL, "postgres://") && !strings.HasPrefix(c.DB.URL, "postgresql://") {
		return &config.Error{Key: "db.url", Msg: "want a PostgreSQL URL, e.g. postgres:///hallcity?host=/run/postgresql"}
	}
	if c.DB.MaxConns < 2 || c.DB.MaxConns > 200 {
		return &config.Error{Key: "db.max_conns", Msg: "want 2..200"}
	}
	if rc := c.City.RegionCode; rc != "" && (len(rc) != 6 && len(rc) != 12 || strings.Trim(rc, "0123456789") != "") {
		return &config.Error{Key: "city.region_code", Msg: "want the 6- or 12-digit 行政区划 code"}
	}
	switch c.Reporter.Kind {
	case "none":
	case "file":
		if c.Reporter.Dir == "" {
			return &config.Error{Key: "reporter.dir", Msg: "needed when reporter.kind = file"}
		}
	case "http":
		if !strings.HasPrefix(c.Reporter.URL, "https://") && !strings.HasPrefix(c.Reporter.URL, "http://") {
			return &config.Error{Key: "reporter.url", Msg: "needed when reporter.kind = http: an http(s):// URL"}
		}
	default:
		return &config.Error{Key: "reporter.kind", Msg: "want none, file or http"}
	}
	if c.Reporter.Interval < time.Second || c.Reporter.Timeout < time.Second {
		return &config.Error{Key: "reporter.interval", Msg: "interval and timeout at least 1s"}
	}
	return nil
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr, nil); err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "cityserver:", err)
		}
		os.Exit(1)
	}
}

type readyFunc func(tlsAddr, httpAddr string)

func run(ctx context.Context, args []string, stdout, stderr io.Writer, ready readyFunc) error {
	fs := flag.NewFlagSet("cityserver", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfgPath := fs.String("config", "/etc/hallkiosk/cityserver.conf", "configuration `file`")
	listen := fs.String("listen", "", "TLS listen `address` host:port (overrides server.listen)")
	migrateOnly := fs.Bool("migrate-only", false, "apply the schema migrations and exit")
	addSite := fs.String("add-site", "", "register a site `ID,NAME,KIND` (KIND hall or township) and exit")
	code := fs.String("code", "", "print a one-time enrolment code for `SITE` (valid 24 h) and exit")
	showVersion := fs.Bool("version", false, "print the version and exit")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	if *showVersion {
		fmt.Fprintln(stdout, "cityserver", version.Version)
		return nil
	}
	explicit := false
	fs.Visit(func(f *flag.Flag) { explicit = explicit || f.Name == "config" })
	cfg := defaults()
	if err := config.Load(*cfgPath, cfg, !explicit); err != nil {
		return err
	}
	if *listen != "" {
		cfg.Server.Listen = *listen
	}
	if err := cfg.Validate(); err != nil {
		return err
	}
	log := logging.New(stderr, cfg.Server.LogLevel)
	url := cfg.DB.URL
	if !strings.Contains(url, "pool_max_conns") {
		sep := "?"
		if strings.Contains(url, "?") {
			sep = "&"
		}
		url += fmt.Sprintf("%spool_max_conns=%d", sep, cfg.DB.MaxConns)
	}
	st, err := store.Open(ctx, url)
	if err != nil {
		return err
	}
	defer st.Close()
	if err := st.Migrate(ctx); err != nil {
		return err
	}
	if *migrateOnly {
		fmt.Fprintln(stdout, "cityserver: migrations applied")
		return nil
	}
	if err := os.MkdirAll(cfg.Server.Data, 0o750); err != nil {
		return fmt.Errorf("data directory: %w", err)
	}
	cert, fp, err := sync.LoadOrCreateCert(filepath.Join(cfg.Server.Data, "tls"), cfg.Server.TLSHosts...)
	if err != nil {
		return err
	}
	raterKey, err := loadSecret(filepath.Join(cfg.Server.Data, "rater-hash.key"), 32)
	if err != nil {
		return err
	}
	srv := server.New(st, &server.Options{Log: log, Fingerprint: fp, RaterKey: raterKey, RegionCode: cfg.City.RegionCode, SecureCookies: cfg.Server.HTTPListen == ""})
	if *addSite != "" {
		p := strings.Split(*addSite, ",")
		if len(p) != 3 {
			return errors.New("--add-site wants ID,NAME,KIND")
		}
		if err := st.AddSite(ctx, p[0], p[1], p[2], cfg.City.RegionCode); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "cityserver: site %s added\n", p[0])
		return nil
	}
	if *code != "" {
		c, err := srv.NewCode(ctx, *code, 24*time.Hour)
		if err != nil {
			return err
		}
		fmt.Fprintln(stdout, c)
		return nil
	}
	pw, err := srv.Bootstrap(ctx, cfg.Auth.AdminUser)
	if err != nil {
		return err
	}
	if pw != "" {
		fmt.Fprintf(stdout, "First start: created administrator %q with one-time password %s\n", cfg.Auth.AdminUser, pw)
	}
	runCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	go st.RunRollup(runCtx, 2*time.Second) // ticket facts for the statistics
	if rep, err := newReporter(cfg, srv, st, log); err != nil {
		return err
	} else if rep != nil {
		go rep.Run(runCtx)
	}
	ln, err := net.Listen("tcp", cfg.Server.Listen)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	hs := &http.Server{Handler: srv, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 2 * time.Minute}
	hs.TLSConfig = tlsConfig(cert)
	errc := make(chan error, 2)
	go func() { errc <- hs.ServeTLS(ln, "", "") }()
	httpAddr := ""
	var phs *http.Server
	if cfg.Server.HTTPListen != "" {
		pln, err := net.Listen("tcp", cfg.Server.HTTPListen)
		if err != nil {
			hs.Close()
			return fmt.Errorf("listen http: %w", err)
		}
		httpAddr = pln.Addr().String()
		phs = &http.Server{Handler: srv, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 2 * time.Minute}
		go func() { errc <- phs.Serve(pln) }()
		fmt.Fprintf(stdout, "cityserver: pages on http://%s/\n", httpAddr)
	}
	log.Info("cityserver: serving", "addr", ln.Addr().String(), "version", version.Version)
	fmt.Fprintf(stdout, "cityserver: serving on https://%s/ (certificate %s…)\n", ln.Addr(), fp[:16])
	sdnotify.Notify("READY=1")
	if ready != nil {
		ready(ln.Addr().String(), httpAddr)
	}
	select {
	case err := <-errc:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	sdnotify.Notify("STOPPING=1")
	cancel()
	sctx, scancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer scancel()
	if phs != nil {
		phs.Shutdown(sctx)
	}
	hs.Shutdown(sctx)
	return nil
}
