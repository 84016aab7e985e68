package serialport

import (
	"fmt"
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
	return p, nil
}
