package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"

	"hallkiosk/printer"
	"hallkiosk/printer/escpos"
)

func init() {
	register("printer status", "poll a ticket printer's status (--port P [--baud N] [--json])", runPrinterStatus)
}

const printerPortHelp = "printer: serial path, usb:VID:PID[:SERIAL], /dev/usb/lpN or tcp://HOST[:9100]"

// openPrinter opens the printer named by spec with profile prof.
func openPrinter(ctx context.Context, spec string, baud int, prof escpos.Profile, timeout time.Duration) (*printer.Printer, error) {
	var conn printer.Conn
	var err error
	switch {
	case spec == "":
		return nil, usageError("--port is required (%s)", printerPortHelp)
	case strings.HasPrefix(spec, "tcp://"), strings.HasPrefix(spec, "/dev/usb/lp"):
		conn, err = printer.Open(ctx, spec, baud)
	default:
		p, perr := devOpenPort(spec, baud)
		if perr != nil {
			return nil, perr
		}
		if conn, err = printer.SerialConn(p); err != nil {
			p.Close()
		}
	}
	if err != nil {
		return nil, err
	}
	return printer.New(conn, &printer.Opts{Profile: prof, StatusTimeout: timeout}), nil
}

// statusJSON is the --json form of a printer status.
type statusJSON struct {
	Reachable    bool   `json:"reachable"`
	Ready        bool   `json:"ready"`
	Problem      string `json:"problem,omitempty"`
	Summary      string `json:"summary"`
	Offline      bool   `json:"offline"`
	CoverOpen    bool   `json:"cover_open"`
	PaperNearEnd bool   `json:"paper_near_end"`
	PaperOut     bool   `json:"paper_out"`
	CutterError  bool   `json:"cutter_error"`
}

func runPrinterStatus(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("printer status", stderr)
	port := fs.String("port", "", printerPortHelp)
	baud := fs.Int("baud", printer.DefaultBaud, "baud rate (serial)")
	asJSON := fs.Bool("json", false, "print one JSON object")
	timeout := fs.Duration("timeout", time.Second, "how long to wait for the status reply")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageError("printer status takes no arguments")
	}
	p, err := openPrinter(ctx, *port, *baud, escpos.Profiles[escpos.DefaultProfile], *timeout)
	if err != nil {
		return err
	}
	defer p.Close()
	st, err := p.Status(ctx)
	if err != nil {
		return fmt.Errorf("printer status: %w", err)
	}
	if *asJSON {
		return json.NewEncoder(stdout).Encode(statusJSON{Reachable: true, Ready: st.Ready(), Problem: st.Problem(),
			Summary: st.String(), Offline: st.Offline, CoverOpen: st.CoverOpen, PaperNearEnd: st.PaperNearEnd,
			PaperOut: st.PaperOut, CutterError: st.CutterError})
	}
	if st.Ready() {
		fmt.Fprintf(stdout, "ready (%s)\n", st)
	} else {
		fmt.Fprintf(stdout, "not ready: %s (%s)\n", st.Problem(), st)
	}
	return nil
}
