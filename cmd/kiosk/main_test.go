package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"hallkiosk/queue/catalog"
	"hallkiosk/queue/engine"
	"hallkiosk/queue/hallapi"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"hallkiosk/drivers/serialtest"
	"hallkiosk/internal/config"
	"hallkiosk/printer/printersim"
)

// iniKeys lists every "section.key" of the Config struct, the keys of the
// hall's sections it embeds included.
func iniKeys() []string { return config.Keys(Config{}) }

func TestExampleConfigIsValidAndEveryKeyDocumented(t *testing.T) {
	cfg := defaults()
	if err := config.Load("../../deploy/kiosk.conf.example", cfg, false); err != nil {
		t.Fatal(err)
	}
	example, _ := os.ReadFile("../../deploy/kiosk.conf.example")
	doc, err := os.ReadFile("../../docs/KIOSK.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range iniKeys() {
		_, key, _ := strings.Cut(k, ".")
		if !bytes.Contains(example, []byte("\n"+key+" =")) {
			t.Errorf("%s missing from deploy/kiosk.conf.example", k)
		}
		if !bytes.Contains(doc, []byte("`"+k+"`")) {
			t.Errorf("%s missing from docs/KIOSK.md", k)
		}
	}
}

func TestBadConfigNamesKeyAndLine(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct{ text, want string }{
		{"[kiosk]\norientation = sideways\n", `:2: key "kiosk.orientation"`},
		{"[timeouts]\nidle = soon\n", `:2: key "timeouts.idle"`},
		{"[hall]\nurl = ftp://x\n", `:2: key "hall.url"`},
		{"# c\n[maintenance]\npin = 12\n", `:3: key "maintenance.pin"`},
		{"[printer]\nbaud = 1200\n", `:2: key "printer.baud"`},
		{"[kiosk]\ncontrol = 0.0.0.0:7091\n", `:2: key "kiosk.control"`},
		{"[kiosk]\ncolour = red\n", `:2: key "kiosk.colour": unknown key`},
		{"[timeouts]\nidle = 90s\nelder_idle = 60s\n", `:3: key "timeouts.elder_idle"`},
	} {
		p := filepath.Join(dir, "k.conf")
		os.WriteFile(p, []byte(tc.text), 0o644)
		var out, errb bytes.Buffer
		err := run(context.Background(), []string{"--config", p, "--headless"}, &out, &errb)
		var ce *config.Error
		if !errors.As(err, &ce) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: error %v, want one containing %s", tc.text, err, tc.want)
		}
	}
}

func freePort(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// headless starts the kiosk command headless with a simulated printer on a
// pseudo-terminal and returns the control endpoint's base URL, the printer
// simulator and the log.
func headless(t *testing.T, extraConf string, flags ...string) (string, *printersim.Sim, *safeBuffer) {
	t.Helper()
	return headlessIn(t, t.TempDir(), extraConf, flags...)
}

// headlessIn is headless with the kiosk's files under dir (data in
// dir/data), for tests that prepare the data directory first.
func headlessIn(t *testing.T, dir, extraConf string, flags ...string) (string, *printersim.Sim, *safeBuffer) {
	t.Helper()
	pty, err := serialtest.OpenPTY()
	if err != nil {
		t.Skip("no pty:", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	sim := printersim.New(nil)
	simDone := make(chan struct{})
	go func() { defer close(simDone); sim.Run(ctx, pty.Master) }()
	ctl := freePort(t)
	conf := fmt.Sprintf("[kiosk]\ndata_dir = %s\ncontrol = %s\nsim_dir = %s\n[printer]\nport = %s\n%s",
		filepath.Join(dir, "data"), ctl, filepath.Join(dir, "nodev"), pty.SlavePath, extraConf)
	p := filepath.Join(dir, "kiosk.conf")
	os.WriteFile(p, []byte(conf), 0o644)
	errb := &safeBuffer{}
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, append([]string{"--config", p, "--headless"}, flags...), &bytes.Buffer{}, errb)
	}()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Error(err)
		}
		pty.Master.Close()
		<-simDone
	})
	headlessDirs.Store("http://"+ctl, dir)
	return "http://" + ctl, sim, errb
}

// headlessDirs maps a headless kiosk's control URL to its directory (the
// data directory is DIR/data).
var headlessDirs sync.Map

// controlClient drives a kiosk through its control endpoint.
type controlClient struct {
	t    *testing.T
	base string
	log  *safeBuffer
}

func (c controlClient) state() stateView {
	var v stateView
	for i := 0; i < 100; i++ {
		resp, err := http.Get(c.base + "/state")
		if err == nil {
			json.NewDecoder(resp.Body).Decode(&v)
			resp.Body.Close()
			return v
		}
		time.Sleep(20 * time.Millisecond)
	}
	c.t.Fatalf("control endpoint not up; log:\n%s", c.log.String())
	return v
}

func (c controlClient) tap(target string) int {
	resp, err := http.Post(c.base+"/tap?target="+target, "", nil)
	if err != nil {
		c.t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

func (c controlClient) waitScreen(want ...string) stateView {
	var s stateView
	for i := 0; i < 250; i++ {
		s = c.state()
		for _, w := range want {
			if s.Screen == w {
				return s
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	c.t.Fatalf("screen %q, want %v; log:\n%s", s.Screen, want, c.log.String())
	return s
}

// TestHeadlessStandaloneTicket takes a ticket from the engine inside the
// kiosk through the control endpoint.
func TestHeadlessStandaloneTicket(t *testing.T) {
	if testing.Short() {
		t.Skip("starts the whole kiosk")
	}
	base, sim, log := headless(t, "", "--standalone")
	c := controlClient{t, base, log}
	if s := c.state(); s.Screen != "home" {
		t.Fatalf("screen %q", s.Screen)
	}
	c.tap("zone:tax")
	c.tap("service:tax-invoice") // 24×7, ID card optional
	c.waitScreen("realname")
	c.tap("skip")
	s := c.waitScreen("ticket", "printfailed", "message")
	if s.Screen != "ticket" || !strings.HasPrefix(s.Ticket, "F") {
		t.Fatalf("state %+v; log:\n%s", s, log.String())
	}
	if n := len(sim.Jobs()); n != 1 {
		t.Fatalf("printer got %d jobs", n)
	}
	if c.tap("nonsense") != 400 {
		t.Error("unknown target accepted")
	}
}

// TestHeadlessHallModeTicket takes a ticket from a real hall API (engine on
// SQLite) over loopback, with the kiosk's key.
func TestHeadlessHallModeTicket(t *testing.T) {
	if testing.Short() {
		t.Skip("starts the whole kiosk")
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	e, err := engine.Open(ctx, filepath.Join(t.TempDir(), "hall.db"), engine.Options{Catalog: catalog.Default()})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	api, err := hallapi.New(ctx, e, hallapi.Config{Kiosks: map[string]string{"kiosk-01": "k3y"}})
	if err != nil {
		t.Fatal(err)
	}
	go api.Run(ctx)
	srv := httptest.NewServer(api)
	defer srv.Close()
	base, sim, log := headless(t, fmt.Sprintf("[hall]\nurl = %s\nkey = k3y\n", srv.URL))
	c := controlClient{t, base, log}
	if s := c.state(); !s.Online {
		t.Fatalf("hall not online: %+v", s)
	}
	c.tap("zone:tax")
	c.tap("service:tax-invoice")
	c.waitScreen("realname")
	c.tap("skip")
	s := c.waitScreen("ticket", "printfailed", "message")
	if s.Screen != "ticket" {
		t.Fatalf("state %+v; log:\n%s", s, log.String())
	}
	st := e.Status()
	waiting := 0
	for _, x := range st {
		if x.ID == "tax-invoice" {
			waiting = x.Waiting
		}
	}
	if waiting != 1 || len(sim.Jobs()) != 1 {
		t.Fatalf("hall waiting %d, printed %d", waiting, len(sim.Jobs()))
	}
}
