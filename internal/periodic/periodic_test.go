package periodic

import (
	"context"
	"testing"
	"time"
)

// run starts Run with interval d and returns its calls and a stop function
// that cancels and waits for Run to return.
func run(t *testing.T, d time.Duration) (<-chan struct{}, func()) {
	ctx, cancel := context.WithCancel(context.Background())
	calls := make(chan struct{}, 100)
	done := make(chan struct{})
	go func() {
		defer close(done)
		Run(ctx, d, func(context.Context) {
			select {
			case calls <- struct{}{}:
			default:
			}
		})
	}()
	return calls, func() {
		cancel()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			t.Fatal("Run did not return after cancel")
		}
	}
}

func TestRunCallsAtOnce(t *testing.T) {
	calls, stop := run(t, time.Hour)
	defer stop()
	select {
	case <-calls:
	case <-time.After(5 * time.Second):
		t.Fatal("no call before the first interval")
	}
}

func TestRunRepeats(t *testing.T) {
	calls, stop := run(t, time.Millisecond)
	defer stop()
	for i := range 3 {
		select {
		case <-calls:
		case <-time.After(5 * time.Second):
			t.Fatalf("only %d calls", i)
		}
	}
}
