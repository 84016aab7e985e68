package acceptance

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/text/encoding/simplifiedchinese"
)

// bin holds the programs TestMain built; repo is the repository root (the
// programs run there, so relative asset paths work).
var bin, repo string

func TestMain(m *testing.M) {
	os.Exit(mainRun(m))
}

func mainRun(m *testing.M) int {
	wd, _ := os.Getwd()
	repo = filepath.Dir(wd)
	dir, err := os.MkdirTemp("", "hk-acceptance-bin-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	bin = dir
	goTool := filepath.Join(runtime.GOROOT(), "bin", "go")
	cmd := exec.Command(goTool, "build", "-o", dir+"/", "./cmd/devsim", "./cmd/hallserver", "./cmd/kiosk", "./cmd/kioskctl")
	cmd.Dir = repo
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "acceptance: building the programs:", err)
		return 1
	}
	return m.Run()
}

// proc is a program this test started; stop ends it (by its own pid).
type proc struct {
	name string
	cmd  *exec.Cmd
	log  string
	done chan struct{}
}

func start(t *testing.T, name, logPath string, args ...string) *proc {
	t.Helper()
	f, err := os.Create(logPath)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(filepath.Join(bin, name), args...)
	cmd.Dir = repo
	cmd.Stdout, cmd.Stderr = f, f
	cmd.Env = append(os.Environ(), "DISPLAY=")
	if err := cmd.Start(); err != nil {
		f.Close()
		t.Fatal(err)
	}
	p := &proc{name: name, cmd: cmd, log: logPath, done: make(chan struct{})}
	go func() { cmd.Wait(); f.Close(); close(p.done) }()
	t.Cleanup(func() { p.stop(syscall.SIGTERM) })
	return p
}

// stop sends sig and waits (SIGKILL after 5 s).
func (p *proc) stop(sig syscall.Signal) {
	select {
	case <-p.done:
		return
	default:
	}
	p.cmd.Process.Signal(sig)
	select {
	case <-p.done:
	case <-time.After(5 * time.Second):
		p.cmd.Process.Kill()
		<-p.done
	}
}

func (p *proc) output() string {
	b, _ := os.ReadFile(p.log)
	return string(b)
}

// freePort returns a loopback address free at the moment (the programs need
// fixed addresses: the hall keeps its address across a restart, and the
// kiosk's control endpoint is configured, not reported).
func freePort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// site is one hall: devsim, hallserver and an enrolled kiosk.
type site struct {
	t        *testing.T
	dir      string
	devsim   *proc
	dev      map[string]string // devsim.json: device links and "control"
	hall     *proc
	hallAddr string // http
	tlsAddr  string // https (kiosk sync)
	kiosk    *proc
	ctl      string // kiosk control base URL
	public   string // hall.public_url: the address a phone reaches
	staffTok string
}

func newSite(t *testing.T, kioskConf string) *site {
	t.Helper()
	dir := t.TempDir()
	s := &site{t: t, dir: dir, hallAddr: freePort(t), tlsAddr: freePort(t)}
	for _, d := range []string{"dev", "hall", "kiosk"} {
		os.MkdirAll(filepath.Join(dir, d), 0o750)
	}
	s.devsim = start(t, "devsim", filepath.Join(dir, "devsim.log"), "--dir", filepath.Join(dir, "dev"), "--control", "127.0.0.1:0")
	waitFor(t, 10*time.Second, "devsim.json", func() bool {
		b, err := os.ReadFile(filepath.Join(dir, "dev", "devsim.json"))
		return err == nil && json.Unmarshal(b, &s.dev) == nil && s.dev["control"] != ""
	})
	// The hall is open around the clock here, so the journeys run the same
	// at any hour of CI (the default catalogue closes at 17:30 hall time).
	conf := fmt.Sprintf(`[server]
tls_listen = %s
[hall]
catalog = %s
[display]
board_port = %s
board_protocol = framed
strip_port = %s
strip_protocol = framed
[evaluator]
port = %s
windows = 19:1, 20:2, 105:3
`, s.tlsAddr, filepath.Join(repo, "queue", "catalog", "testdata", "always-open.json"), filepath.Join(dir, "dev", "display"), filepath.Join(dir, "dev", "display"), filepath.Join(dir, "dev", "evaluator"))
	os.WriteFile(filepath.Join(dir, "hallserver.conf"), []byte(conf), 0o644)
	s.startHall()
	s.enrol()
	s.public = "http://localhost:" + s.hallAddr[strings.LastIndexByte(s.hallAddr, ':')+1:]
	ctl := freePort(t)
	s.ctl = "http://" + ctl
	kconf := fmt.Sprintf(`[kiosk]
catalogue = %s
data_dir = %s
control = %s
sim_dir = %s
[hall]
url = http://%s
public_url = %s
status_interval = 1s
[voice]
enabled = false
[maintenance]
pin = 2468
[registry]
import = assets/registry-demo.csv
%s`, filepath.Join(repo, "queue", "catalog", "testdata", "always-open.json"), filepath.Join(dir, "kiosk"), ctl, filepath.Join(dir, "dev"), s.hallAddr, s.public, kioskConf)
	os.WriteFile(filepath.Join(dir, "kiosk.conf"), []byte(kconf), 0o644)
	s.kiosk = start(t, "kiosk", filepath.Join(dir, "kiosk.log"), "--sim", "--headless", "--config", filepath.Join(dir, "kiosk.conf"))
	waitFor(t, 20*time.Second, "kiosk home", func() bool {
		st, err := s.tryState()
		return err == nil && st.Screen == "home"
	})
	// A kiosk just started may not have heard from its printer yet; the
	// citizen journeys begin once home shows the printer ready.
	waitFor(t, 30*time.Second, "the kiosk's printer ready", func() bool {
		st, err := s.tryState()
		return err == nil && st.Printer == "ok"
	})
	s.staffTok = s.login("staff1", "staff1-demo")
	return s
}

func (s *site) startHall() {
	s.t.Helper()
	s.hall = start(s.t, "hallserver", filepath.Join(s.dir, fmt.Sprintf("hallserver-%d.log", time.Now().UnixNano())),
		"--config", filepath.Join(s.dir, "hallserver.conf"), "--data", filepath.Join(s.dir, "hall"), "--listen", s.hallAddr, "--demo")
	waitFor(s.t, 20*time.Second, "hallserver /healthz", func() bool {
		resp, err := http.Get("http://" + s.hallAddr + "/healthz")
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == 200
	})
}

// enrol enrols the kiosk's store as scripts/demo.sh does: a technician's
// one-time code, then kioskctl sync enrol.
func (s *site) enrol() {
	s.t.Helper()
	tok := s.login("tech1", "tech1-demo")
	var r struct {
		Code string `json:"code"`
	}
	if st := s.hallJSON("POST", "/api/v1/devices/enrol", tok, map[string]string{"name": "kiosk-01"}, &r); st != 201 || r.Code == "" {
		s.t.Fatalf("enrolment code: %d", st)
	}
	out, err := exec.Command(filepath.Join(bin, "kioskctl"), "sync", "enrol", "--data", filepath.Join(s.dir, "kiosk"),
		"--hall", "https://"+s.tlsAddr, "--code", r.Code, "--name", "kiosk-01").CombinedOutput()
	if err != nil {
		s.t.Fatalf("kioskctl sync enrol: %v\n%s", err, out)
	}
}

func (s *site) login(user, pw string) string {
	s.t.Helper()
	var r struct {
		Token string `json:"token"`
	}
	if st := s.hallJSON("POST", "/api/v1/login", "", map[string]string{"user": user, "password": pw}, &r); st != 200 {
		s.t.Fatalf("login %s: %d", user, st)
	}
	return r.Token
}

// hallJSON calls the hall's API.
func (s *site) hallJSON(method, path, tok string, in, out any) int {
	s.t.Helper()
	var body io.Reader
	if in != nil {
		b, _ := json.Marshal(in)
		body = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, "http://"+s.hallAddr+path, body)
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if tok != "" {
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		s.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if out != nil {
		json.Unmarshal(b, out)
	}
	return resp.StatusCode
}

// window does a staff action at window n (next, finish, signin, ...).
func (s *site) window(n int, action string) map[string]any {
	s.t.Helper()
	var out map[string]any
	if st := s.hallJSON("POST", fmt.Sprintf("/api/v1/windows/%d/%s", n, action), s.staffTok, map[string]any{}, &out); st >= 300 {
		s.t.Fatalf("window %d %s: %d %v", n, action, st, out)
	}
	return out
}

// devPost calls a devsim control route.
func (s *site) devPost(path string, body string) {
	s.t.Helper()
	resp, err := http.Post(s.dev["control"]+path, "text/plain", strings.NewReader(body))
	if err != nil {
		s.t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode >= 300 {
		s.t.Fatalf("devsim %s: %s %s", path, resp.Status, b)
	}
}

func (s *site) devGet(path string, out any) {
	s.t.Helper()
	resp, err := http.Get(s.dev["control"] + path)
	if err != nil {
		s.t.Fatal(err)
	}
	defer resp.Body.Close()
	json.NewDecoder(resp.Body).Decode(out)
}

// state is the kiosk's GET /state (cmd/kiosk/control.go).
type state struct {
	Screen     string   `json:"screen"`
	Lang       string   `json:"lang"`
	Elder      bool     `json:"elder"`
	Message    string   `json:"message"`
	Ticket     string   `json:"ticket"`
	Service    string   `json:"service"`
	Ahead      int      `json:"ahead"`
	Person     string   `json:"person"`
	Document   string   `json:"document"`
	Invoices   int      `json:"invoices"`
	RateTicket string   `json:"rate_ticket"`
	Output     []string `json:"maintenance_output"`
	Online     bool     `json:"online"`
	Seq        uint64   `json:"seq"`
	Printer    string   `json:"printer"`
	Reader     bool     `json:"reader_fault"`
	Text       string   `json:"text"`
}

func (s *site) tryState() (state, error) {
	var st state
	resp, err := http.Get(s.ctl + "/state")
	if err != nil {
		return st, err
	}
	defer resp.Body.Close()
	return st, json.NewDecoder(resp.Body).Decode(&st)
}

func (s *site) state() state {
	s.t.Helper()
	st, err := s.tryState()
	if err != nil {
		s.t.Fatalf("kiosk /state: %v\n%s", err, s.kiosk.output())
	}
	return st
}

func (s *site) tap(targets ...string) {
	s.t.Helper()
	for _, target := range targets {
		resp, err := http.Post(s.ctl+"/tap?target="+url.QueryEscape(target), "", nil)
		if err != nil {
			s.t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 {
			s.t.Fatalf("tap %s: %s %s", target, resp.Status, b)
		}
	}
}

// waitScreen waits until the kiosk shows one of screens.
func (s *site) waitScreen(screens ...string) state {
	s.t.Helper()
	var st state
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		st = s.state()
		for _, w := range screens {
			if st.Screen == w {
				return st
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	s.t.Fatalf("kiosk on %q (%q), want %v\n%s", st.Screen, st.Message, screens, tail(s.kiosk.output(), 30))
	return st
}

// home returns the kiosk to its home screen.
func (s *site) home() {
	s.t.Helper()
	s.tap("home")
	s.waitScreen("home")
}

// job is one printed job (printersim.Job).
type job struct {
	N       int    `json:"n"`
	BinPath string `json:"bin"`
	PNGPath string `json:"png"`
}

func (s *site) jobs() []job {
	s.t.Helper()
	var js []job
	s.devGet("/printer/jobs", &js)
	return js
}

// printed waits for job number n (1-based) and returns its bytes.
func (s *site) printed(n int) (job, []byte) {
	s.t.Helper()
	var js []job
	waitFor(s.t, 10*time.Second, fmt.Sprintf("printer job %d", n), func() bool {
		js = s.jobs()
		return len(js) >= n && js[n-1].BinPath != ""
	})
	j := js[n-1]
	p := j.BinPath
	if !filepath.IsAbs(p) {
		p = filepath.Join(repo, p)
	}
	b, err := os.ReadFile(p)
	if err != nil {
		s.t.Fatal(err)
	}
	j.BinPath = p
	return j, b
}

// renderQR renders a printed job with kioskctl escpos render and reads its
// QR code back with zbarimg.
func (s *site) renderQR(j job, name string) (png string, qr string) {
	s.t.Helper()
	png = filepath.Join(s.dir, name+".png")
	out, err := exec.Command(filepath.Join(bin, "kioskctl"), "escpos", "render", "-o", png, "--width", "576", j.BinPath).CombinedOutput()
	if err != nil {
		s.t.Fatalf("kioskctl escpos render: %v\n%s", err, out)
	}
	if keep := os.Getenv("HALLKIOSK_ACCEPTANCE_PNG"); keep != "" {
		b, _ := os.ReadFile(png)
		os.MkdirAll(keep, 0o755)
		os.WriteFile(filepath.Join(keep, name+".png"), b, 0o644)
	}
	if _, err := exec.LookPath("zbarimg"); err != nil {
		s.t.Skip("zbarimg not installed (scripts/setup.sh installs zbar-tools)")
	}
	// QR codes only: the slip's large digits can read as a linear barcode.
	out, err = exec.Command("zbarimg", "--raw", "-q", "-Sdisable", "-Sqrcode.enable", png).Output()
	if err != nil {
		s.t.Fatalf("zbarimg %s: %v", png, err)
	}
	return png, strings.TrimSpace(string(out))
}

// progress asks the hall's progress JSON for a code (the QR's c parameter).
func (s *site) progress(qr string) (int, map[string]any) {
	s.t.Helper()
	u, err := url.Parse(qr)
	if err != nil {
		s.t.Fatalf("QR %q: %v", qr, err)
	}
	var p map[string]any
	st := s.hallJSON("GET", "/api/v1/public/progress?c="+url.QueryEscape(u.Query().Get("c")), "", nil, &p)
	return st, p
}

func gb(s string) []byte {
	b, _ := simplifiedchinese.GB18030.NewEncoder().Bytes([]byte(s))
	return b
}

func waitFor(t *testing.T, d time.Duration, what string, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(25 * time.Millisecond)
	}
}

func tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
