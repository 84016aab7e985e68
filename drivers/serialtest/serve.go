package serialtest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync"
	"time"

	"golang.org/x/sys/unix"
)

// Serve is the serve loop of the device simulators (idcardsim, scannersim,
// evaluatorsim): it reads port and hands what arrives to handle, on the
// caller's goroutine, until ctx ends, a read fails or handle returns an
// error. It returns only once nothing it started still runs, so a
// simulator's Run leaves no reader behind.
//
// A Read blocked when ctx ends is woken: a file (a pty master, whose Read a
// Close does not interrupt) is polled before each read; a port with
// SetReadDeadline (a net.Conn) gets a deadline in the past, cleared again
// before Serve returns. Any other port must be closed, or its far end, for
// Serve to return after ctx ends.
//
// Serve returns nil once ctx has ended, handle's error as it is, and a
// read's error wrapped ("read: ...").
func Serve(ctx context.Context, port io.Reader, handle func(b []byte) error) error {
	wait := Waiter(port)
	if dl, ok := port.(interface{ SetReadDeadline(time.Time) error }); ok && !hasFd(port) {
		var wg sync.WaitGroup
		wg.Add(1)
		stop := context.AfterFunc(ctx, func() {
			defer wg.Done()
			dl.SetReadDeadline(time.Unix(1, 0))
		})
		defer func() {
			if !stop() {
				wg.Wait()
				dl.SetReadDeadline(time.Time{})
			}
		}()
	}
	buf := make([]byte, 4096)
	for {
		if err := wait(ctx); err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return fmt.Errorf("poll: %w", err)
		}
		n, err := port.Read(buf)
		if ctx.Err() != nil {
			return nil
		}
		if n > 0 {
			if herr := handle(buf[:n]); herr != nil {
				return herr
			}
		}
		if err != nil {
			return fmt.Errorf("read: %w", err)
		}
	}
}

func hasFd(port io.Reader) bool {
	_, ok := port.(interface{ Fd() uintptr })
	return ok
}

// Waiter returns a function that waits until port is readable or ctx ends.
// A pty master is a blocking file whose Read a Close does not interrupt, so
// for files it polls the descriptor with a short timeout; for other ports it
// returns at once (unless ctx has ended).
func Waiter(port io.Reader) func(ctx context.Context) error {
	f, ok := port.(interface{ Fd() uintptr })
	if !ok {
		return func(ctx context.Context) error { return ctx.Err() }
	}
	fd := int32(f.Fd())
	return func(ctx context.Context) error {
		for ctx.Err() == nil {
			fds := []unix.PollFd{{Fd: fd, Events: unix.POLLIN}}
			n, err := unix.Poll(fds, 100)
			if errors.Is(err, unix.EINTR) {
				continue
			}
			if err != nil {
				return err
			}
			if n > 0 {
				return nil
			}
		}
		return ctx.Err()
	}
}
