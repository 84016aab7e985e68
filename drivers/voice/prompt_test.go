package voice

import (
	"context"
	"errors"
	"slices"
	"sync"
	"testing"
	"time"
)

// TestPrompts: the shipped clips hold the same kiosk prompts in Mandarin and
// English; Prompt plays exactly the prompt's clip (no chime), at the volume,
// never overlapping an announcement; an unknown prompt is ErrNoPrompt.
func TestPrompts(t *testing.T) {
	clips, err := DefaultPrompts()
	if err != nil {
		t.Fatal(err)
	}
	if calls, _ := DefaultClips(); len(calls.Prompts(Mandarin)) != 0 {
		t.Error("the call-announcement clips hold the kiosk prompts")
	}
	zh, en := clips.Prompts(Mandarin), clips.Prompts(English)
	for _, want := range []string{"realname.lay", "ticket.take", "zone.pick", "home.touch"} {
		if !slices.Contains(zh, want) {
			t.Errorf("no Mandarin prompt %q in %v", want, zh)
		}
	}
	if !slices.Equal(zh, en) {
		t.Errorf("prompts differ: zh %v, en %v", zh, en)
	}
	for _, id := range zh {
		pcm := clipFile(t, "prompt/zh/"+id)
		if d := time.Duration(len(pcm)) * time.Second / SampleRate; d < 500*time.Millisecond || d > 15*time.Second { // calm pace (≤ 3 syllables/s, kiosk/flow/adapters TestPromptsCalmPaceSameWords): the longest message takes about 14 s
			t.Errorf("prompt %s lasts %v", id, d)
		}
	}

	sink := &recordSink{delay: 5 * time.Millisecond}
	a, err := NewAnnouncer(&Opts{Sink: sink, Volume: 50})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { defer wg.Done(); _ = a.Play(ctx, Announcement{Number: "A001", Window: 3}) }()
	if err := a.Prompt(ctx, Mandarin, "ticket.take"); err != nil {
		t.Fatal(err)
	}
	wg.Wait()
	if err := a.Prompt(ctx, English, "ticket.take"); err != nil {
		t.Fatal(err)
	}
	if err := a.Prompt(ctx, Mandarin, "no.such.prompt"); !errors.Is(err, ErrNoPrompt) {
		t.Fatalf("unknown prompt: %v", err)
	}
	if sink.overlap {
		t.Error("a prompt overlapped an announcement")
	}
	var got [][]int16 // the plays that are not the announcement (which starts with the chime)
	chime := half(clipFile(t, "chime"))
	for _, p := range sink.plays {
		if len(p) < len(chime) || !slices.Equal(p[:len(chime)], chime) {
			got = append(got, p)
		}
	}
	wantZh, wantEn := half(clipFile(t, "prompt/zh/ticket.take")), half(clipFile(t, "prompt/en/ticket.take"))
	if len(got) != 2 || !slices.Equal(got[0], wantZh) || !slices.Equal(got[1], wantEn) {
		t.Fatalf("played %d prompts (want the zh then the en clip at half volume)", len(got))
	}
	a.SetVolume(0)
	if err := a.Prompt(ctx, Mandarin, "ticket.take"); err != nil {
		t.Fatal(err)
	}
	if n := len(sink.plays); n != 3 {
		t.Errorf("muted prompt played: %d plays", n)
	}
}

func half(pcm []int16) []int16 {
	out := make([]int16, len(pcm))
	for i, s := range pcm {
		out[i] = int16(int(s) * 50 / 100)
	}
	return out
}
