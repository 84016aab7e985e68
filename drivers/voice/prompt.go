package voice

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"

	voiceassets "hallkiosk/assets/voice"
)

// Kiosk prompts are short spoken instructions for the kiosk's elder mode
// ("请取走您的号票", "please take your ticket"). Each is one clip per
// language, named "prompt/<lang>/<id>" where id is the kiosk's i18n key
// ("prompt/zh/ticket.take"); scripts/voice-prompts.sh makes them, the
// Mandarin ones from the same recorded syllables as the call announcements.

var (
	promptsOnce    sync.Once
	defaultPrompts *Clips
	promptsErr     error
)

// DefaultPrompts returns the kiosk prompts shipped in hallkiosk/assets/voice
// (prompt/zh/*.wav, prompt/en/*.wav), loaded once, apart from the
// announcement clips so that a hall server never holds them.
func DefaultPrompts() (*Clips, error) {
	promptsOnce.Do(func() {
		defaultPrompts, promptsErr = loadClips(voiceassets.FS, func(p string) bool { return strings.HasPrefix(p, "prompt/") })
	})
	return defaultPrompts, promptsErr
}

// ErrNoPrompt means the clips hold no prompt of that id in that language.
var ErrNoPrompt = errors.New("voice: no such prompt")

// PromptClip returns the clip name of prompt id in language l.
func PromptClip(l Lang, id string) string { return "prompt/" + l.String() + "/" + id }

// Prompts returns the ids of the prompts the clips hold in language l,
// sorted.
func (c *Clips) Prompts(l Lang) []string {
	prefix := PromptClip(l, "")
	var ids []string
	for name := range c.m {
		if id, ok := strings.CutPrefix(name, prefix); ok && id != "" {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	return ids
}

// Prompt plays prompt id in language l now, without a chime, and waits for
// the sink. Volume and quiet hours apply as to announcements, and it never
// overlaps an announcement or another prompt: it waits for the one playing.
// The prompt is taken from the announcer's clips when they hold it (Opts.Clips
// loaded with LoadClips from a directory with prompt/ in it), otherwise from
// DefaultPrompts. A prompt neither has is ErrNoPrompt.
func (a *Announcer) Prompt(ctx context.Context, l Lang, id string) error {
	clips := a.clips
	if _, ok := clips.Clip(PromptClip(l, id)); !ok {
		p, err := DefaultPrompts()
		if err != nil {
			return err
		}
		clips = p
	}
	clip, ok := clips.Clip(PromptClip(l, id))
	if !ok {
		return fmt.Errorf("%w: %s %q", ErrNoPrompt, l, id)
	}
	pcm := append([]int16(nil), clip...) // clips are shared
	if err := ctx.Err(); err != nil {
		return err
	}
	return a.playScaled(ctx, pcm, clips.Rate)
}
