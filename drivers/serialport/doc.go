// Package serialport opens serial devices (UART, USB CDC-ACM, USB-serial
// bridges, pseudo-terminals) through go.bug.st/serial. It is the only package
// that imports go.bug.st/serial; drivers take an io.ReadWriter.
//
// A port is picked by path (/dev/ttyUSB0, /dev/serial/by-id/...) or by USB
// identity (Spec with VID, PID and optionally the serial number, found with
// the enumerator), which survives renumbering when devices are replugged.
//
// Conn keeps a device in service across unplug and replug: it reopens the
// port with backoff when reads or writes fail or when the path disappears or
// points to another device, and reports Health (connected, last error, last
// seen) for the hall's device status.
package serialport
