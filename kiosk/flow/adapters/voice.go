package adapters

import (
	"context"
	"errors"
	"log/slog"
	"sync"

	"hallkiosk/drivers/voice"
	"hallkiosk/kiosk/flow"
	"hallkiosk/kiosk/i18n"
)

// Voice is the flow's Announcer: it speaks the elder-mode prompts (the flow
// asks only in elder mode) through drivers/voice, each prompt the clip of the
// same i18n key (voice.Announcer.Prompt). Screens without a recorded prompt
// stay silent. The announcer and its clips are loaded at the first prompt,
// so a kiosk nobody switches to elder mode holds no decoded audio.
type Voice struct {
	// Sink plays the prompts (a sound card, a voice.WAVDir); nil means
	// voice.Null.
	Sink voice.Sink
	// Volume in percent, 0 means 100.
	Volume int
	// Log gets the driver's failures; nil means slog.Default.
	Log *slog.Logger

	once sync.Once
	a    *voice.Announcer
	err  error
}

var _ flow.Announcer = (*Voice)(nil)

// Say speaks the prompt key in lang and waits until it has been played.
func (v *Voice) Say(ctx context.Context, lang i18n.Lang, key string) error {
	v.once.Do(func() {
		var p *voice.Clips
		if p, v.err = voice.DefaultPrompts(); v.err == nil {
			v.a, v.err = voice.NewAnnouncer(&voice.Opts{Clips: p, Sink: v.Sink, Volume: v.Volume, Log: v.Log})
		}
	})
	if v.err != nil {
		return v.err
	}
	l := voice.Mandarin
	if lang == i18n.EN {
		l = voice.English
	}
	err := v.a.Prompt(ctx, l, key)
	if errors.Is(err, voice.ErrNoPrompt) {
		return nil
	}
	return err
}
