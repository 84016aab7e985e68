// Package callout turns queue call events into what the hall sees and hears:
// the window's LED strip, the hall board's rows and the voice announcement.
//
// The hall server (or, in a township box, the kiosk itself) publishes an
// Event for every call, recall, transfer, no-show, finish and leave;
// Hub.Run dispatches it to the window strips, the hall board (package
// display, paced on their serial buses) and the announcer (package voice)
// on separate goroutines, so none waits for another: on separate buses a
// strip never waits for the board's rows to shift. Events that arrive
// while a bus is busy are batched, each strip and board row written once
// with its latest content; on a bus shared by strips and board, the
// board's top row goes first (the hall hears the call and looks up), then
// the strips, then the board's lower rows. A blank-only update (finish, no-show) waits Settle for the call
// that usually follows ("call next" finishes the current ticket) so the
// strip goes straight to the new number. A dead bus is logged once, not at
// every write. A strip whose write fails keeps that write and the ones
// after it, in order, and they are tried again with a backoff (and with
// each update) until the strip is back; Status reports them. An event with
// a Seq is tracked until its strip, board line and announcements are done
// (Hub.Pending), so that the hall can replay what a kill cut off.
//
// The package is a driver: options in, events out. Reading the [display]
// and [voice] configuration sections, opening the ports they name and
// mapping the queue engine's events are the hall's (package hall). The
// package depends only on drivers: it has its own Event type and never
// imports the queue or kiosk packages.
//
// Wiring, as a hall server or kiosk does it:
//
//	port, err := serialport.Open("/dev/ttyUSB0", 9600) // the RS-485 display bus
//	bus, err := display.New(port, &display.Opts{Codec: display.NewLine(display.GB18030)})
//	m := display.NewManager(display.ManagerOpts{
//		Windows:   map[int]display.Target{1: {Dev: bus, Addr: 1}, 2: {Dev: bus, Addr: 2}},
//		Board:     []display.Target{{Dev: bus, Addr: 100}, {Dev: bus, Addr: 101}},
//		IdleAfter: 10 * time.Minute,
//	})
//	var sink voice.Sink = voice.Null{}
//	if card, err := soundcard.Open(nil); err == nil { // no sound card: keep the displays going
//		sink = card
//	}
//	ann, err := voice.NewAnnouncer(&voice.Opts{Sink: sink, Quiet: voice.QuietHours{From: 22 * time.Hour, To: 7 * time.Hour}})
//	hub := callout.New(&callout.Opts{Display: m, Voice: ann, Repeat: 2})
//	go hub.Run(ctx)
//	hub.Publish(callout.Event{Kind: callout.Call, Number: "A001", Window: 1, At: time.Now()})
package callout
