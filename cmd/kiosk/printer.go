package main

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"hallkiosk/drivers/serialport"
	"hallkiosk/internal/codesign"
	"hallkiosk/kiosk/credential"
	"hallkiosk/kiosk/flow"
	"hallkiosk/kiosk/flow/adapters"
	"hallkiosk/printer"
	"hallkiosk/printer/escpos"
)

// attachPrinter connects the ticket printer and the ticket QR signing key.
func attachPrinter(ctx context.Context, k *kiosk, d *flow.Deps, dial func(string, string, int) (*serialport.Conn, error)) error {
	prof, err := escpos.LookupProfile(k.cfg.Printer.Profile)
	if err != nil {
		return fmt.Errorf("printer.profile: %w", err)
	}
	var conn printer.Conn
	if filepath.Dir(k.cfg.Printer.Port) == "/dev/usb" || len(k.cfg.Printer.Port) > 6 && k.cfg.Printer.Port[:6] == "tcp://" {
		c, err := printer.Open(ctx, k.cfg.Printer.Port, k.cfg.Printer.Baud)
		if err != nil {
			return fmt.Errorf("printer.port: %w", err)
		}
		conn = c
	} else {
		c, err := dial("printer", k.cfg.Printer.Port, k.cfg.Printer.Baud)
		if err != nil {
			return err
		}
		conn = c
	}
	p := printer.New(conn, &printer.Opts{Profile: prof, Log: k.log.With("device", "printer")})
	k.closers = append(k.closers, func() { p.Close() })
	go func() { _ = p.Run(ctx, 30*time.Second) }() // status polls while idle: paper near end, cover...
	k.health.add("printer.status", func(hctx context.Context) (bool, string) {
		st, err := p.Status(hctx)
		if err != nil {
			return false, err.Error()
		}
		return st.Ready(), st.String()
	})

	signer, verifier, err := ticketKey(k.cfg)
	if err != nil {
		return err
	}
	pa := &adapters.Printer{P: p, Hall: k.cat.Hall.Name, Terminal: "自助终端 " + k.cfg.Kiosk.DeviceID, Signer: signer,
		QRURL: k.cfg.Hall.URL + "/q?c=", Notice: "过号请到原窗口重新排队"}
	d.Printer, d.SlipPrinter, d.TestPrinter = pa, pa, pa
	d.Resolver = adapters.Resolver{Parser: &credential.Parser{Verifier: verifier}, Registry: k.registry}
	return nil
}

// ticketKey loads (or makes, on first start) the kiosk's key for the signed
// code printed on its tickets; the same key verifies tickets scanned back.
func ticketKey(cfg *Config) (*codesign.Signer, *codesign.Verifier, error) {
	path := filepath.Join(cfg.Kiosk.DataDir, "ticket-signing.key")
	seed, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		seed = make([]byte, ed25519.SeedSize)
		if _, err := rand.Read(seed); err != nil {
			return nil, nil, err
		}
		if err := os.WriteFile(path, seed, 0o600); err != nil {
			return nil, nil, fmt.Errorf("kiosk.data_dir: %w", err)
		}
	} else if err != nil {
		return nil, nil, fmt.Errorf("kiosk.data_dir: %w", err)
	}
	if len(seed) != ed25519.SeedSize {
		return nil, nil, fmt.Errorf("kiosk: %s: not an ed25519 seed", path)
	}
	priv := ed25519.NewKeyFromSeed(seed)
	kid := cfg.Kiosk.DeviceID
	return codesign.NewSigner(priv, kid),
		codesign.NewVerifier(map[string]ed25519.PublicKey{kid: priv.Public().(ed25519.PublicKey)}), nil
}
