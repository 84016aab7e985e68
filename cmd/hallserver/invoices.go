package main

import (
	"context"
	"log/slog"
	"net/http"
	"path/filepath"
	"time"

	"hallkiosk/internal/config"
	"hallkiosk/internal/pii"
	"hallkiosk/queue/hallapi"
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

// Validate checks the section.
func (c InvoicesConfig) Validate() error {
	if c.Every < time.Second {
		return &config.Error{Key: "invoices.every", Msg: "at least 1s"}
	}
	return nil
}

// invoicesPrefix is where the desk's routes are mounted.
const invoicesPrefix = "/api/v1/invoices/"

// mountInvoices opens the invoice desk (DATA/invoices.db, ID numbers
// hashed with the hall's PII key), mounts its routes, and starts the feed
// and the purge of pickups older than privacy.personal_data_days. The
// returned function stops them and closes the store.
func mountInvoices(srv *hallapi.Server, cfg *Config, log *slog.Logger) (func() error, error) {
	key, err := loadSecret(keyPath(cfg.Keys.PIIKeyFile, cfg.Server.Data, "pii-hash.key"), 32)
	if err != nil {
		return nil, err
	}
	st, err := invoices.Open(filepath.Join(cfg.Server.Data, "invoices.db"), pii.NewHasher(key))
	if err != nil {
		return nil, err
	}
	var feed invoices.Feed
	name := cfg.Invoices.Feed
	if name == "" && cfg.Server.Demo {
		name = "demo"
	}
	switch name {
	case "":
	case "demo":
		feed = &invoices.DemoFeed{}
	default:
		feed = &invoices.CSVFeed{Path: name}
	}
	srv.Handle(invoicesPrefix, invoices.Handler(st, invoices.HandlerOpts{
		Prefix: invoicesPrefix,
		// As the hall's kiosk routes: a kiosk key, or anyone in a demo hall.
		AllowKiosk:  func(r *http.Request) bool { return srv.DeviceOf(r) != "" || srv.Demo() },
		AllowImport: func(r *http.Request) bool { return srv.HasRole(r, hallapi.RoleTechnician) },
		Log:         log,
	}))
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{}, 2)
	go func() { defer func() { done <- struct{}{} }(); st.RunPurge(ctx, cfg.Privacy.PersonalDataDays, log) }()
	go func() {
		defer func() { done <- struct{}{} }()
		if feed != nil {
			invoices.Sync(ctx, st, feed, cfg.Invoices.Every, log)
		}
	}()
	log.Info("hallserver: invoice desk", "feed", name, "every", cfg.Invoices.Every.String())
	return func() error { cancel(); <-done; <-done; return st.Close() }, nil
}
