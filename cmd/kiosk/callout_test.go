package main

import (
	"context"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"hallkiosk/drivers/display"
	"hallkiosk/drivers/serialtest"
	"hallkiosk/drivers/voice"
	"hallkiosk/internal/config"
	"hallkiosk/queue/catalog"
	"hallkiosk/queue/engine"
)

// TestStandaloneCallout: in a township box the kiosk's own hall drives
// the board and the strips (one shared bus on a pty, played by the display
// simulator) and the announcements (a WAV directory).
func TestStandaloneCallout(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	p, err := serialtest.OpenPTY()
	if err != nil {
		t.Skip("no pty:", err)
	}
	sim := display.NewSim(display.GB18030)
	simDone := make(chan struct{})
	go func() { defer close(simDone); sim.Run(ctx, p.Master) }()
	defer func() { cancel(); p.Close(); <-simDone }()

	dir := t.TempDir()
	cfg := defaults()
	cfg.Kiosk.Standalone = true
	cfg.Display.BoardPort, cfg.Display.StripPort = p.SlavePath, p.SlavePath
	cfg.Display.StripProtocol, cfg.Display.BoardRows, cfg.Display.Windows = "framed", []string{"0xC8"}, []string{"19:0x13"}
	cfg.Display.Gap = 5 * time.Millisecond
	cfg.Voice.Output, cfg.Voice.Repeat = "wav:"+filepath.Join(dir, "voice"), 1
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	cfg.Kiosk.DataDir = filepath.Join(dir, "data")
	os.MkdirAll(cfg.Kiosk.DataDir, 0o750)
	k := &kiosk{cfg: cfg, log: slog.New(slog.DiscardHandler), cat: catalog.Default(), health: &health{}}
	h, err := startHall(ctx, k) // the box's hall, as assemble opens it
	if err != nil {
		t.Fatal(err)
	}
	defer k.Close()
	e := h.Engine()

	tk, err := e.Issue(ctx, engine.IssueRequest{Service: "tax-invoice", DeviceID: "kiosk-01"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.CallNext(ctx, 19, "staff1"); err != nil {
		t.Fatal(err)
	}
	wd := &voice.WAVDir{Dir: filepath.Join(dir, "voice")}
	var files []string
	deadline := time.Now().Add(10 * time.Second)
	for {
		st := sim.State()
		files, _ = wd.Files()
		if st[0x13].Text == tk.Label && st[0xC8].Text == "请"+tk.Label+"号到19号窗口" && len(files) == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("displays %v, %d announcements", st, len(files))
		}
		time.Sleep(2 * time.Millisecond)
	}
	b, _ := os.ReadFile(files[0])
	_, pcm, err := voice.ReadWAV(b)
	clips, _ := voice.DefaultClips()
	want, _ := clips.Render(voice.Announcement{Number: tk.Label, Window: 19, Lang: voice.Mandarin, Repeat: 1}, voice.DefaultGaps)
	if err != nil || !slices.Equal(pcm, want) {
		t.Fatalf("the announcement is not %s at window 19 (%v)", tk.Label, err)
	}
	if _, err := e.NoShow(ctx, 19, "staff1"); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(10 * time.Second); sim.State()[0x13].Text != "" || sim.State()[0xC8].Text != ""; {
		if time.Now().After(deadline) {
			t.Fatalf("no-show left %v", sim.State())
		}
		time.Sleep(2 * time.Millisecond)
	}
	hs := k.health.Health(ctx)
	if len(hs) != 1 || hs[0].Name != "display-board" || !hs[0].OK {
		t.Fatalf("health %+v", hs)
	}
}

// TestCalloutNeedsStandalone: a kiosk in a hall does not drive displays.
func TestCalloutNeedsStandalone(t *testing.T) {
	cfg := defaults()
	cfg.Display.StripPort = "/dev/ttyUSB3"
	var ce *config.Error
	if err := cfg.Validate(); !errors.As(err, &ce) || ce.Key != "kiosk.standalone" {
		t.Fatalf("got %v", err)
	}
	cfg.Kiosk.Standalone = true
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	cfg.Voice.Language = "fr"
	if err := cfg.Validate(); !errors.As(err, &ce) || ce.Key != "voice.language" {
		t.Fatalf("got %v", err)
	}
}
