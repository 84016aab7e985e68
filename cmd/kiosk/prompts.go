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
	}
	log.Info("kiosk voice prompts on", "output", cfg.Voice.Output, "volume", cfg.Voice.Volume)
	return &adapters.Voice{Sink: sink, Volume: cfg.Voice.Volume, Log: log}
}

// lazyCard opens the sound card when there is something to play.
type lazyCard struct {
	log  *slog.Logger
	mu   sync.Mutex
	card *soundcard.Card
}

var _ voice.Sink = (*lazyCard)(nil)

// Play opens the card if needed and plays pcm.
func (l *lazyCard) Play(ctx context.Context, pcm []int16, rate int) error {
	l.mu.Lock()
	if l.card == nil {
		c, err := soundcard.Open(&soundcard.Opts{Rate: rate})
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
