package uplink

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log/slog"
	"path/filepath"
	"strings"
	"time"

	"hallkiosk/city/wire"
	"hallkiosk/internal/config"
	"hallkiosk/queue/catalog"
	"hallkiosk/queue/engine"
	qsync "hallkiosk/queue/sync"
)

// Config is the [city] section of a hall server's or a township box's
// configuration: with url set (and the site enrolled: kioskctl city
// enrol), the site reports to the city.
type Config struct {
	// URL is the city server, https://host:port; empty: no reporting.
	URL string `ini:"url"`
	// Interval between pushes when caught up (default 10s).
	Interval time.Duration `ini:"interval"`
	// Batch is the number of events per push (default and at most 5000).
	Batch int `ini:"batch"`
}

// Validate checks the section; section is its name for errors ("city").
func (c *Config) Validate(section string) error {
	if c.URL != "" && !strings.HasPrefix(c.URL, "https://") {
		return &config.Error{Key: section + ".url", Msg: "want https://host:port of the city server"}
	}
	if c.Interval != 0 && c.Interval < time.Second {
		return &config.Error{Key: section + ".interval", Msg: "at least 1s"}
	}
	if c.Batch < 0 || c.Batch > wire.MaxEvents {
		return &config.Error{Key: section + ".batch", Msg: fmt.Sprintf("want 0..%d", wire.MaxEvents)}
	}
	return nil
}

// StateFile is the uplink's state file in a site's data directory.
const StateFile = "city-uplink.json"

// StatePath returns the state file of data directory dir.
func StatePath(dir string) string { return filepath.Join(dir, StateFile) }

// Start runs the uplink of engine e when cfg.URL is set: state in
// dataDir, status from the engine plus kiosks (may be nil). It returns a
// stop function that waits for the loop to end; with no URL it does
// nothing. An unenrolled site logs once and waits for enrolment.
func Start(ctx context.Context, e *engine.Engine, dataDir string, cfg Config, kiosks func(context.Context) []wire.Kiosk, software string, log *slog.Logger) (func(), *Uplink, error) {
	if cfg.URL == "" {
		return func() {}, nil, nil
	}
	status := EngineStatus(e)
	var u *Uplink
	u, err := New(EngineSource{Engine: e}, &Options{StatePath: StatePath(dataDir), Log: log, Interval: cfg.Interval, BatchSize: cfg.Batch, Software: software,
		ApplyCatalog: func(ctx context.Context, c *catalog.Catalog) error {
			return e.SetCatalog(ctx, c, engine.Actor{Name: "city"})
		},
		Status: func(ctx context.Context) *wire.Status {
			st := status(ctx)
			st.Software = software
			st.CatalogVersion = CatalogVersion(e)
			if u != nil {
				if v := u.CatalogVersion(); v != "" {
					st.CatalogVersion = v
				}
			}
			if kiosks != nil {
				st.Kiosks = kiosks(ctx)
				for _, k := range st.Kiosks {
					if k.Online {
						st.KiosksOnline++
					}
					if k.Faulty || k.PaperOut {
						st.KiosksFaulty++
					}
				}
			}
			return st
		}})
	if err != nil {
		return nil, nil, err
	}
	u.mu.Lock()
	u.cityURL = strings.TrimRight(cfg.URL, "/")
	if u.st.Enrolled() {
		// The configured address wins; the pinned certificate stays.
		u.st.City = u.cityURL
	}
	enrolled := u.st.Enrolled()
	u.mu.Unlock()
	if !enrolled && log != nil {
		log.Warn("uplink: city.url is set but this site is not enrolled: run kioskctl city enrol --city URL --code CODE")
	}
	rctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { defer close(done); u.Run(rctx) }()
	return func() { cancel(); <-done }, u, nil
}

// CatalogVersion names the catalogue a site runs: the first 12 hex digits
// of the SHA-256 of its JSON (the same catalogue gives the same version at
// every site).
func CatalogVersion(e *engine.Engine) string {
	b, err := json.Marshal(e.Catalog())
	if err != nil {
		return ""
	}
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:6])
}

// SyncKiosks lists the kiosks enrolled with the hall's sync (queue/sync)
// as the city's fleet page shows them: online when seen in the last two
// minutes; faulty when a health check failed; paper out when the printer
// check says so. The health report is the kiosk's list of device checks
// ({"name","ok","detail"}).
func SyncKiosks(hs *qsync.HallSync) func(context.Context) []wire.Kiosk {
	return func(ctx context.Context) []wire.Kiosk {
		devs, err := hs.Devices(ctx)
		if err != nil {
			return nil
		}
		out := make([]wire.Kiosk, 0, len(devs))
		for _, d := range devs {
			if d.Revoked {
				continue
			}
			k := wire.Kiosk{Device: d.ID, Name: clip(d.Name, wire.MaxField), Software: clip(d.Software, wire.MaxField),
				Online: time.Since(d.LastSeen) < 2*time.Minute, Health: clip(string(d.Health), wire.MaxDetail)}
			if !d.LastSeen.IsZero() {
				k.LastHeard = d.LastSeen.UnixMilli()
			}
			var checks []struct {
				Name   string
				OK     bool
				Detail string
			}
			if json.Unmarshal(d.Health, &checks) == nil {
				for _, c := range checks {
					if !c.OK {
						k.Faulty = true
						if strings.Contains(strings.ToLower(c.Name), "printer") && strings.Contains(strings.ToLower(c.Detail), "paper") {
							k.PaperOut = true
						}
					}
				}
			}
			out = append(out, k)
		}
		return out
	}
}
