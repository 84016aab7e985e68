package flow

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"
)

// failingReader fails every read and counts them.
type failingReader struct {
	mu    sync.Mutex
	reads int
	read  chan struct{}
}

func (r *failingReader) ReadCard(ctx context.Context) (Citizen, error) {
	r.mu.Lock()
	r.reads++
	r.mu.Unlock()
	select {
	case r.read <- struct{}{}:
	default:
	}
	return Citizen{}, errors.New("idcard: bad checksum")
}

func (r *failingReader) count() int { r.mu.Lock(); defer r.mu.Unlock(); return r.reads }

// TestReadCardOnTheFlowsClock: the pause after a failed read and the
// card wait run on the injected clock: no second read before the clock
// moves by CardRetry, and the step times out when the clock passes
// CardWait, without any real time passing.
func TestReadCardOnTheFlowsClock(t *testing.T) {
	r := newRig(t, Options{CardRetry: time.Second})
	fr := &failingReader{read: make(chan struct{}, 1)}
	r.f.d.Reader = fr
	r.f.PickService("POL-HUKOU")
	r.wait(t, "failed read hint", func(s State) bool { return s.Message == "realname.failed" })
	// The pause is a timer on the flow's clock.
	r.wait(t, "the retry pause on the clock", func(State) bool { return r.clock.pending(time.Second) })
	if n := fr.count(); n != 1 {
		t.Fatalf("%d reads before the clock moved, want 1", n)
	}
	<-fr.read
	r.clock.Advance(time.Second)
	<-fr.read // the second read comes once the flow's clock passed the pause
	if n := fr.count(); n < 2 {
		t.Fatalf("%d reads after the pause", n)
	}
	r.clock.Advance(DefaultOptions.CardWait)
	s := r.waitScreen(t, ScreenMessage)
	if s.Message != "realname.timeout" {
		t.Fatalf("message %q, want realname.timeout", s.Message)
	}
}

// TestCountdownOption: the countdown's length is an option.
func TestCountdownOption(t *testing.T) {
	r := newRig(t, Options{Countdown: 5 * time.Second})
	r.f.OpenZone("TAX")
	r.clock.Advance(DefaultOptions.Idle - 6*time.Second)
	if c := r.f.State().Countdown; c != 0 {
		t.Fatalf("countdown %d 6 s before the timeout", c)
	}
	r.clock.Advance(time.Second)
	if c := r.f.State().Countdown; c != 5 {
		t.Fatalf("countdown %d 5 s before the timeout, want 5", c)
	}
}

// TestDefaultsWrittenOnce: a zero Options takes every duration of
// DefaultOptions.
func TestDefaultsWrittenOnce(t *testing.T) {
	got := Options{}.withDefaults()
	want := DefaultOptions
	want.CardPoll = cardPoll
	if got.ReadyWait != want.ReadyWait || got.CardRetry != want.CardRetry || got.IDTestWait != want.IDTestWait ||
		got.LocalWait != want.LocalWait || got.Countdown != want.Countdown || got.CardPollFor != want.CardPollFor ||
		got.CardPoll != want.CardPoll || got.Idle != want.Idle {
		t.Fatalf("defaults\n got %+v\nwant %+v", got, want)
	}
}

// pending reports whether a timer due d from now waits on the clock.
func (c *fakeClock) pending(d time.Duration) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, t := range c.timers {
		if !t.stopped && t.at.Equal(c.now.Add(d)) {
			return true
		}
	}
	return false
}
