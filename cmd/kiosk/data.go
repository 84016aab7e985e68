package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"

	"hallkiosk/internal/config"
	"hallkiosk/internal/pii"
	"hallkiosk/kiosk/flow"
	"hallkiosk/kiosk/flow/adapters"
	"hallkiosk/queue/invoices"
	"hallkiosk/queue/registry"
)

// openRegistry opens the licence registry: a local database loaded from
// registry.import when set (standalone, or a hall without a registry), the
// hall's registry API with an offline cache otherwise.
func openRegistry(ctx context.Context, cfg *Config, hc *http.Client, log *slog.Logger) (adapters.RegistryLookup, error) {
	if cfg.Registry.Import != "" {
		st, err := registry.Open(filepath.Join(cfg.Kiosk.DataDir, "registry.db"))
		if err != nil {
			return adapters.RegistryLookup{}, fmt.Errorf("registry.import: %w", err)
		}
		f, err := os.Open(cfg.Registry.Import)
		if err != nil {
			st.Close()
			return adapters.RegistryLookup{}, fmt.Errorf("registry.import: %w", err)
		}
		defer f.Close()
		res, err := st.ImportCSV(ctx, f)
		if err != nil {
			st.Close()
			return adapters.RegistryLookup{}, fmt.Errorf("registry.import: %s: %w", cfg.Registry.Import, err)
		}
		log.Info("kiosk registry imported", "file", cfg.Registry.Import, "result", fmt.Sprintf("%+v", res))
		return adapters.RegistryLookup{Local: st}, nil
	}
	if cfg.Kiosk.Standalone {
		return adapters.RegistryLookup{}, nil // no registry: scans say the registry is unavailable
	}
	c, err := registry.OpenCache(filepath.Join(cfg.Kiosk.DataDir, "registry-cache.db"))
	if err != nil {
		return adapters.RegistryLookup{}, err
	}
	return adapters.RegistryLookup{Client: &registry.Client{Base: strings.TrimSuffix(cfg.Hall.URL, "/") + "/api/v1/registry/",
		HTTP: hc, Cache: c}}, nil
}

// openInvoices returns the invoice pickup desk. In a hall it is the hall's
// desk over its API (adapters.HallInvoices, queue/invoices at the hall); a
// standalone kiosk keeps its own (DATA/invoices.db) and imports
// invoices.import at start ("demo": the fictional invoices of the simulated
// ID cards). invoices.import in hall mode is a configuration error: the
// hall's [invoices] feed serves the kiosks there. The returned function
// closes what was opened.
func openInvoices(ctx context.Context, cfg *Config, hc *http.Client, log *slog.Logger) (flow.InvoiceDesk, func(), error) {
	if !cfg.Kiosk.Standalone {
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
	key, err := secretFile(filepath.Join(cfg.Kiosk.DataDir, "pii.key"), 32)
	if err != nil {
		return nil, nil, err
	}
	st, err := invoices.Open(filepath.Join(cfg.Kiosk.DataDir, "invoices.db"), pii.NewHasher(key))
	if err != nil {
		return nil, nil, err
	}
	pctx, stop := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { defer close(done); st.RunPurge(pctx, min(cfg.Kiosk.PersonalDataDays, 30), log) }()
	closeAll := func() { stop(); <-done; st.Close() }
	var data []byte
	switch cfg.Invoices.Import {
	case "":
		return &adapters.Invoices{S: st}, closeAll, nil
	case "demo":
		data = invoices.DemoCSV
	default:
		if data, err = os.ReadFile(cfg.Invoices.Import); err != nil {
			closeAll()
			return nil, nil, fmt.Errorf("invoices.import: %w", err)
		}
	}
	n, err := st.ImportCSV(ctx, bytes.NewReader(data))
	if err != nil {
		closeAll()
		return nil, nil, fmt.Errorf("invoices.import: %w", err)
	}
	log.Info("kiosk invoices imported", "new", n)
	return &adapters.Invoices{S: st}, closeAll, nil
}

// secretFile reads a random key of n bytes, making it (mode 0600) on first
// start.
func secretFile(path string, n int) ([]byte, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		b = make([]byte, n)
		if _, err := rand.Read(b); err != nil {
			return nil, err
		}
		if err := os.WriteFile(path, b, 0o600); err != nil {
			return nil, fmt.Errorf("kiosk.data_dir: %w", err)
		}
		return b, nil
	}
	if err != nil {
		return nil, fmt.Errorf("kiosk.data_dir: %w", err)
	}
	if len(b) != n {
		return nil, fmt.Errorf("kiosk: %s: want %d bytes, found %d", path, n, len(b))
	}
	return b, nil
}
