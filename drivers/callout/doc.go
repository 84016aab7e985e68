// Package callout turns queue call events into what the hall sees and hears:
// the window's LED strip, the hall board's rows and the voice announcement.
//
// The hall server (or, in a township box, the kiosk itself) publishes an
// Event for every call, recall, transfer, no-show and finish; Hub.Run
// dispatches it to the displays (package display, paced on their serial
// buses) and to the announcer (package voice) on separate goroutines, so
// neither waits for the other. The package depends only on drivers: it has
// its own Event type and never imports the queue or kiosk packages.
package callout
