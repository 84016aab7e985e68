package hall

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"hallkiosk/drivers/callout"
	"hallkiosk/drivers/display"
	"hallkiosk/drivers/serialtest"
	"hallkiosk/drivers/voice"
	"hallkiosk/internal/config"
	"hallkiosk/queue/engine"
)

func TestConfigValidate(t *testing.T) {
	if err := DefaultDisplayConfig().Validate("display"); err != nil {
		t.Fatal(err)
	}
	if err := DefaultVoiceConfig().Validate("voice"); err != nil {
		t.Fatal(err)
	}
	disp := map[string]func(*DisplayConfig){
		"display.encoding":       func(c *DisplayConfig) { c.Encoding = "big5" },
		"display.board_protocol": func(c *DisplayConfig) { c.BoardProtocol = "modbus" },
		"display.strip_baud":     func(c *DisplayConfig) { c.StripBaud = 1234 },
		"display.brightness":     func(c *DisplayConfig) { c.Brightness = 16 },
		"display.idle_clock":     func(c *DisplayConfig) { c.IdleClock = time.Second },
		"display.board_rows":     func(c *DisplayConfig) { c.BoardPort = "/dev/ttyS0"; c.BoardRows = []string{"0x100"} },
		"display.strip_protocol": func(c *DisplayConfig) { c.BoardPort, c.StripPort = "/dev/ttyS0", "/dev/ttyS0" },
		"display.windows": func(c *DisplayConfig) {
			c.StripPort, c.Windows = "/dev/ttyS1", []string{"1:0x01", "2:0x01"}
		},
		"display.board_port": func(c *DisplayConfig) { c.BoardPort = "usb:zz" },
	}
	for key, mod := range disp {
		c := DefaultDisplayConfig()
		mod(&c)
		var ce *config.Error
		if err := c.Validate("display"); !errors.As(err, &ce) || ce.Key != key {
			t.Errorf("%s: got %v", key, err)
		}
	}
	// A shared bus skips the board rows in the automatic window map.
	c := DefaultDisplayConfig()
	c.BoardPort, c.StripPort, c.StripProtocol, c.Windows = "/dev/ttyS0", "/dev/ttyS0", "framed", []string{"1:1", "0xC8:2"}
	if err := c.Validate("display"); err == nil {
		t.Error("window 0xC8 accepted")
	}
	c.Windows = []string{"1:1", "2:0xC8"}
	if err := c.Validate("display"); err == nil {
		t.Error("a strip on a board row's address accepted")
	}
	voiceCases := map[string]func(*VoiceConfig){
		"voice.output":      func(c *VoiceConfig) { c.Output = "wav:" },
		"voice.language":    func(c *VoiceConfig) { c.Language = "fr" },
		"voice.repeat":      func(c *VoiceConfig) { c.Repeat = 0 },
		"voice.volume":      func(c *VoiceConfig) { c.Volume = 101 },
		"voice.quiet_hours": func(c *VoiceConfig) { c.QuietHours = "22:00" },
	}
	for key, mod := range voiceCases {
		c := DefaultVoiceConfig()
		mod(&c)
		var ce *config.Error
		if err := c.Validate("voice"); !errors.As(err, &ce) || ce.Key != key {
			t.Errorf("%s: got %v", key, err)
		}
	}
}

// TestCalloutKind: the engine's event kinds that show or say something map
// to call-out kinds; the others show nothing.
func TestCalloutKind(t *testing.T) {
	want := map[engine.EventKind]callout.Kind{engine.EvCall: callout.Call, engine.EvRecall: callout.Recall, engine.EvNoShow: callout.NoShow,
		engine.EvFinish: callout.Finish, engine.EvTransfer: callout.Leave, engine.EvPark: callout.Leave, engine.EvNextStep: callout.Leave}
	for kind, k := range want {
		if got, ok := calloutKind(kind); !ok || got != k {
			t.Errorf("%s: %v %v", kind, got, ok)
		}
	}
	for _, kind := range []engine.EventKind{engine.EvIssue, engine.EvStart, engine.EvRate, engine.EvCatalog, ""} {
		if _, ok := calloutKind(kind); ok {
			t.Errorf("%s maps", kind)
		}
	}
}

// simBus is a display simulator on a pty.
type simBus struct {
	pty *serialtest.PTY
	sim *display.Sim
}

func newSimBus(t *testing.T, ctx context.Context) *simBus {
	t.Helper()
	p, err := serialtest.OpenPTY()
	if err != nil {
		t.Fatal(err)
	}
	b := &simBus{pty: p, sim: display.NewSim(display.GB18030)}
	done := make(chan struct{})
	go func() { defer close(done); b.sim.Run(ctx, p.Master) }()
	t.Cleanup(func() { p.Close(); <-done })
	return b
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// TestOpenOverPTY sets up from configuration: the board and the strips on
// two pty buses with simulators, voice to a WAV directory.
func TestOpenOverPTY(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	board, strips := newSimBus(t, ctx), newSimBus(t, ctx)
	dir := t.TempDir()
	dc := DefaultDisplayConfig()
	dc.BoardPort, dc.BoardRows = board.pty.SlavePath, []string{"200", "201"}
	dc.StripPort, dc.StripProtocol, dc.Windows = strips.pty.SlavePath, "line", []string{"3:0x13", "5:0x15"}
	dc.Gap, dc.Brightness = 5*time.Millisecond, 9
	vc := DefaultVoiceConfig()
	vc.Output, vc.Repeat = "wav:"+dir, 1
	s, err := openSetup(dc, vc, setupOpts{})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error)
	go func() { done <- s.Run(ctx) }()
	defer func() { cancel(); <-done; s.Close() }()
	// The framed board takes a brightness; the line strips have none.
	waitFor(t, "brightness", func() bool { return board.sim.State()[201].Brightness == 9 })

	s.Hub.Publish(callout.Event{Kind: callout.Call, Number: "A001", Window: 3})
	waitFor(t, "call", func() bool {
		return strips.sim.State()[0x13].Text == "A001" && board.sim.State()[200].Text == "请A001号到3号窗口"
	})
	if st := strips.sim.State()[0x13]; st.Protocol != "line" || board.sim.State()[200].Protocol != "framed" {
		t.Errorf("protocols: strip %s board %s", st.Protocol, board.sim.State()[200].Protocol)
	}
	// "Call next" finishes A001 and calls A002 in one instant: the strip
	// goes straight to A002, never blank.
	n := strips.sim.Count()
	s.Hub.Publish(callout.Event{Kind: callout.Finish, Number: "A001", Window: 3})
	s.Hub.Publish(callout.Event{Kind: callout.Call, Number: "A002", Window: 3})
	waitFor(t, "next", func() bool { return board.sim.State()[200].Text == "请A002号到3号窗口" })
	waitFor(t, "strip", func() bool { return strips.sim.State()[0x13].Text == "A002" })
	time.Sleep(50 * time.Millisecond)
	if got := strips.sim.Count() - n; got != 1 {
		t.Errorf("the strip got %d commands for finish+call, want 1", got)
	}
	if st := board.sim.State()[201]; st.Text != "" {
		t.Errorf("finished A001 still on the board: %q", st.Text)
	}
	s.Hub.Publish(callout.Event{Kind: callout.Leave, Number: "A002", Window: 3})
	waitFor(t, "leave", func() bool { return strips.sim.State()[0x13].Text == "" && board.sim.State()[200].Text == "" })

	wd := &voice.WAVDir{Dir: dir}
	var files []string
	waitFor(t, "two announcements", func() bool { files, _ = wd.Files(); return len(files) == 2 })
	clips, _ := voice.DefaultClips()
	for i, num := range []string{"A001", "A002"} {
		b, _ := os.ReadFile(files[i])
		_, pcm, err := voice.ReadWAV(b)
		want, _ := clips.Render(voice.Announcement{Number: num, Window: 3, Lang: voice.Mandarin, Repeat: 1}, voice.DefaultGaps)
		if err != nil || !slices.Equal(pcm, want) {
			t.Errorf("%s: the WAV is not the announcement (%v)", filepath.Base(files[i]), err)
		}
	}
}

type syncBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuf) Write(p []byte) (int, error) { s.mu.Lock(); defer s.mu.Unlock(); return s.b.Write(p) }
func (s *syncBuf) String() string              { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

// TestDeadDisplay: a display port that does not exist never holds up the
// voice, is logged once, and is picked up when it appears.
func TestDeadDisplay(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	dir := t.TempDir()
	link := filepath.Join(dir, "display")
	dc := DefaultDisplayConfig()
	dc.StripPort, dc.Windows, dc.Gap = link, []string{"3:3"}, time.Millisecond
	vc := DefaultVoiceConfig()
	vc.Output = "wav:" + filepath.Join(dir, "voice")
	var logs syncBuf
	s, err := openSetup(dc, vc, setupOpts{Log: slog.New(slog.NewTextHandler(&logs, nil))})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error)
	go func() { done <- s.Run(ctx) }()
	defer func() { cancel(); <-done; s.Close() }()
	wd := &voice.WAVDir{Dir: filepath.Join(dir, "voice")}
	for i := range 3 {
		s.Hub.Publish(callout.Event{Kind: callout.Call, Number: "A00" + string(rune('1'+i)), Window: 3})
		waitFor(t, "announcement", func() bool { f, _ := wd.Files(); return len(f) == i+1 })
	}
	waitFor(t, "failure noticed", s.Hub.DisplayFailing)
	if n := strings.Count(logs.String(), "display not reachable"); n != 1 {
		t.Errorf("logged %d times:\n%s", n, logs.String())
	}
	// The device appears (a symlink to a pty, as devsim makes).
	bus := newSimBus(t, ctx)
	if err := os.Symlink(bus.pty.SlavePath, link); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "reconnect", func() bool { return len(s.Health()) == 1 && s.Health()[0].Connected })
	s.Hub.Publish(callout.Event{Kind: callout.Call, Number: "B001", Window: 3})
	waitFor(t, "strip after reconnect", func() bool { return bus.sim.State()[3].Text == "B001" })
	waitFor(t, "recovery", func() bool { return !s.Hub.DisplayFailing() })
	if !strings.Contains(logs.String(), "display reachable again") {
		t.Errorf("recovery not logged:\n%s", logs.String())
	}
}

// FuzzConfig feeds the operator-written values of [display] and [voice]
// (window map, row addresses, quiet hours, output) to the validators: they
// must never panic, and what they accept must set up.
func FuzzConfig(f *testing.F) {
	f.Add("auto", "0xC8,0xC9", "12:00-14:00", "wav:/tmp/x")
	f.Add("1:0x01, 2:0x02, 105:0x69", "200", "22:00-07:00", "none")
	f.Add("0:1", "0x100", "25:00-01:00", "wav:")
	f.Fuzz(func(t *testing.T, windows, rows, quiet, output string) {
		dc := DefaultDisplayConfig()
		dc.BoardPort, dc.StripPort = "/dev/null-board", "/dev/null-strips"
		dc.Windows, dc.BoardRows = strings.Split(windows, ","), strings.Split(rows, ",")
		for i := range dc.Windows {
			dc.Windows[i] = strings.TrimSpace(dc.Windows[i])
		}
		for i := range dc.BoardRows {
			dc.BoardRows[i] = strings.TrimSpace(dc.BoardRows[i])
		}
		vc := DefaultVoiceConfig()
		vc.QuietHours, vc.Output = quiet, "none"
		derr, verr := dc.Validate("display"), vc.Validate("voice")
		vc.Output = output
		oerr := vc.Validate("voice")
		for _, err := range []error{derr, verr, oerr} {
			var ce *config.Error
			if err != nil && (!errors.As(err, &ce) || !strings.Contains(ce.Key, ".")) {
				t.Fatalf("error without a key: %v", err)
			}
		}
		if derr == nil && verr == nil {
			vc.Output = "none"
			s, err := openSetup(dc, vc, setupOpts{Log: slog.New(slog.DiscardHandler)})
			if err != nil {
				t.Fatalf("valid configuration did not open: %v", err)
			}
			s.Close()
		}
	})
}

// TestVoiceZones: a call is announced on its window's zone output; windows
// of no zone use the main output, a zone configured silent stays silent.
func TestVoiceZones(t *testing.T) {
	dir := t.TempDir()
	d, v := DefaultDisplayConfig(), DefaultVoiceConfig()
	v.Output = "wav:" + filepath.Join(dir, "main")
	v.Zones = []string{"tax=wav:" + filepath.Join(dir, "tax"), "police = wav:" + filepath.Join(dir, "police"), "vip=none"}
	s, err := openSetup(d, v, setupOpts{WindowZones: map[int]string{1: "tax", 2: "tax", 3: "police", 4: "general", 5: "vip"}})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); s.Run(ctx) }()
	for w := 1; w <= 5; w++ {
		s.Hub.Publish(callout.Event{Kind: callout.Call, Number: fmt.Sprintf("A%03d", w), Window: w})
	}
	said := func() int64 {
		var n int64
		for _, vs := range s.Hub.Status().Voices {
			n += vs.Said
		}
		return n
	}
	waitFor(t, "four announcements", func() bool { return said() == 4 })
	cancel()
	<-done
	count := func(sub string) int {
		es, _ := os.ReadDir(filepath.Join(dir, sub))
		return len(es)
	}
	if count("tax") != 2 || count("police") != 1 || count("main") != 1 {
		t.Fatalf("files: tax %d, police %d, main %d", count("tax"), count("police"), count("main"))
	}
	st := s.Hub.Status()
	if len(st.Voices) != 3 || st.Voices[0].Zone != "" || st.Voices[1].Zone != "tax" || st.Voices[1].Said != 2 {
		t.Fatalf("voices %+v", st.Voices)
	}
	bad := v
	bad.Zones = []string{"tax"}
	if err := bad.Validate("voice"); err == nil {
		t.Fatal("zone without output accepted")
	}
	bad.Zones = []string{"tax=wav:/a", "tax=none"}
	if err := bad.Validate("voice"); err == nil {
		t.Fatal("zone twice accepted")
	}
	bad.Zones, bad.BacklogLimit = nil, -2
	if err := bad.Validate("voice"); err == nil {
		t.Fatal("backlog_limit -2 accepted")
	}
}
