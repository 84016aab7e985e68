package camera

import (
	"context"
	"sync"
)

// Latest wraps a Source so that a slow consumer always gets the newest
// frame: a goroutine reads the source continuously and keeps only the most
// recent frame; frames replaced before being read are counted as dropped.
// When the source fails (or ends with io.EOF), Next returns the last
// pending frame and then that error.
type Latest struct {
	src    Source
	cancel context.CancelFunc
	done   chan struct{}

	mu      sync.Mutex
	frame   *Frame
	err     error
	dropped uint64
	closed  bool
	ready   chan struct{} // signalled (cap 1) when frame or err is set
}

// NewLatest starts reading src. Close stops the goroutine, waits for it and
// closes src.
func NewLatest(src Source) *Latest {
	ctx, cancel := context.WithCancel(context.Background())
	l := &Latest{src: src, cancel: cancel, done: make(chan struct{}), ready: make(chan struct{}, 1)}
	go l.loop(ctx)
	return l
}

func (l *Latest) loop(ctx context.Context) {
	defer close(l.done)
	for {
		f, err := l.src.Next(ctx)
		l.mu.Lock()
		if err != nil {
			if ctx.Err() == nil {
				l.err = err
			}
			l.mu.Unlock()
			l.signal()
			return
		}
		if l.frame != nil {
			l.dropped++
		}
		l.frame = &f
		l.mu.Unlock()
		l.signal()
		if ctx.Err() != nil {
			return
		}
	}
}

func (l *Latest) signal() {
	select {
	case l.ready <- struct{}{}:
	default:
	}
}

// Next returns the newest frame not returned before, waiting for one.
func (l *Latest) Next(ctx context.Context) (Frame, error) {
	for {
		l.mu.Lock()
		if l.closed {
			l.mu.Unlock()
			return Frame{}, ErrClosed
		}
		if l.frame != nil {
			f := *l.frame
			l.frame = nil
			l.mu.Unlock()
			return f, nil
		}
		if l.err != nil {
			err := l.err
			l.mu.Unlock()
			return Frame{}, err
		}
		l.mu.Unlock()
		select {
		case <-ctx.Done():
			return Frame{}, ctx.Err()
		case <-l.done:
			l.mu.Lock()
			if l.frame == nil && l.err == nil {
				l.err = ErrClosed
			}
			l.mu.Unlock()
		case <-l.ready:
		}
	}
}

// Dropped returns how many frames were replaced before anyone read them.
func (l *Latest) Dropped() uint64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.dropped
}

// Close stops reading, waits for the goroutine and closes the source.
func (l *Latest) Close() error {
	l.mu.Lock()
	l.closed = true
	l.mu.Unlock()
	l.cancel()
	err := l.src.Close() // wakes a source blocked in Next
	<-l.done
	return err
}
