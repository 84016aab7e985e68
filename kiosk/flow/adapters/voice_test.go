package adapters

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"hallkiosk/drivers/idcard/idcardsim"
	"hallkiosk/drivers/voice"
	"hallkiosk/kiosk/flow"
)

// TestElderModePromptsOnSimulators drives the flow over the real engine,
// printer and ID card reader simulators with the real voice driver writing
// each prompt to a WAV file: in standard mode nothing is said; in elder mode
// choosing a zone, the real-name step and the printed ticket say
// 请挑选业务, 请将身份证放在感应区 and 请取走您的号票, in that order, each
// file exactly the shipped prompt clip; in English the English clip.
func TestElderModePromptsOnSimulators(t *testing.T) {
	dir := t.TempDir()
	sink := &voice.WAVDir{Dir: dir}
	x := newE2EWith(t, func(d *flow.Deps) { d.Announcer = &Voice{Sink: sink} })
	files := func() []string {
		m, _ := filepath.Glob(filepath.Join(dir, "*.wav"))
		slices.Sort(m)
		return m
	}
	waitFiles := func(n int) {
		t.Helper()
		deadline := time.Now().Add(10 * time.Second)
		for len(files()) < n && time.Now().Before(deadline) {
			time.Sleep(5 * time.Millisecond)
		}
		if got := len(files()); got != n {
			t.Fatalf("%d prompts written, want %d", got, n)
		}
	}

	// Standard mode: a whole real-name ticket without a word.
	x.csim.Place(idcardsim.CardNames()[0])
	x.f.OpenZone("police")
	x.wait(t, flow.ScreenZone)
	x.f.PickService("household")
	x.wait(t, flow.ScreenTicket)
	x.csim.Remove()
	x.f.Home()
	time.Sleep(50 * time.Millisecond)
	if n := len(files()); n != 0 {
		t.Fatalf("standard mode said %d prompts", n)
	}

	x.f.ToggleElder() // says the home screen's prompt
	waitFiles(1)
	x.f.OpenZone("police")
	x.wait(t, flow.ScreenZone)
	waitFiles(2)
	x.f.PickService("household")
	x.wait(t, flow.ScreenRealName)
	waitFiles(3)
	x.csim.Place(idcardsim.CardNames()[0])
	x.wait(t, flow.ScreenTicket)
	waitFiles(4)
	x.csim.Remove()
	x.f.Home()

	x.f.ToggleLang() // elder mode stays on for the session
	if !x.f.State().Elder {
		t.Fatal("elder mode ended with the ticket")
	}
	x.f.OpenZone("police")
	x.wait(t, flow.ScreenZone)
	waitFiles(5)

	clips, err := voice.DefaultPrompts()
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"prompt/zh/home.touch", "prompt/zh/zone.pick", "prompt/zh/realname.lay", "prompt/zh/ticket.take",
		"prompt/en/zone.pick"}
	for i, f := range files() {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		rate, pcm, err := voice.ReadWAV(b)
		if err != nil || rate != voice.SampleRate {
			t.Fatalf("%s: rate %d, %v", f, rate, err)
		}
		clip, _ := clips.Clip(want[i])
		if !slices.Equal(pcm, clip) {
			t.Errorf("prompt %d is not %s (%d samples, clip %d)", i, want[i], len(pcm), len(clip))
		}
	}
}
