package hall

import (
	"context"
	"log/slog"
	"net/http"
	"path/filepath"
	"time"

	"hallkiosk/internal/config"
	"hallkiosk/internal/pii"
	"hallkiosk/queue/invoices"
)

// InvoicesConfig is the [invoices] section: the tax-invoice pickup desk.
type InvoicesConfig struct {
	// Feed is where invoices ready for pickup come from: "" none (imports
	// over the API only; --demo uses demo), "demo" the fictional invoices
	// of the simulated ID cards, or the path of the tax system's CSV export.
	Feed string `ini:"feed"`
	// Every is how often the feed is read.
	Every time.Duration `ini:"every"`
}

// DefaultInvoicesConfig returns the defaults: no feed, read every 10 minutes.
func DefaultInvoicesConfig() InvoicesConfig { return InvoicesConfig{Every: 10 * time.Minute} }

// Validate checks the section.
func (c InvoicesConfig) Validate(section string) error {
	if c.Every < time.Second {
		return &config.Error{Key: section + ".every", Msg: "at least 1s"}
	}
	return nil
}

// invoicesPrefix is where the desk's routes are mounted.
const invoicesPrefix = "/api/v1/invoices/"

// desk is the invoice pickup desk: DATA/invoices.db, ID numbers hashed
// with the hall's PII key, fed from invoices.feed, pickups older than
// privacy.personal_data_days purged.
type desk struct {
	st   *invoices.Store
	feed invoices.Feed
	name string
}

func openDesk(cfg *Config, hasher *pii.Hasher) (*desk, error) {
	st, err := invoices.Open(filepath.Join(cfg.Server.Data, "invoices.db"), hasher)
	if err != nil {
		return nil, err
	}
	d := &desk{st: st, name: cfg.Invoices.Feed}
	if d.name == "" && cfg.Server.Demo {
		d.name = "demo"
	}
	switch d.name {
	case "":
	case "demo":
		d.feed = &invoices.DemoFeed{}
	default:
		d.feed = &invoices.CSVFeed{Path: d.name}
	}
	return d, nil
}

// routes mounts the desk under /api/v1/invoices/.
func (h *Hall) deskRoutes() {
	srv := h.srv
	srv.Handle(invoicesPrefix, invoices.Handler(h.desk.st, invoices.HandlerOpts{
		Prefix: invoicesPrefix,
		// As the hall's kiosk routes: a kiosk key, or anyone in a demo hall.
		AllowKiosk:  func(r *http.Request) bool { return srv.DeviceOf(r) != "" || srv.Demo() },
		AllowImport: func(r *http.Request) bool { return h.allowed(r, technicians) },
		Log:         h.log,
	}))
}

// run reads the feed and purges old pickups until ctx ends.
func (d *desk) run(ctx context.Context, cfg *Config, log *slog.Logger) {
	log.Info("hall: invoice desk", "feed", d.name, "every", cfg.Invoices.Every.String())
	g := group{}
	g.Go(func() { d.st.RunPurge(ctx, cfg.Privacy.PersonalDataDays, log) })
	if d.feed != nil {
		g.Go(func() { invoices.Sync(ctx, d.st, d.feed, cfg.Invoices.Every, log) })
	}
	g.Wait()
}
