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
	// QueueLen is how many announcements may wait at most, a safety bound
	// far past any hall's burst; 0 means 10,000. Say refuses more
	// (ErrQueueFull), which the caller logs.
	QueueLen int
	// Backlog is the backlog limit: while more announcements than this
	// wait, the one played next is said once (its repeats skipped) and an
	// optional one (Announcement.Optional: a second language) is skipped,
	// so that the queue catches up; a call's first saying is never
	// skipped. The first time a burst passes the limit is logged (a
	// warning, once until the queue is empty again). 0 means
	// DefaultBacklog; negative: repeats are never skipped for the backlog.
	Backlog int
	// MaxWait: an announcement that waited longer than this in the queue
	// is said once, without repeats (an optional one is skipped); 0 means
	// never. Nothing is dropped for waiting.
	MaxWait time.Duration
	// Now is the clock for quiet hours and MaxWait; nil means time.Now.
	Now func() time.Time
	// Log gets playback failures; nil means slog.Default.
	Log *slog.Logger
}

// ErrQueueFull means Say found the queue full (Opts.QueueLen); the
// announcement is not queued.
var ErrQueueFull = errors.New("voice: announcement queue full")

// DefaultBacklog is the default backlog limit (Opts.Backlog).
const DefaultBacklog = 4

// Announcer plays announcements one at a time.
type Announcer struct {
	clips *Clips
	sink  Sink
	gaps  Gaps
	quiet QuietHours
	now   func() time.Time
	log   *slog.Logger
	wait  time.Duration
	limit int // Opts.Backlog; < 0: none
	maxQ  int

	qmu       sync.Mutex
	q         []queued
	wake      chan struct{} // a token when q gains an entry
	burst     bool          // the backlog passed the limit (logged) since q was last empty
	said      int64         // announcements played (or muted by volume)
	skipped   int64         // sayings skipped: repeats and optional announcements
	playingAt time.Time     // when the announcement being played was queued; zero when idle
	queuedN   int64         // announcements Say accepted
	doneN     int64         // of them, played to the end or skipped (in the order queued)

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
		o.QueueLen = 10000
	}
	switch {
	case o.Backlog == 0:
		o.Backlog = DefaultBacklog
	case o.Backlog < 0:
		o.Backlog = -1
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Log == nil {
		o.Log = slog.Default()
	}
	return &Announcer{clips: o.Clips, sink: o.Sink, gaps: g, quiet: o.Quiet, now: o.Now, log: o.Log,
		maxQ: o.QueueLen, limit: o.Backlog, wake: make(chan struct{}, 1), volume: o.Volume, wait: o.MaxWait}, nil
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
	a.qmu.Lock()
	if len(a.q) >= a.maxQ {
		a.qmu.Unlock()
		return ErrQueueFull
	}
	a.q = append(a.q, queued{an, a.now()})
	a.queuedN++
	n := len(a.q)
	warn := a.limit >= 0 && n > a.limit && !a.burst
	if warn {
		a.burst = true
	}
	a.qmu.Unlock()
	if warn {
		a.log.Warn("voice: announcement backlog past the limit; repeats are skipped until it catches up", "waiting", n, "limit", a.limit)
	}
	select {
	case a.wake <- struct{}{}:
	default:
	}
	return nil
}

// Backlog is what Announcer.Backlog reports.
type Backlog struct {
	Waiting int       `json:"waiting"`           // announcements queued, not yet played
	Oldest  time.Time `json:"oldest,omitzero"`   // when the oldest waiting (or the one playing) was queued
	Limit   int       `json:"limit"`             // the backlog limit; -1: none
	Said    int64     `json:"said"`              // announcements played since the start
	Skipped int64     `json:"skipped"`           // repeats and optional announcements skipped for the backlog
	Playing bool      `json:"playing,omitempty"` // an announcement is being played
}

// Backlog reports the queue: how many wait and since when, and what was
// played and skipped.
func (a *Announcer) Backlog() Backlog {
	a.qmu.Lock()
	defer a.qmu.Unlock()
	b := Backlog{Waiting: len(a.q), Limit: a.limit, Said: a.said, Skipped: a.skipped, Playing: !a.playingAt.IsZero()}
	b.Oldest = a.playingAt
	if b.Oldest.IsZero() && len(a.q) > 0 {
		b.Oldest = a.q[0].at
	}
	return b
}

// Progress reports how many announcements Say has queued since the start
// and how many of them are done: played to the end, or skipped for the
// backlog. They are done in the order queued, so the k-th accepted
// announcement is done once done >= k.
func (a *Announcer) Progress() (queued, done int64) {
	a.qmu.Lock()
	defer a.qmu.Unlock()
	return a.queuedN, a.doneN
}

// next takes the oldest queued announcement and decides how it is said:
// once, without repeats, when the backlog behind it is past the limit or it
// waited longer than MaxWait; an optional one is then skipped (ok false).
func (a *Announcer) next() (an Announcement, ok, any bool) {
	a.qmu.Lock()
	defer a.qmu.Unlock()
	if len(a.q) == 0 {
		a.burst = false
		return an, false, false
	}
	q := a.q[0]
	a.q[0] = queued{}
	a.q = a.q[1:]
	an = q.an
	hurry := a.limit >= 0 && len(a.q) >= a.limit || a.wait > 0 && a.now().Sub(q.at) > a.wait
	if hurry {
		if an.Optional {
			a.skipped++
			a.doneN++
			return an, false, true
		}
		if an.Repeat > 1 {
			a.skipped += int64(an.Repeat - 1)
			an.Repeat = 1
		}
	}
	a.playingAt = q.at
	return an, true, true
}

// Run plays queued announcements in order until ctx ends. Failures are
// logged and the next announcement is played.
func (a *Announcer) Run(ctx context.Context) error {
	for {
		an, ok, any := a.next()
		if !any {
			select {
			case <-ctx.Done():
				return nil
			case <-a.wake:
			}
			continue
		}
		if ctx.Err() != nil {
			return nil
		}
		if !ok {
			continue
		}
		err := a.Play(ctx, an)
		a.qmu.Lock()
		a.said++
		if ctx.Err() == nil {
			a.doneN++ // not when the end of Run cut it short
		}
		a.playingAt = time.Time{}
		a.qmu.Unlock()
		if err != nil && ctx.Err() == nil {
			a.log.Warn("voice: announcement failed", "window", an.Window, "err", err)
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
