package main

import (
	"testing"

	"hallkiosk/kiosk/flow"
)

// FuzzTap feeds arbitrary targets from the control endpoint to the flow: an
// unknown target is an error, never a panic, and the flow stays usable.
func FuzzTap(f *testing.F) {
	for _, s := range []string{"zone:tax", "service:tax-filing", "rate:5", "rate:x", "invoice:-1", "invoice:99999999999999999999",
		"pin:7", "pin:ok", "pin:", "corner", ":", "", "maint.logs", "reason:reason.wait"} {
		f.Add(s)
	}
	fl := flow.New(flow.Deps{}, flow.Options{PIN: "2468"})
	f.Cleanup(fl.Close)
	f.Fuzz(func(t *testing.T, target string) {
		_ = tap(fl, target)
		_ = fl.State()
	})
}
