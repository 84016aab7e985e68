// Command kiosk is the touchscreen self-service kiosk: take a ticket (with
// or without the ID card), appointment check-in, licence and certificate
// scan, 好差评 rating, 24-hour tax invoice pickup, and a maintenance mode
// behind a corner gesture and a PIN. See docs/KIOSK.md.
//
//	kiosk [--config FILE] [--sim] [--standalone] [--headless]
//
// --sim takes the devices from the simulators' links under kiosk.sim_dir
// (var/dev, made by devsim); --standalone runs the hall queue engine inside
// the kiosk (township shape) instead of asking the hall server; --headless
// runs the flows without a window (CI, demo without a display).
//
// The process tells systemd READY=1 once the home screen is up and pings
// the watchdog only while the UI loop answers, so a frozen screen is
// restarted.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
	"time"

	"hallkiosk/internal/config"
	"hallkiosk/internal/logging"
	"hallkiosk/internal/sdnotify"
	"hallkiosk/internal/version"
	"hallkiosk/kiosk/flow"
)

// demoPIN is the maintenance PIN of the example configuration.
const demoPIN = "2468"

// started is when the process began, for the cold-start figure.
var started = time.Now()

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "kiosk: "+err.Error())
		os.Exit(1)
	}
}

// options are the command-line flags.
type options struct {
	config     string
	sim        bool
	standalone bool
	headless   bool
	version    bool
}

func parseFlags(args []string, stderr io.Writer) (*options, error) {
	fs := flag.NewFlagSet("kiosk", flag.ContinueOnError)
	fs.SetOutput(stderr)
	o := &options{}
	fs.StringVar(&o.config, "config", "", "configuration file (see deploy/kiosk.conf.example); empty: built-in defaults")
	fs.BoolVar(&o.sim, "sim", false, "use the device simulators' links under kiosk.sim_dir (devsim)")
	fs.BoolVar(&o.standalone, "standalone", false, "run the hall queue engine inside the kiosk (overrides kiosk.standalone)")
	fs.BoolVar(&o.headless, "headless", false, "run the flows without a window")
	fs.BoolVar(&o.version, "version", false, "print the version and exit")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	return o, nil
}

// loadConfig reads the file over the defaults and applies the flags.
func loadConfig(o *options) (*Config, error) {
	cfg := defaults()
	// --standalone holds while the file is read too, so that the file's
	// standalone-only sections ([display], [evaluator]) are checked as
	// such.
	cfg.Kiosk.Standalone = o.standalone
	if o.config != "" {
		if err := config.Load(o.config, cfg, false); err != nil {
			return nil, err
		}
	}
	if o.standalone {
		cfg.Kiosk.Standalone = true
	}
	if o.sim {
		dir := cfg.Kiosk.SimDir
		cfg.Printer.Port, cfg.IDCard.Port, cfg.Scanner.Port = dir+"/printer", dir+"/idcard", dir+"/scanner"
	}
	return cfg, cfg.Validate()
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	o, err := parseFlags(args, stderr)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return err
	}
	if o.version {
		fmt.Fprintln(stdout, "kiosk", version.Version)
		return nil
	}
	cfg, err := loadConfig(o)
	if err != nil {
		return err // names the key and line; the kiosk refuses to start
	}
	logs := newRing(200)
	log := slog.New(slog.NewMultiHandler(logging.New(stderr, cfg.Kiosk.LogLevel).Handler(),
		logging.New(logs, cfg.Kiosk.LogLevel).Handler()))
	log.Info("kiosk starting", "version", version.Version, "device", cfg.Kiosk.DeviceID,
		"standalone", cfg.Kiosk.Standalone, "sim", o.sim, "headless", o.headless)

	if cfg.Maintenance.PIN == demoPIN {
		log.Warn("kiosk maintenance PIN is the demo PIN from deploy/kiosk.conf.example; set maintenance.pin")
	}
	if cfg.Kiosk.Control != "" && !o.sim {
		log.Warn("kiosk control endpoint is on outside --sim: local processes can drive the screens; empty kiosk.control in production")
	}
	k, err := assemble(ctx, cfg, log, logs)
	if err != nil {
		return err
	}
	defer k.Close()
	if cfg.Kiosk.Control != "" {
		stopControl, err := serveControl(ctx, cfg.Kiosk.Control, k.flow, log)
		if err != nil {
			return err
		}
		defer stopControl()
	}

	if o.headless {
		return runHeadless(ctx, k, log)
	}
	return runUI(ctx, k, cfg, log)
}

// runHeadless runs the flows without a window until ctx ends.
func runHeadless(ctx context.Context, k *kiosk, log *slog.Logger) error {
	go k.refreshLoop(ctx)
	st := k.flow.State()
	log.Info("kiosk up (headless)", "screen", st.Screen.String(), "zones", len(st.Zones),
		"startup_ms", time.Since(started).Milliseconds())
	_, _ = sdnotify.Notify("READY=1")
	go sdnotify.Watchdog(ctx, func() bool { return flowAlive(k.flow) })
	<-ctx.Done()
	_, _ = sdnotify.Notify("STOPPING=1")
	log.Info("kiosk stopping")
	return nil
}

// flowAlive reports whether the flow's lock can be taken within a second
// (a deadlocked flow stops the watchdog pings).
func flowAlive(f *flow.Flow) bool {
	done := make(chan struct{})
	go func() { f.State(); close(done) }()
	select {
	case <-done:
		return true
	case <-time.After(time.Second):
		return false
	}
}
