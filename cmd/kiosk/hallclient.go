package main

import (
	"context"
	"log/slog"
	"net"
	"net/http"
	"net/url"

	"hallkiosk/kiosk/store"
	qsync "hallkiosk/queue/sync"
)

// hallClient returns the HTTP client for the kiosk's calls to the hall
// (tickets, check-ins, status, registry, invoices). Real-name tickets and
// check-ins by ID card carry the ID number to the hall, so:
//
//   - hall.url https:// on an enrolled kiosk: only the hall certificate
//     pinned at enrolment is trusted (the hall's own self-signed one);
//   - hall.url https:// otherwise: the system's certificate authorities;
//   - hall.url http:// to another machine: works, with a warning in the log
//     that ID numbers travel unencrypted.
func hallClient(ctx context.Context, cfg *Config, st *store.Store, log *slog.Logger) *http.Client {
	u, err := url.Parse(cfg.Hall.URL)
	if err != nil {
		return &http.Client{Timeout: cfg.Hall.Timeout}
	}
	if u.Scheme == "https" {
		if id, err := st.Identity(ctx); err == nil && id.Enrolled() {
			log.Info("kiosk: hall over TLS with the certificate pinned at enrolment", "hall", cfg.Hall.URL)
			return qsync.PinnedClient(id.Pin, cfg.Hall.Timeout)
		}
		return &http.Client{Timeout: cfg.Hall.Timeout}
	}
	if !loopback(u.Hostname()) {
		log.Warn("kiosk: hall.url is plain http: ID numbers of real-name tickets and check-ins travel unencrypted; use the hall's https address (server.tls_listen) after enrolment", "hall", cfg.Hall.URL)
	}
	return &http.Client{Timeout: cfg.Hall.Timeout}
}

func loopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
