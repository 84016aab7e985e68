package main

import (
	"context"
	"encoding/json"
	"strings"
	"time"

	"hallkiosk/city/wire"
	"hallkiosk/hall/uplink"
	"hallkiosk/internal/version"
	"hallkiosk/queue/engine"
)

// startCity starts a standalone box's uplink to the city when [city] url
// is set: the embedded engine's event log and live queue, and the box
// itself as the site's one kiosk (its device checks), go to the city
// server; state in kiosk.data_dir/city-uplink.json (enrol with kioskctl
// city enrol --data DIR). Issuing never waits for it.
func startCity(ctx context.Context, k *kiosk, e *engine.Engine) error {
	self := func(ctx context.Context) []wire.Kiosk {
		me := wire.Kiosk{Device: k.cfg.Kiosk.DeviceID, Name: k.cfg.Kiosk.HallName, Software: version.String(), Online: true, LastHeard: time.Now().UnixMilli()}
		checks := k.health.Health(ctx)
		if b, err := json.Marshal(checks); err == nil && len(b) <= wire.MaxDetail {
			me.Health = string(b)
		}
		for _, c := range checks {
			if !c.OK {
				me.Faulty = true
				if strings.Contains(strings.ToLower(c.Name), "printer") && strings.Contains(strings.ToLower(c.Detail), "paper") {
					me.PaperOut = true
				}
			}
		}
		return []wire.Kiosk{me}
	}
	stop, _, err := uplink.Start(ctx, e, k.cfg.Kiosk.DataDir, k.cfg.City, self, version.String(), k.log)
	if err != nil {
		return err
	}
	k.closers = append(k.closers, stop)
	return nil
}
