package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"hallkiosk/drivers/serialtest"
	"hallkiosk/internal/config"
	"hallkiosk/printer/printersim"
)

// iniKeys lists every "section.key" of the Config struct.
func iniKeys() []string {
	var out []string
	t := reflect.TypeOf(Config{})
	for i := 0; i < t.NumField(); i++ {
		sec := t.Field(i)
		for j := 0; j < sec.Type.NumField(); j++ {
			out = append(out, sec.Tag.Get("ini")+"."+sec.Type.Field(j).Tag.Get("ini"))
		}
	}
	return out
}

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

// TestHeadlessStandaloneTicket runs the kiosk command headless and
// standalone with a simulated printer on a pseudo-terminal and takes a
// ticket through the control endpoint.
func TestHeadlessStandaloneTicket(t *testing.T) {
	if testing.Short() {
		t.Skip("starts the whole kiosk")
	}
	pty, err := serialtest.OpenPTY()
	if err != nil {
		t.Skip("no pty:", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	sim := printersim.New(nil)
	simDone := make(chan struct{})
	go func() { defer close(simDone); sim.Run(ctx, pty.Master) }()
	dir := t.TempDir()
	ctl := freePort(t)
	conf := fmt.Sprintf("[kiosk]\ndata_dir = %s\ncontrol = %s\nsim_dir = %s\n[printer]\nport = %s\n",
		filepath.Join(dir, "data"), ctl, filepath.Join(dir, "nodev"), pty.SlavePath)
	p := filepath.Join(dir, "kiosk.conf")
	os.WriteFile(p, []byte(conf), 0o644)
	var errb safeBuffer
	done := make(chan error, 1)
	go func() { done <- run(ctx, []string{"--config", p, "--headless", "--standalone"}, &bytes.Buffer{}, &errb) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Error(err)
		}
		pty.Master.Close()
		<-simDone
	}()
	base := "http://" + ctl
	state := func() stateView {
		var v stateView
		for i := 0; i < 100; i++ {
			resp, err := http.Get(base + "/state")
			if err == nil {
				json.NewDecoder(resp.Body).Decode(&v)
				resp.Body.Close()
				return v
			}
			time.Sleep(20 * time.Millisecond)
		}
		t.Fatalf("control endpoint not up; log:\n%s", errb.String())
		return v
	}
	post := func(target string) {
		resp, err := http.Post(base+"/tap?target="+target, "", nil)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Fatalf("tap %s: %s", target, resp.Status)
		}
	}
	if s := state(); s.Screen != "home" {
		t.Fatalf("screen %q", s.Screen)
	}
	post("zone:tax")
	post("service:tax-invoice") // 24×7, ID card optional
	if s := state(); s.Screen != "realname" {
		t.Fatalf("screen %q, want realname", s.Screen)
	}
	post("skip")
	var s stateView
	for i := 0; i < 200; i++ {
		if s = state(); s.Screen == "ticket" || s.Screen == "printfailed" || s.Screen == "message" {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if s.Screen != "ticket" || !strings.HasPrefix(s.Ticket, "F") {
		t.Fatalf("state %+v; log:\n%s", s, errb.String())
	}
	if n := len(sim.Jobs()); n != 1 {
		t.Fatalf("printer got %d jobs", n)
	}
	if strings.Contains(errb.String(), "张") {
		t.Error("personal data in the log")
	}
	resp, err := http.Post(base+"/tap?target=nonsense", "", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 400 {
		t.Errorf("unknown target: %s", resp.Status)
	}
}
