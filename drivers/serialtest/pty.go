// Package serialtest holds test helpers for serial device code: a
// pseudo-terminal pair so that the real serial port code (go.bug.st/serial)
// opens a real tty while a simulator plays the device on the other side;
// Playback, which replays a device from a table of exchanges and fails on
// an unexpected write; and Record, which captures real traffic into such a
// table.
package serialtest

import (
	"fmt"
	"os"

	"github.com/creack/pty"
	"golang.org/x/term"
)

// PTY is a pseudo-terminal pair. Device code opens SlavePath like any serial
// port; the simulator reads and writes Master.
type PTY struct {
	Master    *os.File
	SlavePath string
	slave     *os.File // kept open so the master never sees EIO between opens
}

// OpenPTY creates a raw pseudo-terminal pair.
func OpenPTY() (*PTY, error) {
	m, s, err := pty.Open()
	if err != nil {
		return nil, fmt.Errorf("serialtest: open pty: %w", err)
	}
	if _, err := term.MakeRaw(int(s.Fd())); err != nil {
		m.Close()
		s.Close()
		return nil, fmt.Errorf("serialtest: raw mode: %w", err)
	}
	return &PTY{Master: m, SlavePath: s.Name(), slave: s}, nil
}

// Close closes both ends.
func (p *PTY) Close() error {
	err := p.Master.Close()
	if e := p.slave.Close(); err == nil {
		err = e
	}
	return err
}
