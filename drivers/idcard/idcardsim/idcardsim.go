// Package idcardsim simulates a SAM-protocol ID card reader (see package
// idcard) on the device side of a serial link, with fictional test cards of
// all four types and fault behaviours (slow card, bad checksum, noise). It
// paces its output at the configured baud rate so timings over a
// pseudo-terminal match a real UART.
package idcardsim

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"sync"
	"time"

	"hallkiosk/drivers/idcard"
	"hallkiosk/drivers/serialtest"
)

// Mode is a simulated reader behaviour.
type Mode string

// Behaviours.
const (
	Normal      Mode = "normal"      // answers at once
	Slow        Mode = "slow"        // a slow card: the read answer comes late (SetSlowDelay)
	BadChecksum Mode = "badsum"      // every read answer has a wrong CHK
	BadOnce     Mode = "badsum-once" // the next read answer has a wrong CHK, then normal
	Noise       Mode = "noise"       // garbage before answers, answers split in pieces
	Silent      Mode = "silent"      // no answers at all (reader hung)
)

// Modes lists the behaviours.
var Modes = []Mode{Normal, Slow, BadChecksum, BadOnce, Noise, Silent}

// SAMID is the simulated SAM module's ID data (05.01-20240401-0000000620-0000012345).
var SAMID = []byte{5, 0, 1, 0, 0x11, 0xD8, 0x34, 0x01, 0x6C, 0x02, 0, 0, 0x39, 0x30, 0, 0}

// Sim is a simulated reader. Its methods are safe for concurrent use (the
// control routes call them while Run serves the port).
type Sim struct {
	mu   sync.Mutex
	card *idcard.Card
	name string
	// halted: the card was read; find fails until it is laid again (as a
	// card in the HALT state), select and read still work.
	halted bool
	mode   Mode
	baud   int
	slow   time.Duration
	// Log receives one line per command; nil discards.
	Log   *slog.Logger
	reads int
}

// New returns a reader with no card, in Normal mode, pacing at baud (0
// means no pacing).
func New(baud int) *Sim {
	return &Sim{mode: Normal, baud: baud, slow: time.Second}
}

// Place lays the named test card (see CardNames) on the reader.
func (s *Sim) Place(name string) error {
	c, ok := Cards[name]
	if !ok {
		return fmt.Errorf("idcardsim: no test card %q", name)
	}
	s.PlaceCard(name, c)
	return nil
}

// PlaceCard lays c on the reader under name.
func (s *Sim) PlaceCard(name string, c *idcard.Card) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.card, s.name, s.halted = c, name, false
}

// Remove takes the card away.
func (s *Sim) Remove() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.card, s.name, s.halted = nil, "", false
}

// SetMode sets the behaviour.
func (s *Sim) SetMode(m Mode) error {
	for _, k := range Modes {
		if k == m {
			s.mu.Lock()
			s.mode = m
			s.mu.Unlock()
			return nil
		}
	}
	return fmt.Errorf("idcardsim: unknown mode %q", m)
}

// SetSlowDelay sets the extra time a slow card takes to read (default
// 1 s).
func (s *Sim) SetSlowDelay(d time.Duration) {
	s.mu.Lock()
	s.slow = d
	s.mu.Unlock()
}

// SetBaud sets the pacing (0: none).
func (s *Sim) SetBaud(baud int) {
	s.mu.Lock()
	s.baud = baud
	s.mu.Unlock()
}

// State describes the reader for the control routes.
type State struct {
	Card  string `json:"card"`
	Mode  Mode   `json:"mode"`
	Baud  int    `json:"baud"`
	Reads int    `json:"reads"`
}

// State returns the current state.
func (s *Sim) State() State {
	s.mu.Lock()
	defer s.mu.Unlock()
	return State{Card: s.name, Mode: s.mode, Baud: s.baud, Reads: s.reads}
}

// Run serves requests on port until ctx ends or the port fails. It returns
// once its reads have ended (serialtest.Serve); requests that arrive while
// one is answered wait in the port.
func (s *Sim) Run(ctx context.Context, port io.ReadWriter) error {
	buf := make([]byte, 0, 4096)
	err := serialtest.Serve(ctx, port, func(b []byte) error {
		buf = append(buf, b...)
		for {
			payload, used, err := idcard.Split(buf)
			if err != nil && used == 0 {
				return nil
			}
			var req []byte
			if err == nil {
				req = append([]byte(nil), payload...)
			}
			buf = buf[:copy(buf, buf[used:])]
			if err == nil || errors.Is(err, idcard.ErrChecksum) {
				if serr := s.serve(ctx, port, req); serr != nil {
					return fmt.Errorf("write: %w", serr)
				}
				if ctx.Err() != nil {
					return nil
				}
			}
			if err != nil && !errors.Is(err, idcard.ErrChecksum) && !errors.Is(err, idcard.ErrFrameLength) {
				return nil
			}
		}
	})
	if err != nil && ctx.Err() == nil {
		return fmt.Errorf("idcardsim: %w", err)
	}
	return nil
}

func (s *Sim) serve(ctx context.Context, w io.Writer, req []byte) error {
	s.mu.Lock()
	mode, baud, slow := s.mode, s.baud, s.slow
	if mode == BadOnce && len(req) >= 2 && idcard.Command(uint16(req[0])<<8|uint16(req[1])) == idcard.CmdRead {
		s.mode = Normal
	}
	resp := s.answer(req)
	s.mu.Unlock()
	if baud > 0 {
		sleep(ctx, idcard.WireTime(len(req)+8, baud)) // the request's own wire time
	}
	if mode == Silent {
		return nil
	}
	isRead := len(req) >= 2 && req[0] == 0x30 && (req[1] == 0x01 || req[1] == 0x10) && len(resp) > 100
	if isRead && mode == Slow {
		sleep(ctx, slow)
	}
	if isRead && (mode == BadChecksum || mode == BadOnce) {
		resp[len(resp)-1] ^= 0x5A
	}
	if s.Log != nil {
		s.Log.Debug("idcardsim: command", "req", fmt.Sprintf("% X", req[:min(2, len(req))]), "resp_bytes", len(resp))
	}
	if mode == Noise {
		junk := make([]byte, 3+rand.IntN(40))
		for i := range junk {
			junk[i] = byte(rand.IntN(256))
		}
		junk = append(junk, 0xAA, 0xAA, 0x96) // a broken preamble
		if err := send(ctx, w, junk, baud); err != nil {
			return err
		}
		cut := 1 + rand.IntN(len(resp)-1)
		if err := send(ctx, w, resp[:cut], baud); err != nil {
			return err
		}
		sleep(ctx, 20*time.Millisecond)
		return send(ctx, w, resp[cut:], baud)
	}
	return send(ctx, w, resp, baud)
}

// answer builds the response frame for a request payload (nil: a request
// with a bad checksum). s.mu is held.
func (s *Sim) answer(req []byte) []byte {
	st := func(sw3 idcard.Status, data ...byte) []byte {
		return idcard.Encode(append([]byte{0, 0, byte(sw3)}, data...))
	}
	if req == nil {
		return st(idcard.StatusChecksum)
	}
	if len(req) < 2 {
		return st(idcard.StatusLength)
	}
	switch cmd := idcard.Command(uint16(req[0])<<8 | uint16(req[1])); cmd {
	case idcard.CmdResetSAM, idcard.CmdSAMStatus, idcard.CmdSetMaxRFByte:
		return st(idcard.StatusOK)
	case idcard.CmdSAMID:
		return st(idcard.StatusOK, SAMID...)
	case idcard.CmdFind:
		if s.card == nil || s.halted {
			return st(idcard.StatusNoCard)
		}
		return st(idcard.StatusFindOK, 0, 0, 0, 0)
	case idcard.CmdSelect:
		if s.card == nil {
			return st(idcard.StatusSelectFailed)
		}
		return st(idcard.StatusOK, 0, 0, 0, 0, 0, 0, 0, 0)
	case idcard.CmdRead, idcard.CmdReadFinger:
		if s.card == nil {
			return st(idcard.StatusReadFailed)
		}
		text, err := idcard.EncodeText(s.card)
		if err != nil {
			return st(idcard.StatusUnknown)
		}
		photo := s.card.Photo
		if len(photo) != 1024 {
			photo = PhotoBytes(s.name)
		}
		data := []byte{0x01, 0x00, 0x04, 0x00}
		var fp []byte
		if cmd == idcard.CmdReadFinger {
			fp = s.card.Fingerprint
			if fp == nil && s.card.Type == idcard.Resident {
				fp = FingerprintBytes(s.name)
			}
			data = append(data, byte(len(fp)>>8), byte(len(fp)))
		}
		data = append(data, text...)
		data = append(data, photo...)
		data = append(data, fp...)
		s.halted = true
		s.reads++
		return st(idcard.StatusOK, data...)
	case idcard.CmdSetBaud115200, idcard.CmdSetBaud57600, idcard.CmdSetBaud38400, idcard.CmdSetBaud19200, idcard.CmdSetBaud9600:
		if s.baud > 0 {
			s.baud = []int{115200, 57600, 38400, 19200, 9600}[cmd&0xFF]
		}
		return st(idcard.StatusOK)
	default:
		return st(idcard.StatusCommand)
	}
}

// send writes b, paced at baud (whole bytes at 10 bits each), measured from
// the start so the pace does not drift.
func send(ctx context.Context, w io.Writer, b []byte, baud int) error {
	if baud <= 0 {
		_, err := w.Write(b)
		return err
	}
	start := time.Now()
	const chunk = 32
	for off := 0; off < len(b); off += chunk {
		end := min(off+chunk, len(b))
		if _, err := w.Write(b[off:end]); err != nil {
			return err
		}
		sleep(ctx, time.Until(start.Add(idcard.WireTime(end, baud))))
	}
	return nil
}

func sleep(ctx context.Context, d time.Duration) {
	if d <= 0 {
		return
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}

// PhotoBytes returns 1024 opaque bytes standing in for a WLT photo,
// different per card name.
func PhotoBytes(name string) []byte {
	var seed uint64
	for _, c := range name {
		seed = seed*131 + uint64(c)
	}
	r := rand.New(rand.NewPCG(seed, 0x574C54))
	b := make([]byte, 1024)
	copy(b, "WLf")
	for i := 3; i < len(b); i++ {
		b[i] = byte(r.Uint32())
	}
	return b
}

// FingerprintBytes returns 1024 opaque bytes standing in for two
// fingerprint templates.
func FingerprintBytes(name string) []byte {
	b := PhotoBytes("fp:" + name)
	b[0], b[1], b[2] = 'F', 'P', 0
	return b
}

// CardNames returns the test card names: the ordinary resident card
// first, then the other card types, then the faulty ones (expired, bad ID
// number).
func CardNames() []string {
	return []string{"resident1", "resident2", "hkmotw1", "foreign2017", "foreign2023", "expired1", "badid1"}
}
