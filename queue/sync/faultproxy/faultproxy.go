// Package faultproxy is a TCP proxy that injects network faults between a
// kiosk and its hall: it drops (blackholes) connections, delays,
// duplicates and reorders chunks of bytes, resets connections mid-body
// and truncates streams. Tests put it between sync.Client and the hall to
// prove that events arrive exactly once whatever the link does.
//
// Faults are chosen per chunk read from either side with the configured
// probabilities, from a seeded generator, so a failing run can be
// repeated.
package faultproxy

import (
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"sync"
	"sync/atomic"
	"time"
)

// Faults are per-chunk probabilities (0..1) of each fault.
type Faults struct {
	Drop      float64       // stop forwarding in both directions, keep the sockets open (link dead)
	Delay     float64       // wait up to MaxDelay before forwarding
	Duplicate float64       // forward the chunk twice
	Reorder   float64       // forward the second half of the chunk before the first
	Reset     float64       // forward part of the chunk, then reset both connections (RST)
	Truncate  float64       // forward part of the chunk, then close both connections (FIN)
	MaxDelay  time.Duration // 50 ms when 0
	Seed      uint64
}

// Stats counts what the proxy did.
type Stats struct {
	Conns, Chunks, Drops, Delays, Duplicates, Reorders, Resets, Truncates int64
}

// String formats the counts.
func (s Stats) String() string {
	return fmt.Sprintf("conns=%d chunks=%d drop=%d delay=%d dup=%d reorder=%d reset=%d truncate=%d",
		s.Conns, s.Chunks, s.Drops, s.Delays, s.Duplicates, s.Reorders, s.Resets, s.Truncates)
}

// Proxy forwards connections from its listener to a target address.
type Proxy struct {
	ln     net.Listener
	target string
	f      Faults

	mu     sync.Mutex
	rng    *rand.Rand
	conns  map[net.Conn]bool
	closed bool
	wg     sync.WaitGroup

	nconns, chunks, drops, delays, dups, reorders, resets, truncs atomic.Int64
}

// New listens on addr (e.g. "127.0.0.1:0") and forwards to target.
func New(addr, target string, f Faults) (*Proxy, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("faultproxy: %w", err)
	}
	if f.MaxDelay == 0 {
		f.MaxDelay = 50 * time.Millisecond
	}
	p := &Proxy{ln: ln, target: target, f: f, rng: rand.New(rand.NewPCG(f.Seed, f.Seed^0x9e3779b97f4a7c15)), conns: map[net.Conn]bool{}}
	p.wg.Add(1)
	go p.accept()
	return p, nil
}

// Addr returns the listening address.
func (p *Proxy) Addr() string { return p.ln.Addr().String() }

// SetFaults changes the fault probabilities for new chunks.
func (p *Proxy) SetFaults(f Faults) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if f.MaxDelay == 0 {
		f.MaxDelay = 50 * time.Millisecond
	}
	p.f = f
}

// Stats returns the counts so far.
func (p *Proxy) Stats() Stats {
	return Stats{p.nconns.Load(), p.chunks.Load(), p.drops.Load(), p.delays.Load(), p.dups.Load(), p.reorders.Load(), p.resets.Load(), p.truncs.Load()}
}

// Close stops listening, closes every connection and waits for the
// forwarding goroutines.
func (p *Proxy) Close() error {
	p.mu.Lock()
	p.closed = true
	for c := range p.conns {
		c.Close()
	}
	p.mu.Unlock()
	err := p.ln.Close()
	p.wg.Wait()
	return err
}

func (p *Proxy) track(c net.Conn, add bool) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if add {
		if p.closed {
			return false
		}
		p.conns[c] = true
	} else {
		delete(p.conns, c)
	}
	return true
}

func (p *Proxy) accept() {
	defer p.wg.Done()
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		p.nconns.Add(1)
		p.wg.Add(1)
		go p.serve(c)
	}
}

// conn is one proxied connection pair.
type conn struct {
	p          *Proxy
	down, up   net.Conn
	once       sync.Once
	blackholed atomic.Bool
	done       chan struct{}
}

func (p *Proxy) serve(down net.Conn) {
	defer p.wg.Done()
	up, err := net.DialTimeout("tcp", p.target, 5*time.Second)
	if err != nil {
		down.Close()
		return
	}
	if !p.track(down, true) || !p.track(up, true) {
		down.Close()
		up.Close()
		return
	}
	c := &conn{p: p, down: down, up: up, done: make(chan struct{})}
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); c.pipe(up, down) }()
	go func() { defer wg.Done(); c.pipe(down, up) }()
	wg.Wait()
	c.close(false)
	p.track(down, false)
	p.track(up, false)
}

// close closes both sides; rst makes the kernel send a reset.
func (c *conn) close(rst bool) {
	c.once.Do(func() {
		if rst {
			for _, x := range []net.Conn{c.down, c.up} {
				if tc, ok := x.(*net.TCPConn); ok {
					tc.SetLinger(0)
				}
			}
		}
		c.down.Close()
		c.up.Close()
		close(c.done)
	})
}

type fault int

const (
	none fault = iota
	drop
	delay
	duplicate
	reorder
	reset
	truncate
)

func (p *Proxy) roll() (fault, float64, time.Duration) {
	p.mu.Lock()
	defer p.mu.Unlock()
	f := p.f
	x := p.rng.Float64()
	frac := p.rng.Float64()
	d := time.Duration(p.rng.Int64N(int64(f.MaxDelay) + 1))
	for _, c := range []struct {
		p float64
		f fault
	}{{f.Drop, drop}, {f.Delay, delay}, {f.Duplicate, duplicate}, {f.Reorder, reorder}, {f.Reset, reset}, {f.Truncate, truncate}} {
		if x < c.p {
			return c.f, frac, d
		}
		x -= c.p
	}
	return none, frac, d
}

// pipe copies src to dst chunk by chunk, applying faults.
func (c *conn) pipe(dst, src net.Conn) {
	buf := make([]byte, 16<<10)
	for {
		n, err := src.Read(buf)
		if n > 0 && !c.blackholed.Load() {
			if !c.forward(dst, buf[:n]) {
				return
			}
		}
		if err != nil {
			if c.blackholed.Load() {
				c.close(false) // the other side gave up on the dead link
				return
			}
			if errors.Is(err, io.EOF) {
				if tc, ok := dst.(*net.TCPConn); ok {
					tc.CloseWrite()
				}
				return
			}
			c.close(false)
			return
		}
	}
}

// forward writes one chunk with a fault; false ends the pipe.
func (c *conn) forward(dst net.Conn, b []byte) bool {
	p := c.p
	p.chunks.Add(1)
	f, frac, d := p.roll()
	cut := int(float64(len(b)) * frac)
	var err error
	switch f {
	case drop:
		p.drops.Add(1)
		c.blackholed.Store(true)
		return true // keep reading and discarding
	case delay:
		p.delays.Add(1)
		select {
		case <-time.After(d):
		case <-c.done:
			return false
		}
		_, err = dst.Write(b)
	case duplicate:
		p.dups.Add(1)
		if _, err = dst.Write(b); err == nil {
			_, err = dst.Write(b)
		}
	case reorder:
		p.reorders.Add(1)
		if len(b) < 2 {
			_, err = dst.Write(b)
			break
		}
		h := len(b) / 2
		if _, err = dst.Write(b[h:]); err == nil {
			_, err = dst.Write(b[:h])
		}
	case reset, truncate:
		if f == reset {
			p.resets.Add(1)
		} else {
			p.truncs.Add(1)
		}
		dst.Write(b[:cut])
		c.close(f == reset)
		return false
	default:
		_, err = dst.Write(b)
	}
	if err != nil {
		c.close(false)
		return false
	}
	return true
}
