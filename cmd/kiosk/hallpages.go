package main

import (
	"context"
	"crypto/ed25519"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"time"

	"hallkiosk/hall"
	"hallkiosk/internal/config"
)

// A township box (--standalone) is its own hall: package hall runs inside
// the kiosk on kiosk.data_dir, with everything a hall server has (engine,
// sync for other kiosks, registry, invoice desk, call-out, evaluator
// pads, purges, city uplink). With standalone.listen it also serves the
// hall server's pages, so that the window PCs call from /caller, a TV
// shows /display, citizens book on /booking and the administrator keeps
// accounts and the catalogue on /admin, all on the box itself.

// StandaloneConfig is the [standalone] section.
type StandaloneConfig struct {
	// Listen is the address of the staff caller, display, booking and admin
	// pages and their API (e.g. 0.0.0.0:8080); empty: not served.
	Listen string `ini:"listen"`
	// The hall's [auth] keys: session_ttl (how long a staff sign-in
	// lasts), admin_user and admin_password_bcrypt (the first
	// administrator, made only when there are no accounts; without a hash
	// a random one-time password is written to DATA/admin-password.txt,
	// mode 0600).
	hall.AuthConfig
}

// validate checks the section. (In a hall, kiosk.standalone false, the
// section is not used: the hall server serves the pages.)
func (c *StandaloneConfig) validate() error {
	if c.Listen == "" {
		return nil
	}
	if _, _, err := net.SplitHostPort(c.Listen); err != nil {
		return &config.Error{Key: "standalone.listen", Msg: "want host:port"}
	}
	if c.SessionTTL < time.Minute {
		return &config.Error{Key: "standalone.session_ttl", Msg: "at least 1m"}
	}
	return nil
}

// hallConfig is the hall of a standalone box: its data in kiosk.data_dir
// (the ID-number key in pii.key, as the box has always kept it), the
// pages on standalone.listen, the call-out, the pads and the uplink from
// the kiosk's sections, and one retention, kiosk.personal_data_days, for
// the engine's and the invoice desk's personal data.
func (c *Config) hallConfig() hall.Config {
	h := *hall.DefaultConfig()
	h.Server.Data = c.Kiosk.DataDir
	h.Server.Listen = c.Standalone.Listen
	h.Server.LogLevel = c.Kiosk.LogLevel
	h.Auth = c.Standalone.AuthConfig
	h.Keys.PIIKeyFile = filepath.Join(c.Kiosk.DataDir, "pii.key")
	h.Display, h.Voice, h.Evaluator = c.Display, c.Voice.VoiceConfig, c.Evaluator
	h.Privacy.PersonalDataDays = c.Kiosk.PersonalDataDays
	h.City = c.City
	return h
}

// startHall opens the box's hall and runs it until the kiosk closes.
func startHall(ctx context.Context, k *kiosk) (*hall.Hall, error) {
	opts := hall.Opts{Log: k.log, Catalog: k.cat, Kiosks: k.cityKiosks,
		AdminPassword: func(user, pw string) error {
			f := filepath.Join(k.cfg.Kiosk.DataDir, "admin-password.txt")
			msg := fmt.Sprintf("administrator %q, one-time password %s\nsign in on /admin and set a new password, then delete this file\n", user, pw)
			if err := os.WriteFile(f, []byte(msg), 0o600); err != nil {
				return fmt.Errorf("standalone pages: %w", err)
			}
			k.log.Warn("kiosk: first start of the standalone hall: administrator password written", "file", f)
			return nil
		}}
	// The ticket progress page (GET /q) trusts the codes this box prints.
	if signer, _, err := ticketKey(ctx, k.cfg, nil); err == nil {
		opts.TicketKeys = map[string]ed25519.PublicKey{signer.KeyID(): signer.Public()}
	}
	h, err := hall.Open(ctx, k.cfg.hallConfig(), opts)
	if err != nil {
		return nil, err
	}
	rctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := h.Run(rctx); err != nil {
			k.log.Error("kiosk: the standalone hall stopped", "err", err)
		}
	}()
	k.closers = append(k.closers, func() { cancel(); <-done; h.Close() })
	if a := h.Addr(); a != nil {
		addr := a.String()
		k.log.Info("kiosk: hall pages of the standalone box", "addr", addr, "caller", "/caller", "display", "/display")
		k.health.add("pages", func(context.Context) (bool, string) {
			return h.Healthy(), "caller, display, booking and admin pages on " + addr
		})
	}
	k.addCalloutHealth(h)
	return h, nil
}
