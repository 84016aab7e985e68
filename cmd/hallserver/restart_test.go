package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"hallkiosk/drivers/callout"
	"hallkiosk/drivers/display"
	"hallkiosk/drivers/serialtest"
	"hallkiosk/drivers/voice"
	"hallkiosk/queue/catalog"
)

// textLog records, per address, every text a simulated bus decoded, across
// hall server restarts.
type textLog struct {
	mu   sync.Mutex
	seen map[byte][]string
}

func (l *textLog) add(c display.Command, _ display.Codec) {
	if c.Op != display.OpText {
		return
	}
	l.mu.Lock()
	l.seen[c.Addr] = append(l.seen[c.Addr], c.Text)
	l.mu.Unlock()
}

func (l *textLog) texts(addr byte) []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Clone(l.seen[addr])
}

// restartBus is a display simulator on a pty that outlives the hall server
// process holding the slave side: after a kill the master reads EIO until
// the next process opens the slave, and the simulator reads on.
func restartBus(t *testing.T) (*serialtest.PTY, *textLog) {
	t.Helper()
	p, err := serialtest.OpenPTY()
	if err != nil {
		t.Fatal(err)
	}
	l := &textLog{seen: map[byte][]string{}}
	sim := display.NewSim(display.GB18030)
	sim.OnCommand = l.add
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		for ctx.Err() == nil {
			sim.Run(ctx, p.Master)
			time.Sleep(20 * time.Millisecond)
		}
	}()
	t.Cleanup(func() { cancel(); p.Close(); <-done })
	return p, l
}

// proc is the hallserver binary running.
type proc struct {
	cmd  *exec.Cmd
	base string
	logs *syncBuf
}

func startProc(t *testing.T, bin, conf, data string) *proc {
	t.Helper()
	p := &proc{logs: &syncBuf{}}
	p.cmd = exec.Command(bin, "--config", conf, "--data", data, "--listen", "127.0.0.1:0", "--demo")
	out, err := p.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	p.cmd.Stderr = p.logs
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	addr := make(chan string, 1)
	go func() {
		re := regexp.MustCompile(`serving on (http://[0-9.:]+)`)
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			if m := re.FindStringSubmatch(sc.Text()); m != nil {
				addr <- m[1]
			}
		}
	}()
	select {
	case p.base = <-addr:
	case <-time.After(60 * time.Second):
		p.cmd.Process.Kill()
		p.cmd.Wait()
		t.Fatalf("hall server did not start:\n%s", p.logs.String())
	}
	return p
}

func (p *proc) kill() {
	p.cmd.Process.Signal(syscall.SIGKILL)
	p.cmd.Wait()
}

// do makes an API request; out, if not nil, gets the JSON reply.
func (p *proc) do(method, path, token string, in, out any) (int, error) {
	var body io.Reader
	if in != nil {
		b, _ := json.Marshal(in)
		body = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, p.base+path, body)
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := (&http.Client{Timeout: 10 * time.Second}).Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if out != nil && resp.StatusCode < 300 {
		if err := json.Unmarshal(b, out); err != nil {
			return resp.StatusCode, fmt.Errorf("%s %s: %w: %s", method, path, err, b)
		}
	}
	return resp.StatusCode, nil
}

func (p *proc) login(t *testing.T, user, pw string) string {
	t.Helper()
	var r struct{ Token string }
	if code, err := p.do("POST", "/api/v1/login", "", map[string]string{"user": user, "password": pw}, &r); code != 200 || err != nil {
		t.Fatalf("login %s: %d %v", user, code, err)
	}
	return r.Token
}

// TestCallsShownAfterKill builds the hall server, runs it with its board
// and strips on two ptys played by the display simulator at the shipped
// 300 ms gap and its voice to WAV files, makes a burst of simultaneous
// calls at six windows, SIGKILLs the process right after the last call
// is committed (the board and strips are seconds behind then) and starts
// it again on the same data: every call reaches the board's top row and
// its window's strip and is announced, across the two runs.
func TestCallsShownAfterKill(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and kills the hall server")
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "hallserver")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	board, boardLog := restartBus(t)
	strips, stripLog := restartBus(t)
	wavs := filepath.Join(dir, "voice")
	conf := filepath.Join(dir, "hallserver.conf")
	if err := os.WriteFile(conf, []byte(fmt.Sprintf(`[server]
tls_listen = 127.0.0.1:0
[display]
board_port = %s
board_protocol = framed
strip_port = %s
strip_protocol = line
gap = 300ms
[voice]
output = wav:%s
repeat = 1
`, board.SlavePath, strips.SlavePath, wavs)), 0o644); err != nil {
		t.Fatal(err)
	}
	data := filepath.Join(dir, "data")
	h := startProc(t, bin, conf, data)
	defer func() { h.kill() }()

	admin := h.login(t, "demoadmin", "admin-demo")
	var windows []int
	for _, w := range catalog.Default().Windows {
		if slices.Contains(w.Services, "tax-filing") && len(windows) < 6 {
			windows = append(windows, w.Number)
		}
	}
	tokens := map[int]string{}
	for _, w := range windows {
		name := fmt.Sprintf("rs%d", w)
		if code, err := h.do("POST", "/api/v1/users", admin, map[string]any{"name": name, "display": name, "role": "staff", "window": w, "password": name + "-pass-1"}, nil); code >= 300 || err != nil {
			t.Fatalf("add user %s: %d %v", name, code, err)
		}
		tokens[w] = h.login(t, name, name+"-pass-1")
	}
	for range 2 * len(windows) {
		if code, err := h.do("POST", "/api/v1/tickets", "", map[string]string{"service": "tax-filing"}, nil); code != 201 || err != nil {
			t.Fatalf("issue: %d %v", code, err)
		}
	}
	type call struct {
		label  string
		window int
	}
	var (
		mu    sync.Mutex
		calls []call
		errs  []error
	)
	// Two bursts: every window presses "next" at once, then, the first
	// citizen served (start), again (which finishes the first ticket).
	for burst := range 2 {
		var wg sync.WaitGroup
		for _, w := range windows {
			wg.Go(func() {
				if burst > 0 {
					h.do("POST", fmt.Sprintf("/api/v1/windows/%d/start", w), tokens[w], nil, nil)
				}
				var r struct{ Ticket struct{ Label string } }
				code, err := h.do("POST", fmt.Sprintf("/api/v1/windows/%d/next", w), tokens[w], nil, &r)
				mu.Lock()
				defer mu.Unlock()
				if code != 200 || err != nil || r.Ticket.Label == "" {
					errs = append(errs, fmt.Errorf("window %d next: %d %v", w, code, err))
					return
				}
				calls = append(calls, call{r.Ticket.Label, w})
			})
		}
		wg.Wait()
	}
	h.kill()
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	// onBoard counts the calls whose line has reached the board's top row.
	onBoard := func() int {
		top := boardLog.texts(boardTop)
		n := 0
		for _, c := range calls {
			if slices.Contains(top, callout.BoardLine(c.label, c.window)) {
				n++
			}
		}
		return n
	}
	before := onBoard()
	t.Logf("%d calls committed; %d on the board's top row when the hall server was killed", len(calls), before)
	if before == len(calls) {
		t.Fatal("the board had shown every call before the kill: the test proves nothing")
	}

	h = startProc(t, bin, conf, data)
	deadline := time.Now().Add(40 * time.Second)
	for onBoard() < len(calls) && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	if n := onBoard(); n < len(calls) {
		var missing []string
		top := boardLog.texts(boardTop)
		for _, c := range calls {
			if l := callout.BoardLine(c.label, c.window); !slices.Contains(top, l) {
				missing = append(missing, l)
			}
		}
		t.Fatalf("%d of %d calls on the board after the restart; never shown: %q\nlogs:\n%s", n, len(calls), missing, h.logs.String())
	}
	// Every strip got every number called to it.
	waitUntil(t, "every number on its strip", func() bool {
		for _, c := range calls {
			if !slices.Contains(stripLog.texts(byte(c.window)), c.label) {
				return false
			}
		}
		return true
	})
	// Every call announced at least once (a WAV file with exactly its
	// announcement).
	clips, err := voice.DefaultClips()
	if err != nil {
		t.Fatal(err)
	}
	wd := &voice.WAVDir{Dir: wavs}
	announced := func() []string {
		files, _ := wd.Files()
		var got []string
		for _, f := range files {
			b, err := os.ReadFile(f)
			if err != nil {
				continue
			}
			_, pcm, err := voice.ReadWAV(b)
			if err != nil {
				continue
			}
			for _, c := range calls {
				want, _ := clips.Render(voice.Announcement{Number: c.label, Window: c.window, Lang: voice.Mandarin, Repeat: 1}, voice.DefaultGaps)
				if slices.Equal(pcm, want) {
					got = append(got, c.label)
				}
			}
		}
		return got
	}
	waitUntil(t, "every call announced", func() bool {
		got := announced()
		for _, c := range calls {
			if !slices.Contains(got, c.label) {
				return false
			}
		}
		return true
	})
	if !strings.Contains(h.logs.String(), "replaying events not shown before the restart") {
		t.Errorf("the restart did not replay:\n%s", h.logs.String())
	}
	// Once everything is shown the marker has caught up: a second restart
	// (a clean one this time) replays nothing.
	waitUntil(t, "nothing pending", func() bool {
		var st struct {
			BoardBacklog int `json:"board_backlog"`
			StripBacklog int `json:"strip_backlog"`
		}
		code, err := h.do("GET", "/api/v1/callout", h.login(t, "tech1", "tech1-demo"), nil, &st)
		return code == 200 && err == nil && st.BoardBacklog == 0 && st.StripBacklog == 0
	})
	time.Sleep(500 * time.Millisecond) // the marker is saved every 200 ms
	h.cmd.Process.Signal(syscall.SIGTERM)
	h.cmd.Wait()
	h = startProc(t, bin, conf, data)
	time.Sleep(time.Second)
	if strings.Contains(h.logs.String(), "replaying events") {
		t.Errorf("a restart with everything shown replayed:\n%s", h.logs.String())
	}
}
