package main

import (
	"log/slog"
	"net/http"

	"hallkiosk/city/report"
	"hallkiosk/city/server"
	"hallkiosk/city/store"
)

// newReporter returns the configured 好差评 delivery loop, nil for none.
func newReporter(cfg *Config, srv *server.Server, st *store.Store, log *slog.Logger) (*report.Loop, error) {
	var rep report.Reporter
	switch cfg.Reporter.Kind {
	case "file":
		rep = &report.FileDrop{Dir: cfg.Reporter.Dir}
	case "http":
		rep = &report.HTTPPost{URL: cfg.Reporter.URL, Client: &http.Client{Timeout: cfg.Reporter.Timeout}}
	default:
		return nil, nil
	}
	return &report.Loop{St: st, Srv: srv, Rep: rep, Log: log, Interval: cfg.Reporter.Interval}, nil
}
