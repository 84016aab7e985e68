package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"hallkiosk/kiosk/flow"
	"hallkiosk/kiosk/i18n"
)

// The control endpoint (kiosk.control, loopback only, off by default) lets
// scripts drive the flows of a kiosk without touching the screen: the demo
// and CI run a headless kiosk through it, and the screenshot script walks
// every screen. Targets are the names the screens give their buttons: the
// flow's action vocabulary (flow.ActionKind, flow.ParseAction).
//
//	GET  /state                 the session state (no personal data: names are masked);
//	                            besides the screen: online (the hall answered), hall_open,
//	                            reopen and lunch (when the hall opens again, hall-local),
//	                            printer ("ok", "paper", "fault"), reader_fault, countdown
//	                            (seconds before the idle timeout, its last 10), take_card
//	                            (请取回身份证 shown) and text (the message as shown)
//	POST /tap?target=NAME       press a button, e.g. zone:tax, service:tax-filing, home, skip,
//	                            retry, cancel, appointment, scan, rate, rate:4, reason:reason.wait,
//	                            submit, invoice, invoice:0, collect, lang, elder, corner,
//	                            pin:1 .. pin:9, pin:0, pin:ok, pin:clear, maint.testprint, exit
func serveControl(ctx context.Context, addr string, f *flow.Flow, log *slog.Logger) (func(), error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("kiosk.control: %w", err)
	}
	srv := &http.Server{Handler: controlHandler(f), ReadHeaderTimeout: 5 * time.Second}
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Error("kiosk control endpoint failed", "err", err)
		}
	}()
	log.Info("kiosk control endpoint", "addr", ln.Addr().String())
	return func() {
		sctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		_ = srv.Shutdown(sctx)
	}, nil
}

// controlHandler serves GET /state and POST /tap for f.
func controlHandler(f *flow.Flow) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /state", func(w http.ResponseWriter, r *http.Request) {
		writeState(w, f.State())
	})
	mux.HandleFunc("POST /tap", func(w http.ResponseWriter, r *http.Request) {
		target := r.URL.Query().Get("target")
		if err := tap(f, target); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		writeState(w, f.State())
	})
	return mux
}

// stateView is the JSON form of the state for scripts.
type stateView struct {
	Screen     string   `json:"screen"`
	Lang       string   `json:"lang"`
	Elder      bool     `json:"elder"`
	Message    string   `json:"message,omitempty"`
	Ticket     string   `json:"ticket,omitempty"`
	Service    string   `json:"service,omitempty"`
	Ahead      int      `json:"ahead"`
	Person     string   `json:"person,omitempty"` // masked
	Document   string   `json:"document,omitempty"`
	Invoices   int      `json:"invoices,omitempty"`
	RateTicket string   `json:"rate_ticket,omitempty"`
	Output     []string `json:"maintenance_output,omitempty"`
	Online     bool     `json:"online"`
	Seq        uint64   `json:"seq"`
	// Added by issue 12 (fields are only ever added).
	HallOpen    bool   `json:"hall_open"`
	Reopen      string `json:"reopen,omitempty"` // RFC 3339, hall-local
	Lunch       bool   `json:"lunch,omitempty"`
	Printer     string `json:"printer"`
	ReaderFault bool   `json:"reader_fault,omitempty"`
	Countdown   int    `json:"countdown,omitempty"`
	TakeCard    bool   `json:"take_card,omitempty"`
	Text        string `json:"text,omitempty"`
}

func writeState(w http.ResponseWriter, s flow.State) {
	v := stateView{Screen: s.Screen.String(), Lang: s.Lang.String(), Elder: s.Elder, Message: s.Message,
		Ticket: s.Ticket.Number, Service: s.Ticket.Service, Ahead: s.Ticket.Ahead, Person: s.Person,
		Document: s.Document.Title, Invoices: len(s.Invoices), RateTicket: s.RateTicket, Output: s.MaintOutput,
		Online: s.Hall.Online, Seq: s.Seq,
		HallOpen: s.Hall.Open, Lunch: s.Lunch, Printer: s.Faults.Printer.String(), ReaderFault: s.Faults.Reader,
		Countdown: s.Countdown, TakeCard: s.TakeCard}
	if !s.Reopen.IsZero() {
		v.Reopen = s.Reopen.Format(time.RFC3339)
	}
	if s.Message != "" {
		v.Text = s.Lang.T(s.Message)
		if len(s.Args) > 0 && i18n.Has(s.Message+".at") {
			v.Text += " " + s.Lang.T(s.Message+".at", s.Args...)
		} else if len(s.Args) > 0 {
			v.Text = s.Lang.T(s.Message, s.Args...)
		}
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}

// tap performs the button named target: the flow's action of that name
// (flow.ParseAction). An action the current screen does not allow changes
// nothing and is not an error (the reply is the unchanged state).
func tap(f *flow.Flow, target string) error {
	a, err := flow.ParseAction(target)
	if err != nil {
		return err
	}
	if err := f.Do(a); err != nil && !errors.Is(err, flow.ErrNotAllowed) {
		return err
	}
	return nil
}
