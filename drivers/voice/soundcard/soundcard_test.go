package soundcard

import (
	"context"
	"errors"
	"testing"
	"time"

	"hallkiosk/drivers/voice"
)

// TestOpen plays a short announcement where there is a sound card, and
// checks that a machine without one gets ErrNoDevice rather than a crash or
// a hang.
func TestOpen(t *testing.T) {
	c, err := Open(nil)
	if err != nil {
		if !errors.Is(err, ErrNoDevice) {
			t.Fatalf("Open: %v, want ErrNoDevice", err)
		}
		t.Logf("no sound card here: %v", err)
		return
	}
	defer c.Close()
	a, err := voice.NewAnnouncer(&voice.Opts{Sink: c})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := a.Play(ctx, voice.Announcement{Number: "A1", Window: 1}); err != nil {
		t.Fatal(err)
	}
	if err := c.Play(ctx, make([]int16, 10), 8000); err == nil {
		t.Fatal("Play at the wrong rate succeeded")
	}
}
