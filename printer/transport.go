package printer

import (
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"strings"
	"syscall"
	"time"

	"hallkiosk/drivers/serialport"
)

// Conn is a byte link to a printer: a serial port, a USB printer-class
// device or a TCP socket. If it also has Drain() error (serial ports), a
// job waits on it until every byte has left the UART.
type Conn interface {
	io.Reader
	io.Writer
	io.Closer
}

type drainer interface{ Drain() error }

// DefaultBaud is the serial speed used when none is given.
const DefaultBaud = 115200

// OpenSerial opens a printer on a serial port (or USB-serial bridge, or a
// simulator's pseudo-terminal) at baud, 8N1.
func OpenSerial(path string, baud int) (Conn, error) {
	if baud <= 0 {
		baud = DefaultBaud
	}
	p, err := serialport.Open(path, baud)
	if err != nil {
		return nil, fmt.Errorf("printer: %w", err)
	}
	c, err := SerialConn(p)
	if err != nil {
		p.Close()
		return nil, fmt.Errorf("printer: %s: %w", path, err)
	}
	return c, nil
}

// SerialConn makes a Conn of an open serial port (for callers that pick
// ports by USB id with drivers/serialport). Closing the Conn closes p.
func SerialConn(p serialport.Port) (Conn, error) {
	// Reads time out so the reader notices Close promptly.
	if err := p.SetReadTimeout(100 * time.Millisecond); err != nil {
		return nil, fmt.Errorf("printer: set read timeout: %w", err)
	}
	return &serialConn{p}, nil
}

// serialConn adapts a serial port; serialport retries calls interrupted by
// signals (EINTR), so writes and drains here are plain.
type serialConn struct{ p serialport.Port }

func (c *serialConn) Read(b []byte) (int, error)  { return c.p.Read(b) }
func (c *serialConn) Write(b []byte) (int, error) { return c.p.Write(b) }
func (c *serialConn) Close() error                { return c.p.Close() }
func (c *serialConn) Drain() error                { return c.p.Drain() }

// OpenUSB opens a USB printer-class device such as /dev/usb/lp0. The
// device is opened non-blocking so that Close interrupts a pending status
// read; bidirectional printers answer status requests through it.
func OpenUSB(path string) (Conn, error) {
	fd, err := syscall.Open(path, syscall.O_RDWR|syscall.O_NONBLOCK|syscall.O_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("printer: open %s: %w", path, err)
	}
	return os.NewFile(uintptr(fd), path), nil
}

// DefaultTCPPort is the raw printing port of network printers.
const DefaultTCPPort = "9100"

// DialTCP connects to a network printer's raw port; addr may omit the port
// (9100).
func DialTCP(ctx context.Context, addr string) (Conn, error) {
	if _, _, err := net.SplitHostPort(addr); err != nil {
		addr = net.JoinHostPort(addr, DefaultTCPPort)
	}
	var d net.Dialer
	c, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("printer: %w", err)
	}
	return c, nil
}

// Open opens a printer link named by target:
//
//	tcp://HOST[:PORT]   network printer (port 9100 by default)
//	/dev/usb/lpN        USB printer-class device
//	anything else       serial port at baud (default 115200)
func Open(ctx context.Context, target string, baud int) (Conn, error) {
	switch {
	case strings.HasPrefix(target, "tcp://"):
		return DialTCP(ctx, strings.TrimPrefix(target, "tcp://"))
	case strings.HasPrefix(target, "/dev/usb/lp"):
		return OpenUSB(target)
	}
	return OpenSerial(target, baud)
}
