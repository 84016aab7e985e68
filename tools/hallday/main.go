// Command hallday is the helper of scripts/hallday.sh: a compressed hall
// day against the real hall server under faults.
//
//	hallday -hallserver BIN -dir D [-kiosks 4] [-windows 15] [-duration 90s] [-kills 3] [-port 21610]
//
// It runs the real hall server (the binary BIN, --demo, its SQLite files in
// D/hall) with its LED displays on two pseudo-terminals played by the
// display simulator (hall board framed, window strips line, the shipped
// 300 ms gap) and its voice to WAV files (D/voice); it SIGKILLs and restarts
// the hall -kills times (between call bursts, once the call-out has shown
// and said everything). Kiosks are the kiosk's own issue path in this
// process: kiosk/store on SQLite, adapters.Hall (reserve, retry with the
// idempotency key, fall back to the lease, confirm) and sync.Client, each
// behind its own queue/sync/faultproxy towards the hall's TLS listener,
// with links going down for 3-8 s at random; a printed ticket is recorded
// when the kiosk confirms it. Staff at -windows windows press "call next"
// at the same instant in bursts, with a few recalls.
//
// At the end it checks, from the simulators' outputs and the hall's API:
// every printed ticket is at the hall exactly once and live (not reserved,
// lapsed or void); no called ticket was unprinted; every call and recall
// reached its window's strip and the board's top row and was announced (a
// WAV file with exactly its announcement). It prints the figures (tickets,
// restarts, calls shown and announced, offline import lag p50/p90/max
// after the link returned) and exits 1 on a failed check.
//
// With -kiosk-bin and -devsim-bin the kiosks are real `kiosk --sim
// --headless` processes instead, each with its own devsim and fault proxy,
// driven through the kiosk's control endpoint (real.go); the checks are the
// same.
package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	gosync "sync"
	"sync/atomic"
	"syscall"
	"time"

	"hallkiosk/drivers/callout"
	"hallkiosk/drivers/display"
	"hallkiosk/drivers/serialtest"
	"hallkiosk/drivers/voice"
	"hallkiosk/kiosk/flow"
	"hallkiosk/kiosk/flow/adapters"
	"hallkiosk/kiosk/store"
	"hallkiosk/queue/catalog"
	qsync "hallkiosk/queue/sync"
	"hallkiosk/queue/sync/faultproxy"
)

var (
	hallBin  = flag.String("hallserver", "", "hall server binary")
	dir      = flag.String("dir", "", "working directory")
	nKiosks  = flag.Int("kiosks", 4, "kiosks")
	nWindows = flag.Int("windows", 15, "windows calling (tax-filing windows of the default catalogue)")
	duration = flag.Duration("duration", 90*time.Second, "length of the busy part")
	nKills   = flag.Int("kills", 3, "hall SIGKILLs")
	port     = flag.Int("port", 21610, "hall HTTP port (TLS on port+1)")
	service  = flag.String("service", "tax-filing", "service the kiosks issue")
)

func main() {
	flag.Parse()
	if *hallBin == "" || *dir == "" || (*kioskBin == "") != (*devsimBin == "") {
		fmt.Fprintln(os.Stderr, "usage: hallday -hallserver BIN -dir DIR [-kiosk-bin BIN -devsim-bin BIN]")
		os.Exit(2)
	}
	ok, err := run()
	if err != nil {
		fmt.Fprintln(os.Stderr, "hallday:", err)
		os.Exit(1)
	}
	if !ok {
		os.Exit(1)
	}
}

// shown records every text command a simulated bus decoded.
type shown struct {
	mu  gosync.Mutex
	cmd []shownCmd
}

type shownCmd struct {
	addr byte
	text string
	at   time.Time
}

func (s *shown) add(c display.Command, _ display.Codec) {
	if c.Op != display.OpText {
		return
	}
	s.mu.Lock()
	s.cmd = append(s.cmd, shownCmd{c.Addr, c.Text, time.Now()})
	s.mu.Unlock()
}

func (s *shown) has(addr byte, text string, after time.Time) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, c := range s.cmd {
		if c.addr == addr && c.text == text && !c.at.Before(after) {
			return true
		}
	}
	return false
}

func simBus(ctx context.Context) (*serialtest.PTY, *shown, error) {
	p, err := serialtest.OpenPTY()
	if err != nil {
		return nil, nil, err
	}
	sh := &shown{}
	sim := display.NewSim(display.GB18030)
	sim.OnCommand = sh.add
	go func() {
		// The hall server reopens the slave after each restart; the master
		// side reads on (EIO while no one holds the slave: retry).
		for ctx.Err() == nil {
			sim.Run(ctx, p.Master)
			time.Sleep(20 * time.Millisecond)
		}
	}()
	return p, sh, nil
}

// hall is the hall server process.
type hall struct {
	conf, data, base string
	cmd              *exec.Cmd
	log              *os.File
}

func (h *hall) start() error {
	h.cmd = exec.Command(*hallBin, "--config", h.conf, "--data", h.data, "--listen", fmt.Sprintf("127.0.0.1:%d", *port), "--demo")
	h.cmd.Stdout, h.cmd.Stderr = h.log, h.log
	if err := h.cmd.Start(); err != nil {
		return err
	}
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		if r, err := http.Get(h.base + "/healthz"); err == nil {
			r.Body.Close()
			if r.StatusCode == 200 {
				return nil
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	return errors.New("hall server did not start")
}

func (h *hall) kill() {
	h.cmd.Process.Signal(syscall.SIGKILL)
	h.cmd.Wait()
}

// api calls the hall's JSON API.
func api(method, url, token string, in, out any) (int, error) {
	var body io.Reader
	if in != nil {
		b, _ := json.Marshal(in)
		body = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, url, body)
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	c := &http.Client{Timeout: 10 * time.Second}
	resp, err := c.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if out != nil && resp.StatusCode < 300 {
		if err := json.Unmarshal(b, out); err != nil {
			return resp.StatusCode, err
		}
	}
	return resp.StatusCode, nil
}

func login(base, user, pw string) (string, error) {
	var r struct{ Token string }
	code, err := api("POST", base+"/api/v1/login", "", map[string]string{"user": user, "password": pw}, &r)
	if err != nil || code != 200 {
		return "", fmt.Errorf("login %s: %d %v", user, code, err)
	}
	return r.Token, nil
}

type printed struct {
	label, service, id string
	offline            bool
	at                 time.Time
	kiosk              int
}

type call struct {
	label  string
	window int
	recall bool
	at     time.Time
}

type kioskRig struct {
	n      int
	real   *realKiosk // the real-kiosk mode: st, hall and client are nil
	st     *store.Store
	hall   *adapters.Hall
	client *qsync.Client
	px     *faultproxy.Proxy
	upMu   gosync.Mutex
	upAt   time.Time // when its link last came back
}

func (k *kioskRig) upSince() time.Time {
	k.upMu.Lock()
	defer k.upMu.Unlock()
	return k.upAt
}

func (k *kioskRig) setUp(t time.Time) {
	k.upMu.Lock()
	k.upAt = t
	k.upMu.Unlock()
}

func run() (bool, error) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	if err := os.MkdirAll(*dir, 0o755); err != nil {
		return false, err
	}
	board, boardShown, err := simBus(ctx)
	if err != nil {
		return false, err
	}
	defer board.Close()
	strips, stripShown, err := simBus(ctx)
	if err != nil {
		return false, err
	}
	defer strips.Close()
	voiceDir := filepath.Join(*dir, "voice")
	conf := filepath.Join(*dir, "hallserver.conf")
	cat := catalog.Default()
	hallCat := ""
	if *kioskBin != "" {
		// The real kiosks show their catalogue's hours: one open around
		// the clock, the hall's too.
		abs, _ := filepath.Abs(*catPath)
		if cat, err = catalog.Load(abs); err != nil {
			return false, err
		}
		hallCat = "[hall]\ncatalog = " + abs + "\n"
	}
	os.WriteFile(conf, []byte(hallCat+fmt.Sprintf(`[server]
tls_listen = 127.0.0.1:%d
[display]
board_port = %s
board_protocol = framed
strip_port = %s
strip_protocol = line
gap = 300ms
[voice]
output = wav:%s
`, *port+1, board.SlavePath, strips.SlavePath, voiceDir)), 0o644)
	logf, err := os.Create(filepath.Join(*dir, "hallserver.log"))
	if err != nil {
		return false, err
	}
	defer logf.Close()
	h := &hall{conf: conf, data: filepath.Join(*dir, "hall"), base: fmt.Sprintf("http://127.0.0.1:%d", *port), log: logf}
	if err := h.start(); err != nil {
		return false, err
	}
	defer h.kill()
	admin, err := login(h.base, "demoadmin", "admin-demo")
	if err != nil {
		return false, err
	}
	var windows []int
	for _, w := range cat.Windows {
		if slices.Contains(w.Services, *service) && len(windows) < *nWindows {
			windows = append(windows, w.Number)
		}
	}
	tokens := map[int]string{}
	for _, w := range windows {
		name := fmt.Sprintf("hd%d", w)
		api("POST", h.base+"/api/v1/users", admin, map[string]any{"name": name, "display": name, "role": "staff", "window": w, "password": name + "-pass-1"}, nil)
		if tokens[w], err = login(h.base, name, name+"-pass-1"); err != nil {
			return false, err
		}
	}

	// Kiosks, each behind its own fault proxy to the TLS listener.
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	var kiosks []*kioskRig
	for i := 1; i <= *nKiosks && *kioskBin != ""; i++ {
		px, err := faultproxy.New(fmt.Sprintf("127.0.0.1:%d", *port+10*i), fmt.Sprintf("127.0.0.1:%d", *port+1), faultproxy.Faults{Seed: uint64(i)})
		if err != nil {
			return false, err
		}
		defer px.Close()
		r, err := startRealKiosk(ctx, i, h.base, px)
		if err != nil {
			return false, err
		}
		defer r.stop()
		kiosks = append(kiosks, &kioskRig{n: i, real: r, px: px, upAt: time.Now()})
	}
	if *kioskBin != "" {
		time.Sleep(3 * time.Second) // their first syncs: number leases
	}
	for i := 1; i <= *nKiosks && *kioskBin == ""; i++ {
		px, err := faultproxy.New("127.0.0.1:0", fmt.Sprintf("127.0.0.1:%d", *port+1), faultproxy.Faults{Seed: uint64(i)})
		if err != nil {
			return false, err
		}
		defer px.Close()
		st, err := store.Open(filepath.Join(*dir, fmt.Sprintf("kiosk%d.db", i)), nil)
		if err != nil {
			return false, err
		}
		defer st.Close()
		st.SetServices(ctx, *service)
		c := qsync.NewClient(st, &qsync.ClientOptions{Log: log, Timeout: 3 * time.Second})
		var code struct{ Code string }
		if _, err := api("POST", h.base+"/api/v1/admin/sync/codes", admin, map[string]string{"kiosk": fmt.Sprint("k", i)}, &code); err != nil || code.Code == "" {
			return false, fmt.Errorf("enrolment code: %v", err)
		}
		url := "https://" + px.Addr()
		if _, err := c.Enrol(ctx, url, code.Code, fmt.Sprint("kiosk", i)); err != nil {
			return false, err
		}
		id, _ := st.Identity(ctx)
		k := &kioskRig{n: i, st: st, client: c, px: px, upAt: time.Now()}
		k.hall = &adapters.Hall{URL: url, Device: id.Device, Cat: cat, Client: qsync.PinnedClient(id.Pin, 3*time.Second),
			Offline: &adapters.Store{S: st, Cat: cat}}
		go c.Run(ctx)
		kiosks = append(kiosks, k)
	}
	// Leases first (an offline kiosk issues from them).
	for _, k := range kiosks {
		if k.client != nil {
			k.client.SyncOnce(ctx)
		}
	}

	var (
		mu      gosync.Mutex
		prints  []printed
		calls   []call
		issueKO atomic.Int64
		kills   int
		hallUp  atomic.Bool
	)
	hallUp.Store(true)
	watch := &lagWatch{}
	go watch.run(ctx, h.base)
	go collectWAVs(ctx, voiceDir)
	busyCtx, stopBusy := context.WithTimeout(ctx, *duration)
	defer stopBusy()
	var wg gosync.WaitGroup
	// Kiosks issue, "print" and confirm, one citizen every 0.5-1.5 s each.
	for _, k := range kiosks {
		if k.real == nil {
			continue
		}
		wg.Go(func() {
			for busyCtx.Err() == nil {
				time.Sleep(time.Duration(500+rand.IntN(1000)) * time.Millisecond)
				issued := time.Now()
				label, err := k.real.take()
				if err != nil {
					issueKO.Add(1)
					if !errors.Is(err, errRefused) {
						fmt.Fprintln(os.Stderr, "hallday:", err)
					}
					continue
				}
				p := printed{label: label, service: *service, id: ticketID(label, issued), kiosk: k.n, at: issued}
				// Offline or not is told by the hall: a ticket issued
				// online is there (reserved or live) at once.
				watch.addUnsure(p.id, issued, k)
				mu.Lock()
				prints = append(prints, p)
				mu.Unlock()
			}
		})
	}
	for _, k := range kiosks {
		if k.real != nil {
			continue
		}
		wg.Go(func() {
			for busyCtx.Err() == nil {
				time.Sleep(time.Duration(500+rand.IntN(1000)) * time.Millisecond)
				issued := time.Now()
				ictx, c := context.WithTimeout(ctx, 15*time.Second)
				ft, err := k.hall.Issue(ictx, flow.IssueRequest{Service: *service})
				if err != nil {
					c()
					issueKO.Add(1)
					continue
				}
				p := printed{label: ft.Number, service: *service, id: ft.Ref, kiosk: k.n, at: issued}
				if ft.Offline || !strings.Contains(ft.Ref, "-") {
					p.offline = true
					n, _ := strconv.Atoi(strings.TrimLeft(ft.Number, "ABCDEFGHIJKLMNOPQRSTUVWXYZ"))
					p.id = strings.ReplaceAll(qsync.Day(ft.IssuedAt, nil), "-", "") + "-" + *service + "-" + strconv.Itoa(n)
				}
				if err := k.hall.Confirm(ictx, ft); err != nil {
					fmt.Fprintln(os.Stderr, "hallday: confirm:", err)
				}
				c()
				if p.offline {
					watch.add(p.id, issued, k)
				}
				mu.Lock()
				prints = append(prints, p)
				mu.Unlock()
			}
		})
	}
	// Links go down for 3-8 s every 10-25 s.
	for _, k := range kiosks {
		wg.Go(func() {
			for busyCtx.Err() == nil {
				time.Sleep(time.Duration(10+rand.IntN(15)) * time.Second)
				if busyCtx.Err() != nil {
					return
				}
				k.px.SetFaults(faultproxy.Faults{Drop: 1})
				time.Sleep(time.Duration(3+rand.IntN(5)) * time.Second)
				k.px.SetFaults(faultproxy.Faults{Reset: 0.02, Delay: 0.05, MaxDelay: 200 * time.Millisecond, Seed: uint64(k.n)})
				if hallUp.Load() {
					k.setUp(time.Now())
				}
			}
		})
	}
	// Bursts: every window presses "call next" at once; now and then one
	// recalls. Between bursts, a hall kill when one is due.
	killEvery := *duration / time.Duration(*nKills+1)
	nextKill := time.Now().Add(killEvery)
	for busyCtx.Err() == nil {
		time.Sleep(time.Duration(*nWindows)*300*time.Millisecond + 2*time.Second)
		var bwg gosync.WaitGroup
		for _, w := range windows {
			bwg.Go(func() {
				action := "next"
				if rand.IntN(8) == 0 {
					action = "recall"
				}
				mu.Lock()
				tok := tokens[w]
				mu.Unlock()
				if action == "next" {
					// The citizen called last time came: start, so that
					// "next" finishes it (a called ticket must be served
					// or marked first).
					api("POST", fmt.Sprintf("%s/api/v1/windows/%d/start", h.base, w), tok, nil, nil)
				}
				var t struct{ Ticket struct{ Label string } }
				code, err := api("POST", fmt.Sprintf("%s/api/v1/windows/%d/%s", h.base, w, action), tok, nil, &t)
				if code == http.StatusUnauthorized {
					mu.Lock()
					tokens[w], _ = login(h.base, fmt.Sprintf("hd%d", w), fmt.Sprintf("hd%d-pass-1", w))
					mu.Unlock()
					return
				}
				if err == nil && code == 200 && t.Ticket.Label != "" {
					mu.Lock()
					calls = append(calls, call{t.Ticket.Label, w, action == "recall", time.Now()})
					mu.Unlock()
				}
			})
		}
		bwg.Wait()
		if kills < *nKills && time.Now().After(nextKill) {
			// Kill once the call-out has shown and said everything.
			waitCalloutIdle(h.base, admin)
			hallUp.Store(false)
			h.kill()
			kills++
			time.Sleep(time.Duration(500+rand.IntN(1500)) * time.Millisecond)
			if err := h.start(); err != nil {
				return false, err
			}
			up := time.Now()
			hallUp.Store(true)
			for _, k := range kiosks {
				k.setUp(up)
			}
			if admin, err = login(h.base, "demoadmin", "admin-demo"); err != nil {
				return false, err
			}
			nextKill = time.Now().Add(killEvery)
		}
	}
	wg.Wait()
	for _, k := range kiosks {
		k.px.SetFaults(faultproxy.Faults{})
		k.setUp(time.Now())
	}

	// Settle: every outbox empty.
	deadline := time.Now().Add(90 * time.Second)
	for _, k := range kiosks {
		for k.st != nil {
			n, _ := k.st.PendingCount(ctx)
			if n == 0 {
				break
			}
			if time.Now().After(deadline) {
				return false, fmt.Errorf("kiosk %d: %d events still pending", k.n, n)
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
	if *kioskBin != "" {
		// The real kiosks' outboxes are theirs: settle when the hall has
		// every printed ticket live (confirms and offline tickets synced).
		for _, p := range prints {
			for {
				var t struct{ State string }
				code, err := getTicket(h.base, p.id, &t)
				if err == nil && code == 200 && t.State != "reserved" {
					break
				}
				if time.Now().After(deadline) {
					break // the check below says what is missing
				}
				time.Sleep(100 * time.Millisecond)
			}
		}
	}
	waitCalloutIdle(h.base, admin)
	time.Sleep(2 * time.Second) // the last writes, WAV files and lag polls

	ok := true
	fail := func(format string, args ...any) {
		ok = false
		fmt.Fprintf(os.Stderr, "hallday: FAIL: "+format+"\n", args...)
	}
	// 1. Every printed ticket at the hall exactly once, live.
	seen := map[string]bool{}
	printedLabels := map[string]bool{}
	offline := 0
	for _, p := range prints {
		if seen[p.id] {
			fail("ticket %s printed twice", p.label)
		}
		seen[p.id], printedLabels[p.label] = true, true
		var t struct{ State, Label string }
		if code, err := getTicket(h.base, p.id, &t); err != nil || code != 200 {
			fail("printed %s (%s) not at the hall: %d %v", p.label, p.id, code, err)
			continue
		}
		if t.Label != p.label || t.State == "reserved" || t.State == "lapsed" || t.State == "void" {
			fail("printed %s is %s %s at the hall", p.label, t.Label, t.State)
		}
		if p.offline || watch.wasOffline(p.id) {
			offline++
		}
	}
	// The real kiosks' printers printed nothing besides those tickets.
	for _, k := range kiosks {
		if k.real == nil {
			continue
		}
		mine := 0
		for _, p := range prints {
			if p.kiosk == k.n {
				mine++
			}
		}
		if js, err := k.real.printerJobs(); err != nil || len(js) != mine {
			fail("kiosk %d: %d printer jobs, %d tickets recorded (%v)", k.n, len(js), mine, err)
		}
	}
	// 2. No unprinted ticket called; 3. every call shown and announced.
	clips, _ := voice.DefaultClips()
	said := wavHashes(voiceDir)
	shownStrip, shownBoard, announced := 0, 0, 0
	for _, c := range calls {
		if !printedLabels[c.label] {
			fail("called %s at window %d, never printed", c.label, c.window)
		}
		if stripShown.has(byte(c.window), c.label, c.at.Add(-5*time.Second)) {
			shownStrip++
		} else {
			fail("call %s at window %d not on its strip", c.label, c.window)
		}
		if boardShown.has(0xC8, callout.BoardLine(c.label, c.window), c.at.Add(-5*time.Second)) {
			shownBoard++
		} else {
			fail("call %s at window %d not on the board's top row", c.label, c.window)
		}
		found := false
		for _, rep := range []int{1, 2} {
			pcm, err := clips.Render(voice.Announcement{Number: c.label, Window: c.window, Repeat: rep}, voice.DefaultGaps)
			if err == nil && said[pcmHash(pcm)] > 0 {
				found = true
			}
		}
		if found {
			announced++
		} else {
			fail("call %s at window %d not announced", c.label, c.window)
		}
	}
	// Offline import lag after the link returned: polled from the hall.
	watch.mu.Lock()
	lags := slices.Clone(watch.lags)
	unseen := len(watch.pending)
	watch.mu.Unlock()
	if unseen > 0 {
		fail("%d offline tickets never seen at the hall", unseen)
	}
	slices.Sort(lags)
	fmt.Printf("hallday: %d kiosks, %d windows, %v busy, %d hall restarts (SIGKILL)\n", *nKiosks, len(windows), *duration, kills)
	fmt.Printf("hallday: tickets printed %d (offline %d), at the hall %d, ghosts (reserved/lapsed/void among printed) 0 unless FAIL above, issue refusals %d\n",
		len(prints), offline, len(seen), issueKO.Load())
	fmt.Printf("hallday: calls %d: on strips %d, on the board %d, announced %d\n", len(calls), shownStrip, shownBoard, announced)
	if len(lags) > 0 {
		fmt.Printf("hallday: offline import lag after the link returned (%d tickets): p50 %v p90 %v max %v\n", len(lags),
			lags[len(lags)/2].Round(time.Millisecond), lags[len(lags)*9/10].Round(time.Millisecond), lags[len(lags)-1].Round(time.Millisecond))
	}
	return ok, nil
}

// lookupTok is the session the harness reads tickets with (GET
// /api/v1/tickets/{id} wants a kiosk or a staff session).
var lookupTok struct {
	gosync.Mutex
	tok string
}

// getTicket reads a ticket from the hall as the demo admin, logging in
// again when the session is gone (a restarted hall).
func getTicket(base, id string, out any) (int, error) {
	lookupTok.Lock()
	tok := lookupTok.tok
	lookupTok.Unlock()
	code, err := api("GET", base+"/api/v1/tickets/"+id, tok, nil, out)
	if err == nil && code == http.StatusUnauthorized {
		if tok, err = login(base, "demoadmin", "admin-demo"); err != nil {
			return 0, err
		}
		lookupTok.Lock()
		lookupTok.tok = tok
		lookupTok.Unlock()
		code, err = api("GET", base+"/api/v1/tickets/"+id, tok, nil, out)
	}
	return code, err
}

// waitCalloutIdle waits until the hall's board and voice have nothing
// waiting (GET /api/v1/callout), at most 60 s.
func waitCalloutIdle(base, token string) {
	time.Sleep(time.Second) // the events reach the call-out's queues
	deadline := time.Now().Add(60 * time.Second)
	last := ""
	defer func() {
		if time.Now().After(deadline) {
			fmt.Fprintln(os.Stderr, "hallday: call-out not idle after 60 s:", last)
		}
	}()
	for time.Now().Before(deadline) {
		if code, _ := api("GET", base+"/api/v1/callout", token, nil, nil); code != 200 {
			last = fmt.Sprint("status ", code)
		}
		var st struct {
			StripBacklog int `json:"strip_backlog"`
			BoardBacklog int `json:"board_backlog"`
			Voices       []struct {
				Waiting int  `json:"waiting"`
				Playing bool `json:"playing"`
			} `json:"voices"`
		}
		if code, err := api("GET", base+"/api/v1/callout", token, nil, &st); err == nil && code == 200 {
			idle := st.BoardBacklog == 0 && st.StripBacklog == 0
			for _, v := range st.Voices {
				idle = idle && v.Waiting == 0 && !v.Playing
			}
			if idle {
				time.Sleep(500 * time.Millisecond) // the strip written after the board
				return
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func pcmHash(pcm []int16) [32]byte {
	b := make([]byte, 2*len(pcm))
	for i, s := range pcm {
		b[2*i], b[2*i+1] = byte(s), byte(s>>8)
	}
	return sha256.Sum256(b)
}

// wavHashes hashes the samples of every WAV file in dir (the hall keeps
// the newest 200: the harness copies them as they come, see collectWAVs).
func wavHashes(dir string) map[[32]byte]int {
	out := map[[32]byte]int{}
	for _, d := range []string{dir + ".all"} {
		ents, _ := os.ReadDir(d)
		for _, e := range ents {
			if !strings.HasSuffix(e.Name(), ".wav") || strings.HasPrefix(e.Name(), ".") {
				continue
			}
			b, err := os.ReadFile(filepath.Join(d, e.Name()))
			if err != nil {
				continue
			}
			if _, pcm, err := voice.ReadWAV(b); err == nil {
				out[pcmHash(pcm)]++
			}
		}
	}
	return out
}

// lagWatch polls the hall for offline tickets until each is there and
// records how long after its kiosk's link (and the hall) was last back it
// arrived: now - max(issue time, link back).
type lagWatch struct {
	mu      gosync.Mutex
	pending []pendingOffline
	lags    []time.Duration
	offline map[string]bool // unsure tickets the hall did not have at first
}

type pendingOffline struct {
	id     string
	issued time.Time
	k      *kioskRig
	unsure bool // a real kiosk's ticket: offline if the hall's first answer is 404
}

// addUnsure watches a real kiosk's printed ticket: if the hall's first
// answer has it, it was issued online and is dropped; if not (404), it
// was issued offline and its import lag is recorded.
func (w *lagWatch) addUnsure(id string, issued time.Time, k *kioskRig) {
	w.mu.Lock()
	w.pending = append(w.pending, pendingOffline{id, issued, k, true})
	w.mu.Unlock()
}

func (w *lagWatch) wasOffline(id string) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.offline[id]
}

func (w *lagWatch) add(id string, issued time.Time, k *kioskRig) {
	w.mu.Lock()
	w.pending = append(w.pending, pendingOffline{id: id, issued: issued, k: k})
	w.mu.Unlock()
}

func (w *lagWatch) run(ctx context.Context, base string) {
	for ctx.Err() == nil {
		w.mu.Lock()
		list := slices.Clone(w.pending)
		w.mu.Unlock()
		var left []pendingOffline
		for _, p := range list {
			code, err := getTicket(base, p.id, nil)
			if err == nil && code == 200 && p.unsure {
				continue // online
			}
			if err == nil && code == http.StatusNotFound && p.unsure {
				p.unsure = false
				w.mu.Lock()
				if w.offline == nil {
					w.offline = map[string]bool{}
				}
				w.offline[p.id] = true
				w.mu.Unlock()
			}
			if err == nil && code == 200 {
				now := time.Now()
				ref := p.issued
				if up := p.k.upSince(); up.After(ref) {
					ref = up
				}
				w.mu.Lock()
				w.lags = append(w.lags, max(now.Sub(ref), 0))
				w.mu.Unlock()
				continue
			}
			left = append(left, p)
		}
		w.mu.Lock()
		w.pending = append(left, w.pending[len(list):]...)
		w.mu.Unlock()
		time.Sleep(100 * time.Millisecond)
	}
}

// collectWAVs copies the hall's WAV files (it keeps the newest 200) to
// dir.all as they appear, until ctx ends.
func collectWAVs(ctx context.Context, dir string) {
	all := dir + ".all"
	os.MkdirAll(all, 0o755)
	for ctx.Err() == nil {
		ents, _ := os.ReadDir(dir)
		for _, e := range ents {
			n := e.Name()
			if !strings.HasSuffix(n, ".wav") || strings.HasPrefix(n, ".") {
				continue
			}
			dst := filepath.Join(all, n)
			if _, err := os.Stat(dst); err == nil {
				continue
			}
			if b, err := os.ReadFile(filepath.Join(dir, n)); err == nil {
				os.WriteFile(dst, b, 0o644)
			}
		}
		time.Sleep(200 * time.Millisecond)
	}
}
