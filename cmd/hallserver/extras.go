package main

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"path/filepath"
	"time"

	"hallkiosk/queue/engine"
	"hallkiosk/queue/hallapi"
	"hallkiosk/queue/registry"
	qsync "hallkiosk/queue/sync"
)

// extras holds what mountExtras opened.
type extras struct {
	tls     *tls.Config // the hall certificate kiosks pin (server.tls_listen)
	sync    *qsync.HallSync
	closers []func() error
}

func (x *extras) close() {
	for _, c := range x.closers {
		c()
	}
}

// mountExtras mounts the handlers other packages provide, and starts the
// hourly purge of personal data older than privacy.personal_data_days:
//
//   - queue/sync (kiosk ↔ hall sync) under /api/v1/sync/, backed by the
//     engine through sync.EngineHall; its state in DATA/sync.db and the
//     hall's TLS certificate (which enrolment codes carry for the kiosk to
//     pin) in DATA/hall.crt, DATA/hall.key. Enrolment codes:
//     POST /api/v1/devices/enrol {"name","ttl"} (admin or technician);
//     devices: GET /api/v1/devices; device list, enrolment codes,
//     revocation and security events for technicians and admins under
//     /api/v1/admin/sync/ (sync.NewAdminHandler).
//   - queue/registry (licences, permits, property certificates) under
//     /api/v1/registry/, its store in DATA/registry.db; imports need a
//     technician, supervisor or admin session.
//   - queue/invoices (the tax-invoice pickup desk) under /api/v1/invoices/,
//     its store in DATA/invoices.db, fed from invoices.feed (invoices.go).
func mountExtras(srv *hallapi.Server, eng *engine.Engine, cfg *Config, log *slog.Logger) (*extras, error) {
	x := &extras{}
	pctx, stopPurge := context.WithCancel(context.Background())
	purged := make(chan struct{})
	go func() { defer close(purged); eng.RunPurge(pctx, cfg.Privacy.PersonalDataDays) }()
	lapsed := make(chan struct{}) // reservations kiosks never confirmed printed lapse
	go func() { defer close(lapsed); eng.RunReservations(pctx, 0) }()
	x.closers = append(x.closers, func() error { stopPurge(); <-purged; <-lapsed; return nil })
	reg, err := registry.Open(filepath.Join(cfg.Server.Data, "registry.db"))
	if err != nil {
		return nil, fmt.Errorf("registry: %w", err)
	}
	x.closers = append(x.closers, reg.Close)
	closeInvoices, err := mountInvoices(srv, cfg, log)
	if err != nil {
		x.close()
		return nil, fmt.Errorf("invoices: %w", err)
	}
	x.closers = append(x.closers, closeInvoices)
	regH := registry.Handler(reg, registry.HandlerOpts{
		Prefix: "/api/v1/registry/",
		AllowWrite: func(r *http.Request) bool {
			return srv.HasRole(r, hallapi.RoleTechnician)
		},
		Log: log,
	})
	// The whole registry (export: every licence and certificate) and its
	// imports are for technicians and admins (and kiosks, whose caches
	// fetch the export with their device key); lookups of one record stay
	// open to the hall's kiosks and pages.
	srv.Handle("/api/v1/registry/", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/api/v1/registry/export":
			if srv.DeviceOf(r) == "" && !srv.HasRole(r, hallapi.RoleTechnician) {
				writeErr(w, http.StatusForbidden, "forbidden", "没有权限")
				return
			}
		case "/api/v1/registry/import":
			if !srv.HasRole(r, hallapi.RoleTechnician) {
				writeErr(w, http.StatusForbidden, "forbidden", "没有权限")
				return
			}
		}
		regH.ServeHTTP(w, r)
	}))

	cert, fp, err := qsync.LoadOrCreateCert(cfg.Server.Data, cfg.Server.TLSHosts...)
	if err != nil {
		x.close()
		return nil, err
	}
	x.tls = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	hs, err := qsync.OpenHallSync(filepath.Join(cfg.Server.Data, "sync.db"), qsync.NewEngineHall(eng, log), fp,
		&qsync.HallOptions{Log: log, Zone: eng.Location(), Lease: cfg.Sync.Lease, HallName: eng.Catalog().Hall.Name})
	if err != nil {
		x.close()
		return nil, err
	}
	x.closers = append(x.closers, hs.Close)
	x.sync = hs // also the kiosk list the city uplink reports (city.go)
	srv.Handle(qsync.Prefix, qsync.NewHallHandler(hs))
	adm := qsync.NewAdminHandler(hs)
	srv.Handle("/api/v1/admin/sync/", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !srv.HasRole(r, hallapi.RoleTechnician) {
			writeErr(w, http.StatusForbidden, "forbidden", "没有权限")
			return
		}
		adm.ServeHTTP(w, r)
	}))
	srv.Handle("POST /api/v1/devices/enrol", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !srv.HasRole(r, hallapi.RoleTechnician) {
			writeErr(w, http.StatusForbidden, "forbidden", "没有权限")
			return
		}
		var req struct {
			Name string `json:"name"`
			TTL  string `json:"ttl"`
		}
		if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 4096)).Decode(&req); err != nil || req.Name == "" {
			writeErr(w, http.StatusBadRequest, "invalid", "请求有误")
			return
		}
		ttl := time.Hour
		if req.TTL != "" {
			if d, err := time.ParseDuration(req.TTL); err == nil && d > 0 && d <= 7*24*time.Hour {
				ttl = d
			}
		}
		code, err := hs.IssueEnrolmentCode(r.Context(), req.Name, ttl)
		if err != nil {
			log.Error("hallserver: enrolment code", "err", err)
			writeErr(w, http.StatusInternalServerError, "unavailable", "系统繁忙，请稍后再试")
			return
		}
		writeJSON(w, http.StatusCreated, map[string]any{"code": code, "expires_in": ttl.String(), "fingerprint": fp})
	}))
	srv.Handle("GET /api/v1/devices", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !srv.HasRole(r, hallapi.RoleTechnician) {
			writeErr(w, http.StatusForbidden, "forbidden", "没有权限")
			return
		}
		ds, err := hs.Devices(r.Context())
		if err != nil {
			writeErr(w, http.StatusInternalServerError, "unavailable", "系统繁忙，请稍后再试")
			return
		}
		writeJSON(w, http.StatusOK, ds)
	}))
	return x, nil
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(code)
	json.NewEncoder(w).Encode(v)
}

func writeErr(w http.ResponseWriter, status int, code, msg string) {
	writeJSON(w, status, map[string]map[string]string{"error": {"code": code, "message": msg}})
}
