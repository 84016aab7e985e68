package main

import (
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"hallkiosk/internal/config"
	"hallkiosk/queue/engine"
	"hallkiosk/queue/hallapi"
)

// A township box (--standalone) is its own hall: besides issuing tickets it
// serves the hall server's pages from its embedded engine, so that the
// window PCs call from /caller, a TV shows /display, citizens book on
// /booking and the administrator keeps accounts and the catalogue on
// /admin, all on the box itself. Section [standalone]; off while
// standalone.listen is empty.

// StandaloneConfig is the [standalone] section.
type StandaloneConfig struct {
	// Listen is the address of the staff caller, display, booking and admin
	// pages and their API (e.g. 0.0.0.0:8080); empty: not served.
	Listen string `ini:"listen"`
	// SessionTTL is how long a staff sign-in lasts.
	SessionTTL time.Duration `ini:"session_ttl"`
	// AdminUser and AdminPasswordBcrypt make the first administrator
	// (only when there are no accounts). Without a hash a random one-time
	// password is written to DATA/admin-password.txt (mode 0600).
	AdminUser           string `ini:"admin_user"`
	AdminPasswordBcrypt string `ini:"admin_password_bcrypt"`
}

func (c *StandaloneConfig) defaults() {
	c.SessionTTL = 12 * time.Hour
	c.AdminUser = "admin"
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

// serveHallPages serves the hall pages of a standalone box from e until
// the kiosk closes; the address it listens on is logged.
func serveHallPages(ctx context.Context, k *kiosk, e *engine.Engine) error {
	c := k.cfg.Standalone
	if c.Listen == "" {
		return nil
	}
	srv, err := hallapi.New(ctx, e, hallapi.Config{SessionTTL: c.SessionTTL, Log: k.log})
	if err != nil {
		return fmt.Errorf("standalone pages: %w", err)
	}
	// The ticket progress page (GET /q) trusts the codes this box prints.
	if signer, _, err := ticketKey(ctx, k.cfg, nil); err == nil {
		srv.SetTicketKeys(func(_ context.Context, kid string) (ed25519.PublicKey, bool) {
			return signer.Public(), kid == signer.KeyID()
		})
	}
	pw, err := srv.Bootstrap(ctx, c.AdminUser, c.AdminPasswordBcrypt)
	if err != nil {
		return fmt.Errorf("standalone pages: %w", err)
	}
	if pw != "" {
		f := filepath.Join(k.cfg.Kiosk.DataDir, "admin-password.txt")
		msg := fmt.Sprintf("administrator %q, one-time password %s\nsign in on /admin and set a new password, then delete this file\n", c.AdminUser, pw)
		if err := os.WriteFile(f, []byte(msg), 0o600); err != nil {
			return fmt.Errorf("standalone pages: %w", err)
		}
		k.log.Warn("kiosk: first start of the standalone pages: administrator password written", "file", f)
	}
	ln, err := net.Listen("tcp", c.Listen)
	if err != nil {
		return fmt.Errorf("standalone pages: listen: %w", err)
	}
	hs := &http.Server{Handler: srv, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 2 * time.Minute}
	rctx, cancel := context.WithCancel(ctx)
	go srv.Run(rctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := hs.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			k.log.Error("kiosk: standalone pages stopped", "err", err)
		}
	}()
	k.closers = append(k.closers, func() {
		cancel()
		sctx, scancel := context.WithTimeout(context.Background(), 3*time.Second)
		defer scancel()
		hs.Shutdown(sctx)
		<-done
	})
	addr := ln.Addr().String()
	k.log.Info("kiosk: hall pages of the standalone box", "addr", addr, "caller", "/caller", "display", "/display")
	k.health.add("pages", func(context.Context) (bool, string) {
		return srv.Healthy(), "caller, display, booking and admin pages on " + addr
	})
	return nil
}
