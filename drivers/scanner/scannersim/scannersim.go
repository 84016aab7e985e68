// Package scannersim simulates a serial QR scanner module on the device
// side of a serial link: it types the codes it is given with a suffix, in
// UTF-8 or GB18030, paced at a baud rate, and answers trigger commands
// (Honeywell, Newland) the way the modules do.
package scannersim

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"sync"
	"time"

	"golang.org/x/text/encoding/simplifiedchinese"

	"hallkiosk/drivers/scanner"
	"hallkiosk/drivers/serialtest"
)

// Sim is a simulated scanner. Methods are safe for concurrent use.
type Sim struct {
	// Suffix ends each code: "\r", "\n", "\r\n" or "" (none). Default "\r\n"
	// via New.
	Suffix   string
	Encoding scanner.Encoding // UTF8 or GB18030 (Auto means UTF-8)
	Baud     int              // pacing; 0 none

	mu       sync.Mutex
	ready    chan struct{} // closed once Run has the port
	w        io.Writer
	triggers []string
	scans    int
}

// New returns a scanner sending CRLF-terminated UTF-8 at baud.
func New(baud int) *Sim { return &Sim{Suffix: "\r\n", Baud: baud, ready: make(chan struct{})} }

// Scan sends one code as the module would after reading it. It waits for
// Run to start and fails after Run has ended.
func (s *Sim) Scan(ctx context.Context, code string) error {
	return s.ScanWith(ctx, code, s.Suffix, s.Encoding)
}

// ScanWith sends one code with an explicit suffix and encoding. It waits
// for Run to start.
func (s *Sim) ScanWith(ctx context.Context, code, suffix string, enc scanner.Encoding) error {
	select {
	case <-s.ready:
	case <-ctx.Done():
		return ctx.Err()
	}
	b := []byte(code)
	if enc == scanner.GB18030 {
		var err error
		if b, err = simplifiedchinese.GB18030.NewEncoder().Bytes(b); err != nil {
			return fmt.Errorf("scannersim: encode: %w", err)
		}
	}
	b = append(b, suffix...)
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.w == nil {
		return fmt.Errorf("scannersim: not running")
	}
	s.scans++
	return send(ctx, s.w, b, s.Baud)
}

// Triggers returns the trigger commands received so far ("honeywell
// start", "newland stop", ...).
func (s *Sim) Triggers() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.triggers...)
}

// Scans counts the codes sent.
func (s *Sim) Scans() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.scans
}

// Run serves port until ctx ends: it records trigger commands and
// acknowledges Newland register writes. It returns once its reads have
// ended (serialtest.Serve).
func (s *Sim) Run(ctx context.Context, port io.ReadWriter) error {
	s.mu.Lock()
	s.w = port
	select {
	case <-s.ready:
	default:
		close(s.ready)
	}
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		s.w = nil
		s.mu.Unlock()
	}()
	var in []byte
	err := serialtest.Serve(ctx, port, func(b []byte) error {
		in = append(in, b...)
		for _, t := range []struct {
			cmd  []byte
			name string
			ack  bool
		}{
			{scanner.HoneywellStart, "honeywell start", false},
			{scanner.HoneywellStop, "honeywell stop", false},
			{scanner.NewlandStart, "newland start", true},
			{scanner.NewlandStop, "newland stop", true},
		} {
			for i := bytes.Index(in, t.cmd); i >= 0; i = bytes.Index(in, t.cmd) {
				in = append(in[:i], in[i+len(t.cmd):]...)
				s.mu.Lock()
				s.triggers = append(s.triggers, t.name)
				if t.ack {
					port.Write(scanner.NewlandAck)
				}
				s.mu.Unlock()
			}
		}
		if len(in) > 64 {
			in = in[len(in)-64:]
		}
		return nil
	})
	if err != nil && ctx.Err() == nil {
		return fmt.Errorf("scannersim: %w", err)
	}
	return nil
}

func send(ctx context.Context, w io.Writer, b []byte, baud int) error {
	if baud <= 0 {
		_, err := w.Write(b)
		return err
	}
	start := time.Now()
	for off := 0; off < len(b); off += 16 {
		end := min(off+16, len(b))
		if _, err := w.Write(b[off:end]); err != nil {
			return err
		}
		d := time.Until(start.Add(time.Duration(end) * 10 * time.Second / time.Duration(baud)))
		if d > 0 {
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(d):
			}
		}
	}
	return nil
}
