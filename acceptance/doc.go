// Package acceptance runs citizens' journeys through the real programs:
// devsim (the simulated ID card reader, scanner, printer, display bus and
// evaluator pads on pseudo-terminals), hallserver (in demo mode, on SQLite,
// with its TLS listener for kiosk sync), kiosk --sim --headless enrolled
// with that hall and driven through its control endpoint, and kioskctl.
// TestMain builds the four binaries once; every journey asserts what the
// citizen sees and holds: the kiosk's /state, the printed job rendered to
// PNG with "kioskctl escpos render" and read back with zbarimg, the QR's
// URL answering at the hall with the right ticket, the board showing the
// call (devsim's display state), the ticket reaching the hall after an
// outage, and the phone page in headless Chromium.
//
// It runs in "go test ./acceptance" (part of make test). Without zbarimg or
// Chromium the journeys that need them are skipped, saying so.
package acceptance
