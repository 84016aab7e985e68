package main

import (
	"context"
	"log/slog"
	"strings"
	"sync"

	"hallkiosk/drivers/voice"
	"hallkiosk/drivers/voice/soundcard"
	"hallkiosk/kiosk/flow"
	"hallkiosk/kiosk/flow/adapters"
)

// promptVoice returns the announcer of the elder-mode prompts: the voice
// driver's prompt clips, played on the sound card (opened at the first
// prompt, and again after a failure, so a card plugged in later is found),
// or written to a directory when voice.output is wav:DIR (demos, tests). The
// sound card is closed with the kiosk.
func promptVoice(k *kiosk, cfg *Config, log *slog.Logger) flow.Announcer {
	var sink voice.Sink
	if dir, ok := strings.CutPrefix(cfg.Voice.Output, "wav:"); ok {
		sink = &voice.WAVDir{Dir: dir}
	} else {
		c := &lazyCard{log: log}
		k.closers = append(k.closers, c.Close)
		sink = c
		c.probe()
		k.noSound = c.Missing
	}
	log.Info("kiosk voice prompts on", "output", cfg.Voice.Output, "volume", cfg.Voice.Volume)
	return &adapters.Voice{Sink: sink, Volume: cfg.Voice.Volume, Log: log}
}

// lazyCard opens the sound card when there is something to play.
type lazyCard struct {
	log     *slog.Logger
	mu      sync.Mutex
	card    *soundcard.Card
	missing bool // the last open failed: no sound card
}

// probe opens the card once at start-up and closes it again, so that a
// kiosk without a sound card says so in maintenance before a citizen
// turns elder mode on.
func (l *lazyCard) probe() {
	c, err := soundcard.Open(&soundcard.Opts{Rate: 16000})
	l.mu.Lock()
	defer l.mu.Unlock()
	l.missing = err != nil
	if err != nil {
		l.log.Warn("kiosk voice: no sound card", "err", err)
		return
	}
	_ = c.Close()
}

// Missing reports whether the sound card could not be opened.
func (l *lazyCard) Missing() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.missing
}

var _ voice.Sink = (*lazyCard)(nil)

// Play opens the card if needed and plays pcm.
func (l *lazyCard) Play(ctx context.Context, pcm []int16, rate int) error {
	l.mu.Lock()
	if l.card == nil {
		c, err := soundcard.Open(&soundcard.Opts{Rate: rate})
		l.missing = err != nil
		if err != nil {
			l.mu.Unlock()
			return err
		}
		l.card = c
	}
	c := l.card
	l.mu.Unlock()
	return c.Play(ctx, pcm, rate)
}

// Close closes the card if it was opened.
func (l *lazyCard) Close() {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.card != nil {
		_ = l.card.Close()
		l.card = nil
	}
}
