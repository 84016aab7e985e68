// Package evaluatorsim plays evaluator pads (package evaluator) on the
// device side of an RS-485 bus: one or more addressed pads that answer
// prompt, poll, idle and info frames, with key presses injected by Press.
package evaluatorsim

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sort"
	"sync"

	"hallkiosk/drivers/evaluator"
	"hallkiosk/drivers/serialtest"
)

// ErrNotPrompting means a key was pressed on a dark pad (ignored, as on the
// device).
var ErrNotPrompting = errors.New("evaluatorsim: pad is not prompting")

// Model is the text pads answer to INFO.
const Model = "HK-EV5 sim 1.0"

// Pad is one pad's state.
type Pad struct {
	Addr      byte   `json:"addr"`
	Prompting bool   `json:"prompting"`
	Text      string `json:"text"`
	Pressed   int    `json:"pressed"` // key pressed since the prompt, 0 none
	Ratings   int    `json:"ratings"` // presses accepted since start
}

// Sim is a bus of pads. Methods are safe for concurrent use.
type Sim struct {
	mu   sync.Mutex
	pads map[byte]*Pad
	// Drop makes the pads ignore that many requests (a noisy bus).
	drop int
}

// New returns pads at the given addresses (default: one pad at 1).
func New(addrs ...byte) *Sim {
	if len(addrs) == 0 {
		addrs = []byte{1}
	}
	s := &Sim{pads: map[byte]*Pad{}}
	for _, a := range addrs {
		s.pads[a] = &Pad{Addr: a}
	}
	return s
}

// Press presses key (1..5) on the pad at addr.
func (s *Sim) Press(addr byte, key int) error {
	if key < 1 || key > 5 {
		return fmt.Errorf("evaluatorsim: key %d out of 1..5", key)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	p, ok := s.pads[addr]
	if !ok {
		return fmt.Errorf("evaluatorsim: no pad at address %d", addr)
	}
	if !p.Prompting || p.Pressed != 0 {
		return ErrNotPrompting
	}
	p.Pressed = key
	p.Ratings++
	return nil
}

// DropNext makes the bus lose the next n requests.
func (s *Sim) DropNext(n int) {
	s.mu.Lock()
	s.drop = n
	s.mu.Unlock()
}

// Pads returns the pads' states by address.
func (s *Sim) Pads() []Pad {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Pad, 0, len(s.pads))
	for _, p := range s.pads {
		out = append(out, *p)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Addr < out[j].Addr })
	return out
}

// Run answers requests on port until ctx ends. It returns once its reads
// have ended (serialtest.Serve).
func (s *Sim) Run(ctx context.Context, port io.ReadWriter) error {
	var buf []byte
	err := serialtest.Serve(ctx, port, func(b []byte) error {
		buf = append(buf, b...)
		for {
			f, used, ferr := evaluator.Split(buf)
			buf = buf[:copy(buf, buf[used:])]
			if ferr == nil {
				if ans := s.answer(f); ans != nil {
					if _, werr := port.Write(ans); werr != nil {
						return fmt.Errorf("write: %w", werr)
					}
				}
				continue
			}
			if used == 0 {
				return nil
			}
		}
	})
	if err != nil && ctx.Err() == nil {
		return fmt.Errorf("evaluatorsim: %w", err)
	}
	return nil
}

func (s *Sim) answer(f evaluator.Frame) []byte {
	s.mu.Lock()
	defer s.mu.Unlock()
	p, ok := s.pads[f.Addr]
	if !ok || f.Cmd&evaluator.Answer != 0 {
		return nil // broadcast, another pad's address, or an answer
	}
	if s.drop > 0 {
		s.drop--
		return nil
	}
	var data []byte
	switch f.Cmd {
	case evaluator.CmdPrompt:
		if len(f.Data) < 1 {
			return nil
		}
		p.Prompting, p.Text, p.Pressed = true, string(f.Data[1:]), 0
		data = []byte{0}
	case evaluator.CmdPoll:
		data = []byte{byte(p.Pressed)}
		if p.Pressed != 0 {
			p.Prompting = false
		}
	case evaluator.CmdIdle:
		p.Prompting, p.Text, p.Pressed = false, string(f.Data), 0
		data = []byte{0}
	case evaluator.CmdInfo:
		data = []byte(Model)
	default:
		return nil
	}
	b, _ := evaluator.Encode(f.Addr, f.Cmd|evaluator.Answer, data)
	return b
}
