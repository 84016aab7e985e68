package main

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"

	"hallkiosk/hall"
	"hallkiosk/internal/config"
	"hallkiosk/kiosk/flow"
	"hallkiosk/kiosk/flow/adapters"
	"hallkiosk/queue/invoices"
	"hallkiosk/queue/registry"
)

// openRegistry opens the licence registry: a standalone box's hall's
// registry (DATA/registry.db), or a local database when registry.import
// is set in a hall without a registry, each loaded from registry.import
// when set; the hall's registry API with an offline cache otherwise.
func openRegistry(ctx context.Context, cfg *Config, box *hall.Hall, hc *http.Client, log *slog.Logger) (adapters.RegistryLookup, error) {
	var st *registry.Store
	switch {
	case box != nil:
		st = box.Registry()
	case cfg.Registry.Import != "":
		var err error
		if st, err = registry.Open(filepath.Join(cfg.Kiosk.DataDir, "registry.db")); err != nil {
			return adapters.RegistryLookup{}, fmt.Errorf("registry.import: %w", err)
		}
	default:
		c, err := registry.OpenCache(filepath.Join(cfg.Kiosk.DataDir, "registry-cache.db"))
		if err != nil {
			return adapters.RegistryLookup{}, err
		}
		return adapters.RegistryLookup{Client: &registry.Client{Base: strings.TrimSuffix(cfg.Hall.URL, "/") + "/api/v1/registry/",
			HTTP: hc, Cache: c}}, nil
	}
	if cfg.Registry.Import == "" {
		return adapters.RegistryLookup{Local: st}, nil
	}
	fail := func(err error) (adapters.RegistryLookup, error) {
		if box == nil {
			st.Close()
		}
		return adapters.RegistryLookup{}, err
	}
	f, err := os.Open(cfg.Registry.Import)
	if err != nil {
		return fail(fmt.Errorf("registry.import: %w", err))
	}
	defer f.Close()
	res, err := st.ImportCSV(ctx, f)
	if err != nil {
		return fail(fmt.Errorf("registry.import: %s: %w", cfg.Registry.Import, err))
	}
	log.Info("kiosk registry imported", "file", cfg.Registry.Import, "result", fmt.Sprintf("%+v", res))
	return adapters.RegistryLookup{Local: st}, nil
}

// openInvoices returns the invoice pickup desk. In a hall it is the hall's
// desk over its API (adapters.HallInvoices, queue/invoices at the hall); a
// standalone box uses its own hall's desk (DATA/invoices.db, purged as a
// hall's) and imports invoices.import at start ("demo": the fictional
// invoices of the simulated ID cards). invoices.import in hall mode is a
// configuration error: the hall's [invoices] feed serves the kiosks
// there. The returned function closes what was opened.
func openInvoices(ctx context.Context, cfg *Config, box *hall.Hall, hc *http.Client, log *slog.Logger) (flow.InvoiceDesk, func(), error) {
	if box == nil {
		if cfg.Invoices.Import != "" {
			return nil, nil, &config.Error{Key: "invoices.import",
				Msg: "only for a standalone kiosk: in a hall, invoices come from the hall's desk ([invoices] feed in hallserver.conf)"}
		}
		if hc == nil {
			hc = &http.Client{Timeout: cfg.Hall.Timeout}
		}
		h := &adapters.Hall{URL: cfg.Hall.URL, Device: cfg.Kiosk.DeviceID, Secret: cfg.Hall.Key, Client: hc}
		return adapters.HallInvoices{Hall: h}, func() {}, nil
	}
	st := box.Invoices()
	var data []byte
	switch cfg.Invoices.Import {
	case "":
		return &adapters.Invoices{S: st}, func() {}, nil
	case "demo":
		data = invoices.DemoCSV
	default:
		var err error
		if data, err = os.ReadFile(cfg.Invoices.Import); err != nil {
			return nil, nil, fmt.Errorf("invoices.import: %w", err)
		}
	}
	n, err := st.ImportCSV(ctx, bytes.NewReader(data))
	if err != nil {
		return nil, nil, fmt.Errorf("invoices.import: %w", err)
	}
	log.Info("kiosk invoices imported", "new", n)
	return &adapters.Invoices{S: st}, func() {}, nil
}
