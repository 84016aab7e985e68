package main

import (
	"fmt"
	"log/slog"
	"net/http"
	"path/filepath"

	"hallkiosk/queue/engine"
	"hallkiosk/queue/hallapi"
	"hallkiosk/queue/registry"
)

// mountExtras mounts the handlers other packages provide and returns a
// function that closes what it opened.
//
//   - queue/registry (licences, permits, property certificates) under
//     /api/v1/registry/, its store in DATA/registry.db; imports need a
//     technician, supervisor or admin session.
//   - MOUNT POINT for queue/sync under /api/v1/sync/ (sync.Prefix): not
//     wired yet. It needs an adapter from the engine to sync.Hall
//     (ImportEvents → engine.Import, ReserveNumbers → engine.Lease,
//     Document → catalogue/notices, QueueStatus → engine.Status) and the
//     hall TLS certificate whose fingerprint sync.OpenHallSync takes; add
//     srv.Handle(sync.Prefix, sync.NewHallHandler(hs)) here once they exist.
func mountExtras(srv *hallapi.Server, eng *engine.Engine, cfg *Config, log *slog.Logger) (func(), error) {
	reg, err := registry.Open(filepath.Join(cfg.Server.Data, "registry.db"))
	if err != nil {
		return nil, fmt.Errorf("registry: %w", err)
	}
	srv.Handle("/api/v1/registry/", registry.Handler(reg, registry.HandlerOpts{
		Prefix: "/api/v1/registry/",
		AllowWrite: func(r *http.Request) bool {
			return srv.HasRole(r, hallapi.RoleTechnician, hallapi.RoleSupervisor)
		},
		Log: log,
	}))
	return func() { reg.Close() }, nil
}
