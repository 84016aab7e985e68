package adapters

import (
	"context"
	"fmt"
	"sync"

	"hallkiosk/kiosk/flow"
)

// Codes turns a scanner's stream of codes into the flow's NextCode: a code
// goes to the screen waiting for one, and codes scanned while no screen
// waits are dropped (a code shown to the scanner on the home screen must not
// surface later on another screen).
type Codes struct {
	mu      sync.Mutex
	waiting chan string
	done    chan struct{}
	wg      sync.WaitGroup
}

var _ flow.CodeSource = (*Codes)(nil)

// NewCodes starts forwarding codes from src until src is closed or Close is
// called.
func NewCodes(src <-chan string) *Codes {
	c := &Codes{done: make(chan struct{})}
	c.wg.Add(1)
	go func() {
		defer c.wg.Done()
		for {
			select {
			case <-c.done:
				return
			case code, ok := <-src:
				if !ok {
					return
				}
				c.mu.Lock()
				w := c.waiting
				c.waiting = nil
				c.mu.Unlock()
				if w != nil {
					w <- code // buffered: never blocks
				}
			}
		}
	}()
	return c
}

// NextCode waits for the next code scanned from now on.
func (c *Codes) NextCode(ctx context.Context) (string, error) {
	w := make(chan string, 1)
	c.mu.Lock()
	c.waiting = w
	c.mu.Unlock()
	select {
	case code := <-w:
		return code, nil
	case <-ctx.Done():
		c.mu.Lock()
		if c.waiting == w {
			c.waiting = nil
		}
		c.mu.Unlock()
		return "", fmt.Errorf("adapters: scanner: %w", ctx.Err())
	case <-c.done:
		return "", fmt.Errorf("adapters: scanner: closed")
	}
}

// Close stops forwarding and waits.
func (c *Codes) Close() {
	select {
	case <-c.done:
	default:
		close(c.done)
	}
	c.wg.Wait()
}
