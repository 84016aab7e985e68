package display

import (
	"context"
	"errors"
	"io"
	"maps"
	"sync"
	"time"
)

// Shown is what one simulated display shows.
type Shown struct {
	Text       string    `json:"text"`
	Clock      bool      `json:"clock,omitempty"` // showing the clock
	Brightness int       `json:"brightness"`
	Protocol   string    `json:"protocol"` // codec of the last command
	At         time.Time `json:"at"`       // when the last command arrived
}

// Sim plays a bus of displays: it decodes both protocols from a byte stream
// and keeps what each address shows.
type Sim struct {
	// Enc is the text encoding of the boards (GB18030 also reads ASCII and
	// GB2312).
	Enc Encoding
	// OnCommand, if set, is called for every decoded command.
	OnCommand func(Command, Codec)
	// OnError, if set, is called for every bad frame.
	OnError func(error)

	mu    sync.Mutex
	state map[byte]Shown
	cond  *sync.Cond
	count int
}

// NewSim returns a simulator for boards taking enc.
func NewSim(enc Encoding) *Sim {
	s := &Sim{Enc: enc, state: map[byte]Shown{}}
	s.cond = sync.NewCond(&s.mu)
	return s
}

// Run reads r until it fails or ctx ends, applying every command.
func (s *Sim) Run(ctx context.Context, r io.Reader) error {
	buf := make([]byte, 0, 4096)
	chunk := make([]byte, 1024)
	for ctx.Err() == nil {
		n, err := r.Read(chunk)
		if n > 0 {
			buf = append(buf, chunk[:n]...)
			buf = s.Feed(buf)
		}
		if err != nil {
			if ctx.Err() != nil || errors.Is(err, io.EOF) {
				return nil
			}
			return err
		}
	}
	return nil
}

// Feed decodes and applies every complete command in b and returns the
// bytes left over (a partial frame), reusing b's storage.
func (s *Sim) Feed(b []byte) []byte {
	for len(b) > 0 {
		cmd, codec, n, err := DecodeAny(s.Enc, b)
		if err == nil {
			s.apply(cmd, codec)
		} else if !errors.Is(err, ErrShort) && s.OnError != nil {
			s.OnError(err)
		}
		if n == 0 {
			break
		}
		b = b[n:]
	}
	return append(b[:0:0], b...)
}

func (s *Sim) apply(cmd Command, codec Codec) {
	s.mu.Lock()
	st := s.state[cmd.Addr]
	if _, ok := s.state[cmd.Addr]; !ok {
		st.Brightness = MaxBrightness
	}
	st.Protocol = codec.Name()
	st.At = time.Now()
	switch cmd.Op {
	case OpText:
		st.Text, st.Clock = cmd.Text, false
	case OpClear:
		st.Text, st.Clock = "", false
	case OpBrightness:
		st.Brightness = cmd.Level
	case OpClock:
		st.Text, st.Clock = cmd.Time.Format("15:04"), true
	}
	s.state[cmd.Addr] = st
	s.count++
	s.cond.Broadcast()
	s.mu.Unlock()
	if s.OnCommand != nil {
		s.OnCommand(cmd, codec)
	}
}

// State returns what every address that got a command shows.
func (s *Sim) State() map[byte]Shown {
	s.mu.Lock()
	defer s.mu.Unlock()
	return maps.Clone(s.state)
}

// Count returns how many commands were applied.
func (s *Sim) Count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.count
}

// WaitCount waits until at least n commands were applied or ctx ends, and
// returns the count.
func (s *Sim) WaitCount(ctx context.Context, n int) int {
	stop := context.AfterFunc(ctx, func() {
		s.mu.Lock()
		s.cond.Broadcast()
		s.mu.Unlock()
	})
	defer stop()
	s.mu.Lock()
	defer s.mu.Unlock()
	for s.count < n && ctx.Err() == nil {
		s.cond.Wait()
	}
	return s.count
}
