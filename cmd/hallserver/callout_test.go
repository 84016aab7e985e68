package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"hallkiosk/drivers/display"
	"hallkiosk/drivers/serialtest"
	"hallkiosk/drivers/voice"
)

// simBus is a display simulator playing a bus of displays on a pty: the
// hall server opens the slave side as its serial port.
type simBus struct {
	pty *serialtest.PTY
	sim *display.Sim
}

// newSimBus starts a simulator; onCmd, if not nil, sees every decoded
// command.
func newSimBus(tb testing.TB, onCmd func(display.Command, display.Codec)) *simBus {
	tb.Helper()
	p, err := serialtest.OpenPTY()
	if err != nil {
		tb.Fatal(err)
	}
	b := &simBus{pty: p, sim: display.NewSim(display.GB18030)}
	b.sim.OnCommand = onCmd
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); b.sim.Run(ctx, p.Master) }()
	tb.Cleanup(func() { cancel(); p.Close(); <-done })
	return b
}

// hall is a hall server started by run() with a configuration file, on
// loopback with its SQLite files in a temporary directory.
type hall struct {
	tb   testing.TB
	base string
	out  *syncBuf
	logs *syncBuf
}

func startHall(tb testing.TB, conf string) *hall {
	tb.Helper()
	dir := tb.TempDir()
	path := filepath.Join(dir, "hallserver.conf")
	if err := os.WriteFile(path, []byte(conf), 0o644); err != nil {
		tb.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	h := &hall{tb: tb, out: &syncBuf{}, logs: &syncBuf{}}
	addrc := make(chan string, 1)
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"--config", path, "--data", filepath.Join(dir, "data"), "--listen", "127.0.0.1:0", "--demo"},
			h.out, h.logs, func(a string) { addrc <- a })
	}()
	select {
	case a := <-addrc:
		h.base = "http://" + a
	case err := <-done:
		tb.Fatalf("run: %v\n%s", err, h.logs.String())
	case <-time.After(60 * time.Second):
		tb.Fatal("hall server did not start")
	}
	tb.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			tb.Errorf("hall server: %v", err)
		}
	})
	return h
}

// call makes an API request and decodes the JSON reply into out (if not
// nil); it returns the status code.
func (h *hall) call(method, path, token, body string, out any) int {
	h.tb.Helper()
	req, err := http.NewRequest(method, h.base+path, strings.NewReader(body))
	if err != nil {
		h.tb.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		h.tb.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			h.tb.Fatalf("%s %s: %d %s", method, path, resp.StatusCode, b)
		}
	}
	return resp.StatusCode
}

func (h *hall) login(user, pw string) string {
	h.tb.Helper()
	var r struct{ Token string }
	if code := h.call("POST", "/api/v1/login", "", fmt.Sprintf(`{"user":%q,"password":%q}`, user, pw), &r); code != 200 {
		h.tb.Fatalf("login %s: %d", user, code)
	}
	return r.Token
}

// issue takes a ticket for service and returns its number.
func (h *hall) issue(service string) string {
	h.tb.Helper()
	var t struct{ Label string }
	if code := h.call("POST", "/api/v1/tickets", "", fmt.Sprintf(`{"service":%q}`, service), &t); code != 201 {
		h.tb.Fatalf("issue %s: %d", service, code)
	}
	return t.Label
}

// act posts a window action and returns the ticket number it concerns.
func (h *hall) act(token string, window int, action, body string) string {
	h.tb.Helper()
	var r struct{ Ticket struct{ Label string } }
	if code := h.call("POST", fmt.Sprintf("/api/v1/windows/%d/%s", window, action), token, body, &r); code != 200 {
		h.tb.Fatalf("window %d %s: %d", window, action, code)
	}
	return r.Ticket.Label
}

func waitUntil(tb testing.TB, what string, cond func() bool) {
	tb.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			tb.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

const boardTop, boardRow2 = 0xC8, 0xC9

// TestCalloutThroughAPI: staff actions through the real HTTP API reach the
// board and the strips (two pty buses with simulators decoding the real
// bytes) and the voice (a WAV directory), with the right numbers, windows
// and clips.
func TestCalloutThroughAPI(t *testing.T) {
	board, strips := newSimBus(t, nil), newSimBus(t, nil)
	wavs := filepath.Join(t.TempDir(), "voice")
	h := startHall(t, fmt.Sprintf(`[display]
board_port = %s
board_protocol = framed
strip_port = %s
strip_protocol = line
gap = 20ms
[voice]
output = wav:%s
repeat = 1
`, board.pty.SlavePath, strips.pty.SlavePath, wavs))
	staff1, staff2 := h.login("staff1", "staff1-demo"), h.login("staff2", "staff2-demo")
	clips, err := voice.DefaultClips()
	if err != nil {
		t.Fatal(err)
	}
	wd := &voice.WAVDir{Dir: wavs}
	// said checks that the n-th announcement is exactly the clips for
	// (number, window).
	said := func(n int, number string, window int) {
		t.Helper()
		var files []string
		waitUntil(t, fmt.Sprintf("announcement %d", n), func() bool { files, _ = wd.Files(); return len(files) >= n })
		b, err := os.ReadFile(files[n-1])
		if err != nil {
			t.Fatal(err)
		}
		_, pcm, err := voice.ReadWAV(b)
		want, _ := clips.Render(voice.Announcement{Number: number, Window: window, Lang: voice.Mandarin, Repeat: 1}, voice.DefaultGaps)
		if err != nil || !slices.Equal(pcm, want) {
			tr, _ := voice.Transcript(voice.Announcement{Number: number, Window: window})
			t.Fatalf("announcement %d is not %s (%d samples, want %d; %v)", n, tr, len(pcm), len(want), err)
		}
	}
	shows := func(step string, bus *simBus, want map[byte]string) {
		t.Helper()
		waitUntil(t, step, func() bool {
			st := bus.sim.State()
			for a, w := range want {
				if st[a].Text != w {
					return false
				}
			}
			return true
		})
	}

	f1 := h.issue("tax-invoice")
	if got := h.act(staff1, 19, "next", ""); got != f1 {
		t.Fatalf("called %s, want %s", got, f1)
	}
	shows("call: strip", strips, map[byte]string{19: f1})
	shows("call: board", board, map[byte]string{boardTop: "请" + f1 + "号到19号窗口"})
	said(1, f1, 19)
	if st := strips.sim.State()[19]; st.Protocol != "line" || board.sim.State()[boardTop].Protocol != "framed" {
		t.Fatalf("protocols: strip %s, board %s", st.Protocol, board.sim.State()[boardTop].Protocol)
	}

	h.act(staff1, 19, "recall", "")
	said(2, f1, 19)
	h.act(staff1, 19, "start", "")
	h.act(staff1, 19, "finish", "")
	shows("finish: strip", strips, map[byte]string{19: ""})
	shows("finish: board", board, map[byte]string{boardTop: ""})

	// Transfer: the ticket leaves window 19 for window 20 (same service),
	// which calls it.
	e1 := h.issue("tax-filing")
	if got := h.act(staff1, 19, "next", ""); got != e1 {
		t.Fatalf("called %s, want %s", got, e1)
	}
	shows("second call", strips, map[byte]string{19: e1})
	said(3, e1, 19)
	h.act(staff1, 19, "transfer", `{"window":20}`)
	shows("transfer: strip", strips, map[byte]string{19: ""})
	shows("transfer: board", board, map[byte]string{boardTop: ""})
	if got := h.act(staff2, 20, "next", ""); got != e1 {
		t.Fatalf("window 20 called %s, want %s", got, e1)
	}
	shows("window 20", strips, map[byte]string{20: e1})
	shows("window 20 board", board, map[byte]string{boardTop: "请" + e1 + "号到20号窗口"})
	said(4, e1, 20)

	// No-show: the strip and the board row go.
	f2 := h.issue("tax-invoice")
	h.act(staff1, 19, "next", "")
	shows("third call", board, map[byte]string{boardTop: "请" + f2 + "号到19号窗口", boardRow2: "请" + e1 + "号到20号窗口"})
	h.act(staff1, 19, "no-show", "")
	shows("no-show", board, map[byte]string{boardTop: "请" + e1 + "号到20号窗口", boardRow2: ""})
	shows("no-show strip", strips, map[byte]string{19: "", 20: e1})
	said(5, f2, 19)
	if files, _ := wd.Files(); len(files) != 5 {
		t.Fatalf("%d announcements, want 5", len(files))
	}
	if logs := h.logs.String(); !strings.Contains(logs, "calling out") || strings.Contains(logs, "display not reachable") {
		t.Errorf("logs:\n%s", logs)
	}
	var st struct {
		Enabled      bool
		Buses        []struct{ Connected bool }
		Failing      bool
		Dropped      int64
		BoardBacklog *int   `json:"board_backlog"`
		BoardOldest  *int64 `json:"board_oldest_unshown_ms"`
		BoardShown   int64  `json:"board_shown"`
		Voices       []struct {
			Zone    string
			Waiting int
			Said    int64
			Skipped int64
			Limit   int
		}
	}
	if code := h.call("GET", "/api/v1/callout", staff1, "", nil); code != 403 {
		t.Errorf("staff read the call-out status: %d", code)
	}
	tech := h.login("tech1", "tech1-demo")
	if code := h.call("GET", "/api/v1/callout", tech, "", &st); code != 200 || !st.Enabled || len(st.Buses) != 2 ||
		!st.Buses[0].Connected || !st.Buses[1].Connected || st.Failing || st.Dropped != 0 {
		t.Errorf("status %d %+v", code, st)
	}
	// The backlog: every call shown on the board, every one said.
	if st.BoardBacklog == nil || *st.BoardBacklog != 0 || st.BoardOldest == nil || *st.BoardOldest != 0 || st.BoardShown < 5 ||
		len(st.Voices) != 1 || st.Voices[0].Said != 5 || st.Voices[0].Waiting != 0 || st.Voices[0].Limit != voice.DefaultBacklog {
		t.Errorf("backlog %+v", st)
	}
	res, err := http.Get(h.base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	for _, line := range []string{"hall_callout_board_backlog 0", "hall_callout_board_oldest_unshown_seconds 0", `hall_callout_voice_said_total{zone=""} 5`, `hall_callout_voice_backlog{zone=""} 0`} {
		if !strings.Contains(string(body), line+"\n") {
			t.Errorf("/metrics lacks %q", line)
		}
	}
}

// TestCalloutDeadPort: a display port that does not exist does not slow
// calling; the failure is logged once and the voice goes on.
func TestCalloutDeadPort(t *testing.T) {
	dir := t.TempDir()
	wavs := filepath.Join(dir, "voice")
	h := startHall(t, fmt.Sprintf("[display]\nstrip_port = %s\n[voice]\noutput = wav:%s\nrepeat = 1\n",
		filepath.Join(dir, "no-such-port"), wavs))
	staff := h.login("staff1", "staff1-demo")
	wd := &voice.WAVDir{Dir: wavs}
	for i := range 3 {
		h.issue("tax-invoice")
		h.act(staff, 19, "next", "")
		waitUntil(t, "announcement", func() bool { f, _ := wd.Files(); return len(f) == i+1 })
		h.act(staff, 19, "start", "")
	}
	waitUntil(t, "the failure logged", func() bool { return strings.Contains(h.logs.String(), "display not reachable") })
	if n := strings.Count(h.logs.String(), "display not reachable"); n != 1 {
		t.Errorf("logged %d times", n)
	}
	var st struct {
		Buses   []struct{ Connected bool }
		Failing bool
	}
	if code := h.call("GET", "/api/v1/callout", h.login("tech1", "tech1-demo"), "", &st); code != 200 || len(st.Buses) != 1 || st.Buses[0].Connected || !st.Failing {
		t.Errorf("status %d %+v", code, st)
	}
}
