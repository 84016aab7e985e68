package serialport

import (
	"errors"
	"fmt"
	"syscall"
	"time"

	"go.bug.st/serial"
)

// Port is an open serial port.
type Port interface {
	Read(p []byte) (int, error)
	Write(p []byte) (int, error)
	Close() error
	// Drain waits until every written byte has left the UART.
	Drain() error
	// SetReadTimeout bounds each Read; a Read that times out returns (0, nil).
	SetReadTimeout(d time.Duration) error
}

// Open opens path at baud, 8N1.
func Open(path string, baud int) (Port, error) {
	if baud <= 0 {
		baud = 9600
	}
	p, err := serial.Open(path, &serial.Mode{BaudRate: baud, DataBits: 8, Parity: serial.NoParity, StopBits: serial.OneStopBit})
	if err != nil {
		return nil, fmt.Errorf("serialport: open %s: %w", path, err)
	}
	return eintrSafe{p}, nil
}

// eintrSafe retries calls that go.bug.st/serial returns as EINTR: the Go
// runtime's preemption signals interrupt write(2) and tcdrain(3), which the
// library passes through as errors (about one job in a hundred otherwise).
type eintrSafe struct{ serial.Port }

func (p eintrSafe) Read(b []byte) (int, error) {
	for {
		n, err := p.Port.Read(b)
		if n == 0 && errors.Is(err, syscall.EINTR) {
			continue
		}
		return n, err
	}
}

func (p eintrSafe) Write(b []byte) (int, error) {
	written := 0
	for {
		n, err := p.Port.Write(b[written:])
		written += max(n, 0)
		if errors.Is(err, syscall.EINTR) && written < len(b) {
			continue
		}
		return written, err
	}
}

func (p eintrSafe) Drain() error {
	for {
		if err := p.Port.Drain(); !errors.Is(err, syscall.EINTR) {
			return err
		}
	}
}
