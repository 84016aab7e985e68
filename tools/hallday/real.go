package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"hallkiosk/kiosk/store"
	qsync "hallkiosk/queue/sync"
	"hallkiosk/queue/sync/faultproxy"
)

// The real-kiosk mode (-kiosk-bin and -devsim-bin): each kiosk is a
// `kiosk --sim --headless` process with its own devsim (its own ptys,
// printer and control port), enrolled with the hall through its own fault
// proxy (the one-time code of POST /api/v1/devices/enrol and the sync
// client's Enrol, as `kioskctl sync enrol` does), with hall.url the same
// proxied TLS address, so its hall API calls and its sync traffic both
// cross the faulty link. Citizens tap through the kiosk's control
// endpoint (zone, service, skip, home); a ticket counts as printed when
// its number is in a new job of the kiosk's devsim printer.
//
// Ports: the hall on -port and -port+1, kiosk i (1-based) with its proxy
// on -port+10*i, its devsim control on -port+10*i+1 and its control
// endpoint on -port+10*i+2.
var (
	kioskBin  = flag.String("kiosk-bin", "", "kiosk binary: the kiosks are real `kiosk --sim --headless` processes (needs -devsim-bin)")
	devsimBin = flag.String("devsim-bin", "", "devsim binary, one instance per real kiosk")
	catPath   = flag.String("catalogue", "queue/catalog/testdata/always-open.json", "catalogue of the hall and the real kiosks (real-kiosk mode)")
	zone      = flag.String("zone", "tax", "zone the citizens tap at a real kiosk")
)

// realKiosk is one kiosk process with its devsim.
type realKiosk struct {
	n          int
	dir        string
	ctl        string // kiosk control base URL
	devCtl     string // devsim control base URL
	kiosk, dev *exec.Cmd
	kdone      chan struct{}
	ddone      chan struct{}
	jobs       int // printer jobs seen so far
}

func startProc(bin, logPath string, args ...string) (*exec.Cmd, chan struct{}, error) {
	f, err := os.Create(logPath)
	if err != nil {
		return nil, nil, err
	}
	cmd := exec.Command(bin, args...)
	cmd.Stdout, cmd.Stderr = f, f
	cmd.Env = append(os.Environ(), "DISPLAY=")
	if err := cmd.Start(); err != nil {
		f.Close()
		return nil, nil, err
	}
	done := make(chan struct{})
	go func() { cmd.Wait(); f.Close(); close(done) }()
	return cmd, done, nil
}

// stopProc sends SIGTERM to the process it started and waits (SIGKILL
// after 5 s).
func stopProc(cmd *exec.Cmd, done chan struct{}) {
	if cmd == nil {
		return
	}
	select {
	case <-done:
		return
	default:
	}
	cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		cmd.Process.Kill()
		<-done
	}
}

func (r *realKiosk) stop() {
	stopProc(r.kiosk, r.kdone)
	stopProc(r.dev, r.ddone)
}

func waitUntil(d time.Duration, what string, ok func() bool) error {
	deadline := time.Now().Add(d)
	for !ok() {
		if time.Now().After(deadline) {
			return fmt.Errorf("timed out waiting for %s", what)
		}
		time.Sleep(50 * time.Millisecond)
	}
	return nil
}

// startRealKiosk starts devsim, enrols the kiosk's store through px and
// starts the kiosk, and waits for its home screen with the printer ready.
func startRealKiosk(ctx context.Context, n int, hallBase string, px *faultproxy.Proxy) (*realKiosk, error) {
	d, _ := filepath.Abs(filepath.Join(*dir, fmt.Sprintf("kiosk%d", n)))
	r := &realKiosk{n: n, dir: d, ctl: fmt.Sprintf("http://127.0.0.1:%d", *port+10*n+2)}
	for _, s := range []string{"dev", "data"} {
		if err := os.MkdirAll(filepath.Join(d, s), 0o750); err != nil {
			return nil, err
		}
	}
	var err error
	r.dev, r.ddone, err = startProc(*devsimBin, filepath.Join(d, "devsim.log"), "--dir", filepath.Join(d, "dev"),
		"--control", fmt.Sprintf("127.0.0.1:%d", *port+10*n+1))
	if err != nil {
		return nil, err
	}
	var devs map[string]string
	if err := waitUntil(10*time.Second, "devsim.json", func() bool {
		b, err := os.ReadFile(filepath.Join(d, "dev", "devsim.json"))
		return err == nil && json.Unmarshal(b, &devs) == nil && devs["control"] != ""
	}); err != nil {
		r.stop()
		return nil, err
	}
	r.devCtl = devs["control"]
	if !strings.HasPrefix(r.devCtl, "http") {
		r.devCtl = "http://" + r.devCtl
	}
	// Enrolment: a technician's one-time code, then the sync client's
	// Enrol on the kiosk's store (what `kioskctl sync enrol` runs).
	name := fmt.Sprintf("hd-kiosk-%02d", n)
	tech, err := login(hallBase, "tech1", "tech1-demo")
	if err != nil {
		r.stop()
		return nil, err
	}
	var code struct {
		Code string `json:"code"`
	}
	if st, err := api("POST", hallBase+"/api/v1/devices/enrol", tech, map[string]string{"name": name}, &code); err != nil || st != 201 || code.Code == "" {
		r.stop()
		return nil, fmt.Errorf("kiosk %d: enrolment code: %d %v", n, st, err)
	}
	st, err := store.Open(filepath.Join(d, "data", "kiosk.db"), nil)
	if err != nil {
		r.stop()
		return nil, err
	}
	hallURL := "https://" + px.Addr()
	_, err = qsync.NewClient(st, &qsync.ClientOptions{Timeout: 15 * time.Second}).Enrol(ctx, hallURL, code.Code, name)
	st.Close()
	if err != nil {
		r.stop()
		return nil, fmt.Errorf("kiosk %d: enrol: %w", n, err)
	}
	cat, _ := filepath.Abs(*catPath)
	conf := fmt.Sprintf(`[kiosk]
device_id = %s
catalogue = %s
data_dir = %s
control = 127.0.0.1:%d
sim_dir = %s
[hall]
url = %s
status_interval = 1s
[voice]
enabled = false
[maintenance]
pin = 2468
`, name, cat, filepath.Join(d, "data"), *port+10*n+2, filepath.Join(d, "dev"), hallURL)
	confPath := filepath.Join(d, "kiosk.conf")
	if err := os.WriteFile(confPath, []byte(conf), 0o644); err != nil {
		r.stop()
		return nil, err
	}
	r.kiosk, r.kdone, err = startProc(*kioskBin, filepath.Join(d, "kiosk.log"), "--sim", "--headless", "--config", confPath)
	if err != nil {
		r.stop()
		return nil, err
	}
	if err := waitUntil(60*time.Second, fmt.Sprintf("kiosk %d home, printer ready", n), func() bool {
		s, err := r.state()
		return err == nil && s.Screen == "home" && s.Printer == "ok"
	}); err != nil {
		r.stop()
		return nil, err
	}
	return r, nil
}

// kstate is the part of the kiosk's GET /state the harness reads.
type kstate struct {
	Screen  string `json:"screen"`
	Message string `json:"message"`
	Ticket  string `json:"ticket"`
	Service string `json:"service"`
	Printer string `json:"printer"`
	Online  bool   `json:"online"`
}

var ctlClient = &http.Client{Timeout: 10 * time.Second}

func (r *realKiosk) state() (kstate, error) {
	var s kstate
	resp, err := ctlClient.Get(r.ctl + "/state")
	if err != nil {
		return s, err
	}
	defer resp.Body.Close()
	return s, json.NewDecoder(resp.Body).Decode(&s)
}

func (r *realKiosk) tap(target string) error {
	resp, err := ctlClient.Post(r.ctl+"/tap?target="+url.QueryEscape(target), "", nil)
	if err != nil {
		return err
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 {
		return fmt.Errorf("tap %s: %s %s", target, resp.Status, bytes.TrimSpace(b))
	}
	return nil
}

func (r *realKiosk) waitScreen(d time.Duration, screens ...string) (kstate, error) {
	var s kstate
	var err error
	deadline := time.Now().Add(d)
	for time.Now().Before(deadline) {
		if s, err = r.state(); err == nil {
			for _, w := range screens {
				if s.Screen == w {
					return s, nil
				}
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	return s, fmt.Errorf("kiosk %d on %q (%q), want %v", r.n, s.Screen, s.Message, screens)
}

// pjob is one printed job (printersim.Job, devsim GET /printer/jobs).
type pjob struct {
	N       int    `json:"n"`
	BinPath string `json:"bin"`
}

func (r *realKiosk) printerJobs() ([]pjob, error) {
	resp, err := ctlClient.Get(r.devCtl + "/printer/jobs")
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	var js []pjob
	return js, json.NewDecoder(resp.Body).Decode(&js)
}

// errRefused is a ticket the kiosk did not issue (a message screen).
var errRefused = errors.New("refused")

// take is one citizen at the kiosk: zone, service (skip the ID card if
// asked), the ticket screen, the new printer job with the ticket's number,
// home. It returns the printed label; errRefused when the kiosk showed a
// message instead.
func (r *realKiosk) take() (string, error) {
	if s, err := r.state(); err == nil && s.Screen != "home" {
		r.tap("home")
		if _, err := r.waitScreen(15*time.Second, "home"); err != nil {
			return "", err
		}
	}
	defer func() {
		r.tap("home")
		r.waitScreen(15*time.Second, "home")
	}()
	if err := r.tap("zone:" + *zone); err != nil {
		return "", err
	}
	if err := r.tap("service:" + *service); err != nil {
		return "", err
	}
	s, err := r.waitScreen(60*time.Second, "realname", "ticket", "message", "printfailed")
	if err != nil {
		return "", err
	}
	if s.Screen == "realname" {
		if err := r.tap("skip"); err != nil {
			return "", err
		}
		if s, err = r.waitScreen(60*time.Second, "ticket", "message", "printfailed"); err != nil {
			return "", err
		}
	}
	switch s.Screen {
	case "message":
		return "", fmt.Errorf("%w: %s", errRefused, s.Message)
	case "printfailed":
		// Nothing printed: the kiosk voids it when cancelled.
		r.tap("cancel")
		return "", fmt.Errorf("kiosk %d: print failed for %s", r.n, s.Ticket)
	}
	var js []pjob
	if err := waitUntil(10*time.Second, fmt.Sprintf("kiosk %d printer job %d", r.n, r.jobs+1), func() bool {
		js, err = r.printerJobs()
		return err == nil && len(js) > r.jobs && js[len(js)-1].BinPath != ""
	}); err != nil {
		return "", err
	}
	if len(js) != r.jobs+1 {
		return "", fmt.Errorf("kiosk %d: %d new printer jobs for one ticket %s", r.n, len(js)-r.jobs, s.Ticket)
	}
	r.jobs = len(js)
	p := js[len(js)-1].BinPath
	if !filepath.IsAbs(p) {
		p = filepath.Join(r.dir, p)
	}
	b, err := os.ReadFile(p)
	if err != nil {
		// devsim writes relative to its working directory (ours).
		b, err = os.ReadFile(js[len(js)-1].BinPath)
	}
	if err != nil {
		return "", err
	}
	if s.Ticket == "" || !bytes.Contains(b, []byte(s.Ticket)) {
		return "", fmt.Errorf("kiosk %d: printer job %d does not carry ticket %q", r.n, len(js), s.Ticket)
	}
	return s.Ticket, nil
}

// ticketID is the hall's id of a label of the service issued on day (the
// hall's series and a lease's numbers share it).
func ticketID(label string, at time.Time) string {
	n, _ := strconv.Atoi(strings.TrimLeft(label, "ABCDEFGHIJKLMNOPQRSTUVWXYZ"))
	return strings.ReplaceAll(qsync.Day(at, nil), "-", "") + "-" + *service + "-" + strconv.Itoa(n)
}
