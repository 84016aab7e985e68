package main

import (
	"context"
	"log/slog"

	"hallkiosk/city/wire"
	"hallkiosk/hall/uplink"
	"hallkiosk/internal/version"
	"hallkiosk/queue/engine"
)

// startCity starts the uplink to the city when [city] url is set: the
// engine's committed event log, the live queue and the enrolled kiosks
// (their health from sync) go to the city server; state in
// DATA/city-uplink.json (enrol with kioskctl city enrol --data DATA).
// It never holds up issuing or calling.
func startCity(ctx context.Context, eng *engine.Engine, ext *extras, cfg *Config, log *slog.Logger) (func(), error) {
	var kiosks func(context.Context) []wire.Kiosk
	if ext != nil && ext.sync != nil {
		kiosks = uplink.SyncKiosks(ext.sync)
	}
	stop, _, err := uplink.Start(ctx, eng, cfg.Server.Data, cfg.City, kiosks, version.String(), log)
	return stop, err
}
