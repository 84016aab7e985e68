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
	"time"

	"hallkiosk/internal/pii"
	"hallkiosk/kiosk/flow/adapters"
	"hallkiosk/queue/registry"
)

// openRegistry opens the licence registry: a local database loaded from
// registry.import when set (standalone, or a hall without a registry), the
// hall's registry API with an offline cache otherwise.
func openRegistry(ctx context.Context, cfg *Config, log *slog.Logger) (adapters.RegistryLookup, error) {
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
		HTTP: &http.Client{Timeout: cfg.Hall.Timeout}, Cache: c}}, nil
}

// openInvoices opens the invoice pickup desk and imports invoices.import
// ("demo": the fictional invoices of the simulated ID cards).
func openInvoices(ctx context.Context, cfg *Config, log *slog.Logger) (*adapters.Invoices, error) {
	key, err := secretFile(filepath.Join(cfg.Kiosk.DataDir, "pii.key"), 32)
	if err != nil {
		return nil, err
	}
	inv, err := adapters.OpenInvoices(filepath.Join(cfg.Kiosk.DataDir, "invoices.db"), pii.NewHasher(key))
	if err != nil {
		return nil, err
	}
	go purgeInvoices(ctx, inv, min(cfg.Kiosk.PersonalDataDays, 30), log)
	var data []byte
	switch cfg.Invoices.Import {
	case "":
		return inv, nil
	case "demo":
		data = adapters.DemoInvoicesCSV
	default:
		if data, err = os.ReadFile(cfg.Invoices.Import); err != nil {
			inv.Close()
			return nil, fmt.Errorf("invoices.import: %w", err)
		}
	}
	n, err := inv.ImportCSV(ctx, bytes.NewReader(data))
	if err != nil {
		inv.Close()
		return nil, fmt.Errorf("invoices.import: %w", err)
	}
	log.Info("kiosk invoices imported", "new", n)
	return inv, nil
}

// purgeInvoices clears the personal data of pickups older than days days
// (who collected: the ID-number hash and the pickup code; the invoice's own
// data stays) at start and hourly until ctx ends.
func purgeInvoices(ctx context.Context, inv *adapters.Invoices, days int, log *slog.Logger) {
	t := time.NewTicker(time.Hour)
	defer t.Stop()
	for {
		if n, err := inv.PurgeCollected(ctx, time.Now().AddDate(0, 0, -days)); err != nil && ctx.Err() == nil {
			log.Error("kiosk: purge collected invoices", "err", err)
		} else if n > 0 {
			log.Info("kiosk: personal data of collected invoices purged", "invoices", n)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
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
