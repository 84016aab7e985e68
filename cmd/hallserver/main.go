// Command hallserver is a service hall's queue authority: it numbers and
// calls tickets, serves the HTTP API, the staff caller page, the display
// board and the booking page, kiosks' sync, and drives the hall's displays,
// voice and evaluator pads. The hall itself is assembled by package hall
// (which a township box's kiosk --standalone runs too); this command reads
// the flags and the file and runs it. See docs/API.md and
// deploy/hallserver.conf.example.
//
//	hallserver [--config FILE] [--data DIR] [--listen ADDR] [--demo]
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"hallkiosk/drivers/voice"
	hallpkg "hallkiosk/hall"
	"hallkiosk/internal/config"
	"hallkiosk/internal/logging"
	"hallkiosk/internal/sdnotify"
	"hallkiosk/internal/version"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr, nil); err != nil {
		fmt.Fprintln(os.Stderr, "hallserver:", err)
		os.Exit(1)
	}
}

// wrapCalloutSink, when set (benchmarks), wraps the voice output to time
// the first sample of each announcement.
var wrapCalloutSink func(voice.Sink) voice.Sink

// readyFunc is called with the listening address once the server serves
// (tests use it).
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
	cfg := hallpkg.DefaultConfig()
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
	if cfg.Server.Listen == "" {
		return &config.Error{File: *cfgPath, Key: "server.listen", Msg: "want host:port"}
	}
	log := logging.New(stderr, cfg.Server.LogLevel)
	h, err := hallpkg.Open(ctx, *cfg, hallpkg.Opts{Log: log, Out: stdout, WrapSink: wrapCalloutSink})
	if err != nil {
		return err
	}
	defer h.Close()
	if a := h.TLSAddr(); a != nil {
		log.Info("hallserver: serving TLS", "addr", a.String())
		fmt.Fprintf(stdout, "hallserver: TLS (kiosk sync) on https://%s\n", a)
	}
	log.Info("hallserver: serving", "addr", h.Addr().String(), "version", version.Version, "demo", cfg.Server.Demo)
	fmt.Fprintf(stdout, "hallserver: serving on http://%s (caller /caller, display /display, booking /booking)\n", h.Addr())
	runCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	errc := make(chan error, 1)
	go func() { errc <- h.Run(runCtx) }()
	sdnotify.Notify("READY=1")
	go sdnotify.Watchdog(runCtx, h.Healthy)
	if ready != nil {
		ready(h.Addr().String())
	}
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	sdnotify.Notify("STOPPING=1")
	log.Info("hallserver: stopping")
	cancel()
	return <-errc
}
