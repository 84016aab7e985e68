package soundcard

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/gen2brain/malgo"

	"hallkiosk/drivers/voice"
)

// ErrNoDevice means no sound output could be opened.
var ErrNoDevice = errors.New("soundcard: no sound output")

// Opts configures a Card.
type Opts struct {
	// Rate is the sample rate; 0 means voice.SampleRate.
	Rate int
	// Device picks the output whose name contains it (case-insensitive),
	// e.g. "USB Audio" for a zone's own speaker; empty means the default
	// output. No output of that name: ErrNoDevice.
	Device string
}

// Card is an open sound output playing 16-bit mono PCM.
type Card struct {
	rate int
	ctx  *malgo.AllocatedContext
	dev  *malgo.Device

	mu      sync.Mutex
	pending []int16
	drained chan struct{} // closed when pending runs empty; nil when idle
	closed  bool
}

var _ voice.Sink = (*Card)(nil)

// Open opens the default sound output.
func Open(opts *Opts) (*Card, error) {
	c := &Card{rate: voice.SampleRate}
	if opts != nil && opts.Rate > 0 {
		c.rate = opts.Rate
	}
	backends := []malgo.Backend{malgo.BackendPulseaudio, malgo.BackendAlsa, malgo.BackendJack}
	ctx, err := malgo.InitContext(backends, malgo.ContextConfig{}, nil)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrNoDevice, err)
	}
	cfg := malgo.DefaultDeviceConfig(malgo.Playback)
	cfg.Playback.Format = malgo.FormatS16
	cfg.Playback.Channels = 1
	cfg.SampleRate = uint32(c.rate)
	cfg.Alsa.NoMMap = 1
	if opts != nil && opts.Device != "" {
		infos, err := ctx.Devices(malgo.Playback)
		found := false
		for i := range infos {
			if err == nil && strings.Contains(strings.ToLower(infos[i].Name()), strings.ToLower(opts.Device)) {
				cfg.Playback.DeviceID = infos[i].ID.Pointer()
				found = true
				break
			}
		}
		if !found {
			_ = ctx.Uninit()
			ctx.Free()
			return nil, fmt.Errorf("%w: no output named %q", ErrNoDevice, opts.Device)
		}
	}
	dev, err := malgo.InitDevice(ctx.Context, cfg, malgo.DeviceCallbacks{Data: c.fill})
	if err != nil {
		_ = ctx.Uninit()
		ctx.Free()
		return nil, fmt.Errorf("%w: %v", ErrNoDevice, err)
	}
	if err := dev.Start(); err != nil {
		dev.Uninit()
		_ = ctx.Uninit()
		ctx.Free()
		return nil, fmt.Errorf("%w: start: %v", ErrNoDevice, err)
	}
	c.ctx, c.dev = ctx, dev
	return c, nil
}

// fill is miniaudio's data callback: it copies pending samples into out
// and pads with silence.
func (c *Card) fill(out, _ []byte, frames uint32) {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := min(int(frames), len(c.pending), len(out)/2)
	for i := 0; i < n; i++ {
		s := uint16(c.pending[i])
		out[2*i], out[2*i+1] = byte(s), byte(s>>8)
	}
	clear(out[2*n:])
	c.pending = c.pending[n:]
	if len(c.pending) == 0 && c.drained != nil {
		close(c.drained)
		c.drained = nil
	}
}

// Play queues pcm on the card and waits until it has been handed to the
// device (plus its buffer time) or ctx ends, which cuts the sound off.
func (c *Card) Play(ctx context.Context, pcm []int16, rate int) error {
	if rate != c.rate {
		return fmt.Errorf("soundcard: sound is %d Hz, card opened at %d Hz", rate, c.rate)
	}
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return fmt.Errorf("soundcard: closed")
	}
	c.pending = append(c.pending, pcm...)
	if c.drained == nil {
		c.drained = make(chan struct{})
	}
	done := c.drained
	c.mu.Unlock()
	// Fallback in case the device stops calling back: the sound's length
	// plus a margin.
	limit := time.Duration(len(pcm))*time.Second/time.Duration(c.rate) + 2*time.Second
	t := time.NewTimer(limit)
	defer t.Stop()
	select {
	case <-done:
		// Let the device's own buffer play out.
		time.Sleep(100 * time.Millisecond)
		return nil
	case <-ctx.Done():
		c.mu.Lock()
		c.pending = nil
		c.mu.Unlock()
		return ctx.Err()
	case <-t.C:
		return fmt.Errorf("soundcard: playback stalled")
	}
}

// Close stops the device and frees it.
func (c *Card) Close() error {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return nil
	}
	c.closed = true
	c.mu.Unlock()
	c.dev.Uninit()
	err := c.ctx.Uninit()
	c.ctx.Free()
	if err != nil {
		return fmt.Errorf("soundcard: close: %w", err)
	}
	return nil
}
