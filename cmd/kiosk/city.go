package main

import (
	"context"
	"encoding/json"
	"strings"
	"time"

	"hallkiosk/city/wire"
	"hallkiosk/internal/version"
)

// cityKiosks is what a standalone box's uplink ([city] url, run by its
// hall: state in kiosk.data_dir/city-uplink.json, enrol with kioskctl city
// enrol --data DIR) reports as the site's kiosks: the box itself, with
// its device checks. Issuing never waits for the uplink.
func (k *kiosk) cityKiosks(ctx context.Context) []wire.Kiosk {
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
