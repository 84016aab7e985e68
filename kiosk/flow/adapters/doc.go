// Package adapters connects the kiosk flow's small interfaces to the real
// parts: the service catalogue (queue/catalog), the hall queue engine run
// inside the kiosk (queue/engine, for --standalone), the kiosk's durable store
// and outbox (kiosk/store, hall mode), the ID card reader (drivers/idcard)
// and the serial ports under them (drivers/serialport).
//
// Each adapter is a small struct whose methods translate types and errors:
// engine codes such as "closed" and "cap_reached" become flow.ErrClosed and
// flow.ErrCapReached, so the screens can say what happened.
package adapters
