package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"hallkiosk/drivers/display"
	"hallkiosk/drivers/evaluator"
	"hallkiosk/drivers/evaluator/evaluatorsim"
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

// TestStandaloneBoxDrivesPads: a township box run as the program
// (headless, --standalone) drives the evaluator pads at its windows: a
// citizen takes a ticket on the kiosk, the clerk calls and finishes it on
// the box's caller API, the pad (the evaluator simulator on a pty, real
// bytes) asks for a rating, and the key press becomes the ticket's rating.
func TestStandaloneBoxDrivesPads(t *testing.T) {
	if testing.Short() {
		t.Skip("starts the whole kiosk")
	}
	p, err := serialtest.OpenPTY()
	if err != nil {
		t.Skip("no pty:", err)
	}
	sim := evaluatorsim.New(1)
	ctx, cancel := context.WithCancel(context.Background())
	simDone := make(chan struct{})
	go func() { defer close(simDone); sim.Run(ctx, p.Master) }()
	t.Cleanup(func() { cancel(); p.Close(); <-simDone })

	pages := freePort(t)
	base, _, log := headless(t, fmt.Sprintf("[standalone]\nlisten = %s\n[evaluator]\nport = %s\nwindows = 19:1\ntimeout = 20s\n", pages, p.SlavePath), "--standalone")
	c := controlClient{t, base, log}
	c.waitScreen("home")
	web := boxClient{t: t, base: "http://" + pages}
	admin := web.login("admin", web.adminPassword(base))
	if code := web.call("POST", "/api/v1/users", admin, map[string]any{"name": "zhang", "display": "张工", "role": "staff", "window": 19, "password": "window-19-pass"}, nil); code != 201 {
		t.Fatalf("create staff: %d", code)
	}
	staff := web.login("zhang", "window-19-pass")

	c.tap("zone:tax")
	c.tap("service:tax-invoice")
	c.waitScreen("realname")
	c.tap("skip")
	if s := c.waitScreen("ticket", "printfailed", "message"); s.Screen != "ticket" {
		t.Fatalf("state %+v", s)
	}
	var called struct{ Ticket struct{ ID, Label string } }
	if code := web.call("POST", "/api/v1/windows/19/next", staff, nil, &called); code != 200 || called.Ticket.ID == "" {
		t.Fatalf("call next: %d %+v", code, called)
	}
	for _, step := range []string{"start", "finish"} {
		if code := web.call("POST", "/api/v1/windows/19/"+step, staff, nil, nil); code != 200 {
			t.Fatalf("%s: %d", step, code)
		}
	}
	pad := func() evaluatorsim.Pad {
		for _, p := range sim.Pads() {
			if p.Addr == 1 {
				return p
			}
		}
		return evaluatorsim.Pad{}
	}
	waitFor(t, "the pad asks", func() bool { return pad().Prompting })
	if pad().Text != evaluator.DefaultPrompt {
		t.Fatalf("pad shows %q", pad().Text)
	}
	if err := sim.Press(1, int(evaluator.Satisfied)); err != nil {
		t.Fatal(err)
	}
	var tk struct {
		Rating int
		State  string
	}
	waitFor(t, "the rating recorded", func() bool {
		return web.call("GET", "/api/v1/tickets/"+called.Ticket.ID, staff, nil, &tk) == 200 && tk.Rating != 0
	})
	if tk.Rating != 4 || tk.State != "done" {
		t.Fatalf("ticket after 满意 on the pad: %+v, want rating 4", tk)
	}
	// The pads' bus is in the maintenance screen's device health.
	if !strings.Contains(log.String(), "evaluator pads") {
		t.Errorf("no evaluator log line:\n%s", log.String())
	}
}

// boxClient calls a standalone box's hall API.
type boxClient struct {
	t    *testing.T
	base string
}

func (b boxClient) call(method, path, tok string, body, out any) int {
	b.t.Helper()
	var rd io.Reader
	if body != nil {
		j, _ := json.Marshal(body)
		rd = bytes.NewReader(j)
	}
	req, _ := http.NewRequest(method, b.base+path, rd)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if tok != "" {
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer resp.Body.Close()
	if out != nil {
		json.NewDecoder(resp.Body).Decode(out)
	}
	return resp.StatusCode
}

func (b boxClient) login(user, password string) string {
	b.t.Helper()
	var r struct{ Token string }
	if code := b.call("POST", "/api/v1/login", "", map[string]string{"user": user, "password": password}, &r); code != 200 {
		b.t.Fatalf("login %s: %d", user, code)
	}
	return r.Token
}

// adminPassword reads the first administrator's one-time password the box
// wrote into its data directory.
func (b boxClient) adminPassword(control string) string {
	b.t.Helper()
	dir, _ := headlessDirs.Load(control)
	raw, err := os.ReadFile(filepath.Join(dir.(string), "data", "admin-password.txt"))
	if err != nil {
		b.t.Fatal(err)
	}
	_, after, _ := strings.Cut(string(raw), "one-time password ")
	pw, _, _ := strings.Cut(after, "\n")
	return pw
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); !cond(); time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
	}
}
