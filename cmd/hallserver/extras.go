package main

import (
	"log/slog"

	"hallkiosk/queue/engine"
	"hallkiosk/queue/hallapi"
)

// mountExtras mounts the handlers other packages provide.
//
// MOUNT POINT for queue/sync (kiosk ↔ hall sync, under /api/v1/sync/) and
// queue/registry (licence registry, under /api/v1/registry/): wire them
// here with srv.Handle("/api/v1/sync/", ...) and
// srv.Handle("/api/v1/registry/", ...) once an adapter from the engine to
// their interfaces exists.
func mountExtras(srv *hallapi.Server, eng *engine.Engine, cfg *Config, log *slog.Logger) {
}
