package main

import (
	"context"
	"log/slog"
	"runtime/debug"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/app"

	"hallkiosk/internal/sdnotify"
	"hallkiosk/kiosk/flow"
	"hallkiosk/kiosk/flow/adapters"
	"hallkiosk/kiosk/store"
	"hallkiosk/kiosk/ui"
	qsync "hallkiosk/queue/sync"
)

// wireFaults gives the flow the devices' faults (paper out, a silent
// reader, no sound card), the catalogue's reopening times, and a health
// event in the outbox for the technician when a fault starts or ends.
func wireFaults(ctx context.Context, k *kiosk, d *flow.Deps, st *store.Store, hours adapters.Hours) {
	d.Opening = hours
	fl := adapters.Faults{NoSound: k.noSound}
	fl.Printer, _ = d.Printer.(*adapters.Printer)
	if cr, ok := d.Reader.(adapters.CardReader); ok {
		w := &adapters.ReaderWatch{R: cr}
		wctx, cancel := context.WithCancel(ctx)
		done := make(chan struct{})
		go func() { defer close(done); w.Run(wctx) }()
		k.closers = append(k.closers, func() { cancel(); <-done })
		fl.Reader = w
	}
	d.Faults = fl
	device := k.cfg.Kiosk.DeviceID
	d.HealthEvent = func(name, state string) {
		hctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		if _, err := st.Append(hctx, qsync.KindHealth, map[string]any{"device": device, name: state,
			"at": time.Now().UTC().Format(time.RFC3339)}); err != nil {
			k.log.Error("kiosk health event not stored", "device", name, "err", err)
		}
	}
}

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
