package voice

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"
)

// QuietHours is a daily period (local time) with a different volume, e.g.
// the lunch break or the 24-hour self-service zone at night. From == To
// means none; From > To wraps past midnight.
type QuietHours struct {
	From, To time.Duration // offsets from midnight
	Volume   int           // percent during quiet hours; 0 is silent
}

// In reports whether t falls in the quiet hours.
func (q QuietHours) In(t time.Time) bool {
	if q.From == q.To {
		return false
	}
	y, m, d := t.Date()
	off := t.Sub(time.Date(y, m, d, 0, 0, 0, 0, t.Location()))
	if q.From < q.To {
		return off >= q.From && off < q.To
	}
	return off >= q.From || off < q.To
}

// Opts configures an Announcer.
type Opts struct {
	// Clips to build utterances from; nil means DefaultClips.
	Clips *Clips
	// Sink plays the sound; nil means Null.
	Sink Sink
	// Gaps between clips; nil means DefaultGaps.
	Gaps *Gaps
	// Volume in percent (1..100); 0 means 100. SetVolume changes it later.
	Volume int
	// Quiet are the quiet hours.
	Quiet QuietHours
	// QueueLen is how many announcements may wait; 0 means 32.
	QueueLen int
	// MaxWait drops announcements that waited longer than this in the
	// queue (the citizen has been served or the call was repeated); 0 means
	// never.
	MaxWait time.Duration
	// Now is the clock for quiet hours and MaxWait; nil means time.Now.
	Now func() time.Time
	// Log gets playback failures; nil means slog.Default.
	Log *slog.Logger
}

// ErrQueueFull means Say found the queue full; the announcement is dropped.
var ErrQueueFull = errors.New("voice: announcement queue full")

// Announcer plays announcements one at a time.
type Announcer struct {
	clips *Clips
	sink  Sink
	gaps  Gaps
	quiet QuietHours
	now   func() time.Time
	log   *slog.Logger
	wait  time.Duration
	q     chan queued

	mu     sync.Mutex // held while playing: no overlap
	volume int
}

// NewAnnouncer returns an Announcer; call Run to play what Say queues.
func NewAnnouncer(opts *Opts) (*Announcer, error) {
	var o Opts
	if opts != nil {
		o = *opts
	}
	if o.Clips == nil {
		c, err := DefaultClips()
		if err != nil {
			return nil, err
		}
		o.Clips = c
	}
	if o.Sink == nil {
		o.Sink = Null{}
	}
	g := DefaultGaps
	if o.Gaps != nil {
		g = *o.Gaps
	}
	if o.Volume == 0 {
		o.Volume = 100
	}
	if o.Volume < 0 || o.Volume > 100 || o.Quiet.Volume < 0 || o.Quiet.Volume > 100 {
		return nil, fmt.Errorf("voice: volume must be 0-100")
	}
	if o.QueueLen <= 0 {
		o.QueueLen = 32
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Log == nil {
		o.Log = slog.Default()
	}
	return &Announcer{clips: o.Clips, sink: o.Sink, gaps: g, quiet: o.Quiet, now: o.Now, log: o.Log,
		q: make(chan queued, o.QueueLen), volume: o.Volume, wait: o.MaxWait}, nil
}

type queued struct {
	an Announcement
	at time.Time
}

// SetVolume sets the volume in percent (0 mutes).
func (a *Announcer) SetVolume(pct int) {
	a.mu.Lock()
	a.volume = min(max(pct, 0), 100)
	a.mu.Unlock()
}

// Say queues an announcement. It does not wait for it to be played.
func (a *Announcer) Say(an Announcement) error {
	if _, err := Words(an); err != nil {
		return err
	}
	select {
	case a.q <- queued{an, a.now()}:
		return nil
	default:
		return ErrQueueFull
	}
}

// Run plays queued announcements in order until ctx ends. Failures are
// logged and the next announcement is played.
func (a *Announcer) Run(ctx context.Context) error {
	for {
		select {
		case <-ctx.Done():
			return nil
		case q := <-a.q:
			if a.wait > 0 && a.now().Sub(q.at) > a.wait {
				a.log.Warn("voice: announcement dropped, waited too long", "window", q.an.Window, "waited", a.now().Sub(q.at))
				continue
			}
			if err := a.Play(ctx, q.an); err != nil && ctx.Err() == nil {
				a.log.Warn("voice: announcement failed", "window", q.an.Window, "err", err)
			}
		}
	}
}

// Play renders an and plays it now, waiting for the sink. Concurrent calls
// are played one after the other.
func (a *Announcer) Play(ctx context.Context, an Announcement) error {
	pcm, err := a.clips.Render(an, a.gaps)
	if err != nil {
		return err
	}
	return a.playScaled(ctx, pcm, a.clips.Rate)
}

// playScaled scales pcm (owned by the caller) to the volume in force now
// (quiet hours included) and plays it, one utterance at a time: the lock
// keeps announcements and prompts from overlapping.
func (a *Announcer) playScaled(ctx context.Context, pcm []int16, rate int) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	vol := a.volume
	if a.quiet.In(a.now()) {
		vol = min(vol, a.quiet.Volume)
	}
	if vol == 0 {
		return nil
	}
	if vol < 100 {
		for i, s := range pcm {
			pcm[i] = int16(int(s) * vol / 100)
		}
	}
	return a.sink.Play(ctx, pcm, rate)
}
