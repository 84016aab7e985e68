// Command devsim runs device simulators on pseudo-terminals: each simulator
// speaks the same bytes as the real device, so kiosk and kioskctl run their
// real serial code against it.
//
// For every simulator devsim creates a pty, links DIR/<name> to its slave
// path (a stable path for configs), prints "name path" lines and writes the
// map as JSON to DIR/devsim.json. An HTTP control endpoint on loopback lets
// tests and the demo act on the devices (lay a card, scan a code, press an
// evaluator key); see each simulator's file for its routes.
//
// Simulators live in their own files and register themselves in init.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"syscall"
	"time"

	"hallkiosk/drivers/serialtest"
	"hallkiosk/internal/logging"
)

// sim is one simulated device.
type sim struct {
	name    string
	summary string
	// run plays the device on port until ctx ends. It must return promptly
	// after ctx is done; devsim waits at most 2 s for it on shutdown.
	run func(ctx context.Context, port io.ReadWriter, env *simEnv) error
}

// simEnv is what a simulator gets from devsim.
type simEnv struct {
	Log *slog.Logger
	// Dir is the simulator's own output directory (DIR/<name>), e.g. for
	// printed jobs.
	Dir string
	// Mux is the control HTTP mux; simulators add routes under /<name>/.
	Mux *http.ServeMux
}

var sims = map[string]*sim{}

func registerSim(s *sim) {
	if _, dup := sims[s.name]; dup {
		panic("devsim: duplicate simulator " + s.name)
	}
	sims[s.name] = s
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "devsim: "+err.Error())
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("devsim", flag.ContinueOnError)
	fs.SetOutput(stderr)
	dir := fs.String("dir", "var/dev", "directory for pty links, devsim.json and simulator output")
	only := fs.String("only", "", "comma-separated simulators to run (default: all)")
	control := fs.String("control", "127.0.0.1:7090", "loopback address of the control HTTP endpoint (empty: off)")
	level := fs.String("log-level", "info", "log level")
	list := fs.Bool("list", false, "list the simulators and exit")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *list {
		for _, n := range sortedNames() {
			fmt.Fprintf(stdout, "%-10s %s\n", n, sims[n].summary)
		}
		return nil
	}
	log := logging.New(stderr, *level)
	names := sortedNames()
	if *only != "" {
		names = nil
		for _, n := range strings.Split(*only, ",") {
			n = strings.TrimSpace(n)
			if _, ok := sims[n]; !ok {
				return fmt.Errorf("unknown simulator %q (have %s)", n, strings.Join(sortedNames(), ", "))
			}
			names = append(names, n)
		}
	}
	if err := os.MkdirAll(*dir, 0o755); err != nil {
		return err
	}
	mux := http.NewServeMux()
	paths := map[string]string{}
	var wg sync.WaitGroup
	var ptys []*serialtest.PTY
	defer func() {
		for _, p := range ptys {
			p.Close()
		}
		// Closing a pty master does not always wake a simulator blocked in
		// Read while a client still holds the slave open; don't let that
		// hold up shutdown.
		done := make(chan struct{})
		go func() { wg.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(2 * time.Second):
			log.Warn("simulators did not stop within 2 s; exiting anyway")
		}
	}()
	sctx, cancel := context.WithCancel(ctx)
	defer cancel()
	for _, n := range names {
		p, err := serialtest.OpenPTY()
		if err != nil {
			return err
		}
		ptys = append(ptys, p)
		link := filepath.Join(*dir, n)
		_ = os.Remove(link)
		if err := os.Symlink(p.SlavePath, link); err != nil {
			return err
		}
		abs, _ := filepath.Abs(link)
		paths[n] = abs
		env := &simEnv{Log: log.With("sim", n), Dir: filepath.Join(*dir, n+".out"), Mux: mux}
		if err := os.MkdirAll(env.Dir, 0o755); err != nil {
			return err
		}
		s := sims[n]
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := s.run(sctx, p.Master, env); err != nil && sctx.Err() == nil {
				env.Log.Error("simulator stopped", "err", err)
			}
		}()
		fmt.Fprintf(stdout, "%s %s\n", n, abs)
	}
	if *control != "" {
		ln, err := net.Listen("tcp", *control)
		if err != nil {
			return fmt.Errorf("control endpoint: %w", err)
		}
		paths["control"] = "http://" + ln.Addr().String()
		srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
		go func() {
			if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
				log.Error("control endpoint", "err", err)
			}
		}()
		defer srv.Close()
		fmt.Fprintf(stdout, "control %s\n", paths["control"])
	}
	b, _ := json.MarshalIndent(paths, "", "  ")
	if err := os.WriteFile(filepath.Join(*dir, "devsim.json"), append(b, '\n'), 0o644); err != nil {
		return err
	}
	log.Info("simulators running", "count", len(names), "dir", *dir)
	<-ctx.Done()
	cancel()
	return nil
}

func sortedNames() []string {
	out := make([]string, 0, len(sims))
	for n := range sims {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}
