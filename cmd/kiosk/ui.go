package main

import (
	"context"
	"log/slog"
	"runtime/debug"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/app"

	"hallkiosk/internal/sdnotify"
	"hallkiosk/kiosk/ui"
)

// runUI shows the kiosk window and runs the UI loop until ctx ends.
func runUI(ctx context.Context, k *kiosk, cfg *Config, log *slog.Logger) error {
	a := app.NewWithID("cn.gov.hallkiosk.kiosk")
	log.Debug("kiosk app created", "startup_ms", time.Since(started).Milliseconds())
	w := ui.New(a, k.flow, ui.Options{Landscape: cfg.Kiosk.Orientation == "landscape", Fullscreen: cfg.Kiosk.Fullscreen})
	log.Debug("kiosk window built", "startup_ms", time.Since(started).Milliseconds())
	stop := make(chan struct{})
	a.Lifecycle().SetOnStarted(func() {
		// The window exists with the home screen laid out; the UI loop
		// starts now and paints it (scripts/kiosk-bench.sh watches the
		// screen for the first painted frame).
		log.Info("kiosk UI started", "startup_ms", time.Since(started).Milliseconds(),
			"orientation", cfg.Kiosk.Orientation)
		_, _ = sdnotify.Notify("READY=1")
		go w.Heartbeat(2*time.Second, stop)
		go sdnotify.Watchdog(ctx, func() bool { return w.Healthy(10 * time.Second) })
		go k.refreshLoop(ctx)
		go func() {
			// Start-up parses fonts and builds the first screens; give the
			// garbage it leaves back to the system once the kiosk is idle
			// on its home screen (docs/KIOSK.md, "Numbers": idle RSS).
			select {
			case <-ctx.Done():
			case <-time.After(5 * time.Second):
				debug.FreeOSMemory()
			}
		}()
	})
	go func() {
		<-ctx.Done()
		_, _ = sdnotify.Notify("STOPPING=1")
		fyne.Do(a.Quit)
	}()
	w.ShowAndRun()
	close(stop)
	log.Info("kiosk stopping")
	return nil
}
