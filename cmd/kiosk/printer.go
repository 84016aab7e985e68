package main

import (
	"context"
	"crypto/ed25519"
	"fmt"
	"net/url"
	"path/filepath"
	"time"

	"hallkiosk/drivers/serialport"
	"hallkiosk/internal/codesign"
	"hallkiosk/internal/keyfile"
	"hallkiosk/kiosk/credential"
	"hallkiosk/kiosk/flow"
	"hallkiosk/kiosk/flow/adapters"
	"hallkiosk/printer"
	"hallkiosk/printer/escpos"
	qsync "hallkiosk/queue/sync"
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
	go func() { _ = p.Run(ctx, 10*time.Second) }() // status polls while idle: paper near end, cover...
	k.health.add("printer.status", func(hctx context.Context) (bool, string) {
		st, err := p.Status(hctx)
		if err != nil {
			return false, err.Error()
		}
		return st.Ready(), st.String()
	})

	signer, verifier, err := ticketKey(ctx, k.cfg, k.store)
	if err != nil {
		return err
	}
	qrURL := k.cfg.ProgressURL()
	if !k.cfg.Kiosk.Standalone && k.cfg.Hall.PublicURL == "" && loopbackURL(k.cfg.Hall.URL) {
		k.log.Warn("ticket QR codes point at a loopback hall address no phone can reach: set hall.public_url", "url", qrURL)
	}
	pa := &adapters.Printer{P: p, Hall: k.cat.Hall.Name, Terminal: "自助终端 " + k.cfg.Kiosk.DeviceID, Signer: signer,
		QRURL: qrURL, Notice: "过号请到原窗口重新排队", Cat: k.cat}
	d.Printer, d.SlipPrinter, d.TestPrinter = pa, pa, pa
	d.Resolver = adapters.Resolver{Parser: &credential.Parser{Verifier: verifier}, Registry: k.registry}
	return nil
}

// ticketKey returns the signer of the code printed in the ticket QR and
// the verifier for tickets scanned back. An enrolled kiosk signs with its
// device key (key id: its sync device id), which the hall learnt at
// enrolment, so the hall's progress page (GET /q) can verify the kiosk's
// tickets, online and offline. Before enrolment (and standalone) it signs
// with a key of its own in kiosk.data_dir/ticket-signing.key, made on
// first start. The verifier trusts both.
func ticketKey(ctx context.Context, cfg *Config, st identityStore) (*codesign.Signer, *codesign.Verifier, error) {
	seed, err := keyfile.Load(filepath.Join(cfg.Kiosk.DataDir, "ticket-signing.key"), ed25519.SeedSize)
	if err != nil {
		return nil, nil, fmt.Errorf("kiosk.data_dir: %w", err)
	}
	priv := ed25519.NewKeyFromSeed(seed)
	kid := cfg.Kiosk.DeviceID
	keys := map[string]ed25519.PublicKey{kid: priv.Public().(ed25519.PublicKey)}
	signer := codesign.NewSigner(priv, kid)
	if st != nil && !cfg.Kiosk.Standalone {
		if id, err := st.Identity(ctx); err == nil && id.Enrolled() {
			signer = codesign.NewSigner(id.Key, id.Device)
			keys[id.Device] = id.Key.Public().(ed25519.PublicKey)
		}
	}
	return signer, codesign.NewVerifier(keys), nil
}

// identityStore is the part of kiosk/store ticketKey needs.
type identityStore interface {
	Identity(ctx context.Context) (*qsync.Identity, error)
}

// loopbackURL reports whether u names a loopback host.
func loopbackURL(u string) bool {
	pu, err := url.Parse(u)
	return err == nil && loopback(pu.Hostname())
}
