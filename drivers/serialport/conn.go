package serialport

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"syscall"
	"time"
)

// ErrDisconnected is returned by a Conn's Read and Write while the device is
// away; Read returns it once per loss and then waits for the device.
var ErrDisconnected = errors.New("serialport: device disconnected")

// ErrClosed is returned after Close.
var ErrClosed = errors.New("serialport: connection closed")

// ConnOpts configures a Conn. Zero fields take defaults.
type ConnOpts struct {
	// MinBackoff and MaxBackoff bound the wait between open attempts; the
	// wait doubles after each failure. Defaults 100 ms and 1 s, so a device
	// is back within about a second of reappearing.
	MinBackoff, MaxBackoff time.Duration
	// Check is how often the path is checked for disappearing or pointing at
	// another device. Default 250 ms.
	Check time.Duration
	// Log receives connect and disconnect events. Default: discard.
	Log *slog.Logger
	// Open opens a path; default Open. Tests may wrap it.
	Open func(path string, baud int) (Port, error)
}

// Health is a Conn's state for the hall's device status.
type Health struct {
	Spec       string    `json:"spec"`
	Path       string    `json:"path,omitempty"`
	Connected  bool      `json:"connected"`
	LastError  string    `json:"last_error,omitempty"`
	ErrorAt    time.Time `json:"error_at,omitzero"`
	LastSeen   time.Time `json:"last_seen,omitzero"` // last open or last byte received
	Since      time.Time `json:"since,omitzero"`     // connected or disconnected since
	Reconnects int       `json:"reconnects"`
}

// Conn is a serial port that reopens itself after the device is unplugged
// and plugged back. It is an io.ReadWriter with SetReadTimeout, so drivers
// use it like a Port. Close stops its goroutine.
type Conn struct {
	spec Spec
	opts ConnOpts

	mu          sync.Mutex
	port        Port
	dev         uint64        // rdev of the opened path, 0 if unknown
	up          chan struct{} // closed while connected
	readTimeout time.Duration
	health      Health
	lostSignal  bool // a Read has not yet reported the loss
	closed      bool

	kick chan struct{}
	done chan struct{}
	wg   sync.WaitGroup
}

// Dial returns a Conn for spec and starts connecting in the background.
// It does not wait for the device; see WaitConnected.
func Dial(spec Spec, opts *ConnOpts) *Conn {
	o := ConnOpts{}
	if opts != nil {
		o = *opts
	}
	if o.MinBackoff <= 0 {
		o.MinBackoff = 100 * time.Millisecond
	}
	if o.MaxBackoff <= 0 {
		o.MaxBackoff = time.Second
	}
	if o.Check <= 0 {
		o.Check = 250 * time.Millisecond
	}
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	if o.Open == nil {
		o.Open = Open
	}
	c := &Conn{spec: spec, opts: o, up: make(chan struct{}), kick: make(chan struct{}, 1), done: make(chan struct{})}
	c.health = Health{Spec: spec.String(), Since: time.Now()}
	c.wg.Add(1)
	go c.loop()
	return c
}

// Health returns the current state.
func (c *Conn) Health() Health {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.health
}

// WaitConnected waits up to d for the device; it reports whether it is
// connected.
func (c *Conn) WaitConnected(d time.Duration) bool {
	c.mu.Lock()
	up := c.up
	c.mu.Unlock()
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-up:
		return true
	case <-t.C:
		return false
	case <-c.done:
		return false
	}
}

func (c *Conn) loop() {
	defer c.wg.Done()
	backoff := c.opts.MinBackoff
	tick := time.NewTicker(c.opts.Check)
	defer tick.Stop()
	for {
		c.mu.Lock()
		connected := c.port != nil
		c.mu.Unlock()
		if !connected {
			if err := c.connect(); err != nil {
				c.setError(err)
				select {
				case <-c.done:
					return
				case <-time.After(backoff):
				}
				backoff = min(2*backoff, c.opts.MaxBackoff)
				continue
			}
			backoff = c.opts.MinBackoff
		}
		select {
		case <-c.done:
			return
		case <-c.kick:
		case <-tick.C:
			c.checkPath()
		}
	}
}

func (c *Conn) connect() error {
	path, err := c.spec.Resolve()
	if err != nil {
		return err
	}
	p, err := c.opts.Open(path, c.spec.Baud)
	if err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		p.Close()
		return ErrClosed
	}
	if c.readTimeout > 0 {
		if err := p.SetReadTimeout(c.readTimeout); err != nil {
			p.Close()
			return fmt.Errorf("serialport: set read timeout: %w", err)
		}
	}
	c.port, c.dev = p, rdev(path)
	now := time.Now()
	if c.health.Path != "" || c.health.LastError != "" {
		c.health.Reconnects++
	}
	c.health.Path, c.health.Connected, c.health.LastSeen, c.health.Since = path, true, now, now
	close(c.up)
	c.opts.Log.Info("serial device connected", "spec", c.spec.String(), "path", path)
	return nil
}

// checkPath drops the port if its path vanished or now names another
// device (a replug that the open descriptor has not noticed).
func (c *Conn) checkPath() {
	c.mu.Lock()
	p, dev, path := c.port, c.dev, c.health.Path
	c.mu.Unlock()
	if p == nil {
		return
	}
	if c.spec.Path == "" {
		if _, err := c.spec.Resolve(); err != nil {
			c.lose(p, err)
		}
		return
	}
	if now := rdev(path); now == 0 || (dev != 0 && now != dev) {
		c.lose(p, fmt.Errorf("serialport: %s went away", path))
	}
}

func rdev(path string) uint64 {
	fi, err := os.Stat(path)
	if err != nil {
		return 0
	}
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		return uint64(st.Rdev)
	}
	return 1
}

func (c *Conn) setError(err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.health.LastError != err.Error() {
		c.opts.Log.Warn("serial device unavailable", "spec", c.spec.String(), "err", err)
	}
	c.health.LastError, c.health.ErrorAt = err.Error(), time.Now()
}

// lose closes p (if it is still the current port) after err and wakes the
// reconnect loop.
func (c *Conn) lose(p Port, err error) {
	c.mu.Lock()
	if c.port != p || c.closed {
		c.mu.Unlock()
		return
	}
	c.port = nil
	c.up = make(chan struct{})
	now := time.Now()
	c.health.Connected, c.health.LastError, c.health.ErrorAt, c.health.Since = false, err.Error(), now, now
	c.lostSignal = true
	c.mu.Unlock()
	p.Close()
	c.opts.Log.Warn("serial device lost", "spec", c.spec.String(), "err", err)
	select {
	case c.kick <- struct{}{}:
	default:
	}
}

// Read reads from the device. While the device is away it waits up to the
// read timeout (forever if none is set) and returns (0, nil), except that
// the first Read after a loss returns ErrDisconnected.
func (c *Conn) Read(b []byte) (int, error) {
	for {
		c.mu.Lock()
		if c.closed {
			c.mu.Unlock()
			return 0, ErrClosed
		}
		p, up, rt := c.port, c.up, c.readTimeout
		if p == nil && c.lostSignal {
			c.lostSignal = false
			c.mu.Unlock()
			return 0, ErrDisconnected
		}
		c.mu.Unlock()
		if p == nil {
			var timeout <-chan time.Time
			var t *time.Timer
			if rt > 0 {
				t = time.NewTimer(rt)
				timeout = t.C
			}
			select {
			case <-up:
				if t != nil {
					t.Stop()
				}
				continue
			case <-timeout:
				return 0, nil
			case <-c.done:
				if t != nil {
					t.Stop()
				}
				return 0, ErrClosed
			}
		}
		n, err := p.Read(b)
		if n > 0 {
			c.mu.Lock()
			c.health.LastSeen = time.Now()
			c.mu.Unlock()
		}
		if err != nil {
			c.lose(p, err)
			c.mu.Lock()
			c.lostSignal = false
			closed := c.closed
			c.mu.Unlock()
			if closed {
				return n, ErrClosed
			}
			return n, fmt.Errorf("%w: %v", ErrDisconnected, err)
		}
		return n, nil
	}
}

// Write writes to the device, or returns ErrDisconnected while it is away.
func (c *Conn) Write(b []byte) (int, error) {
	c.mu.Lock()
	p, closed := c.port, c.closed
	c.mu.Unlock()
	if closed {
		return 0, ErrClosed
	}
	if p == nil {
		return 0, ErrDisconnected
	}
	n, err := p.Write(b)
	if err != nil {
		c.lose(p, err)
		return n, fmt.Errorf("%w: %v", ErrDisconnected, err)
	}
	return n, nil
}

// Drain waits until written bytes have left the UART.
func (c *Conn) Drain() error {
	c.mu.Lock()
	p := c.port
	c.mu.Unlock()
	if p == nil {
		return ErrDisconnected
	}
	return p.Drain()
}

// SetReadTimeout bounds each Read, now and after reconnects.
func (c *Conn) SetReadTimeout(d time.Duration) error {
	c.mu.Lock()
	c.readTimeout = d
	p := c.port
	c.mu.Unlock()
	if p != nil {
		return p.SetReadTimeout(d)
	}
	return nil
}

// Close closes the port and stops reconnecting. Blocked Reads return
// ErrClosed.
func (c *Conn) Close() error {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return nil
	}
	c.closed = true
	p := c.port
	c.port = nil
	c.health.Connected = false
	close(c.done)
	c.mu.Unlock()
	var err error
	if p != nil {
		err = p.Close()
	}
	c.wg.Wait()
	return err
}

var _ Port = (*Conn)(nil)
