package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"hallkiosk/drivers/evaluator"
	"hallkiosk/drivers/evaluator/evaluatorsim"
	"hallkiosk/drivers/serialtest"
)

// padBus is an evaluator simulator with pads at addrs on a pty: the hall
// server opens the slave side as its [evaluator] port.
func padBus(tb testing.TB, addrs ...byte) (*evaluatorsim.Sim, string) {
	tb.Helper()
	p, err := serialtest.OpenPTY()
	if err != nil {
		tb.Fatal(err)
	}
	sim := evaluatorsim.New(addrs...)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); sim.Run(ctx, p.Master) }()
	tb.Cleanup(func() { cancel(); p.Close(); <-done })
	return sim, p.SlavePath
}

func simPad(sim *evaluatorsim.Sim, addr byte) evaluatorsim.Pad {
	for _, p := range sim.Pads() {
		if p.Addr == addr {
			return p
		}
	}
	return evaluatorsim.Pad{}
}

type apiTicket struct {
	ID     string
	Label  string
	State  string
	Rating int
}

// TestEvaluatorThroughHall: staff finish tickets through the real HTTP API,
// the simulated pads (on a pty, real bytes) prompt for them, key presses
// become the tickets' ratings on the engine's 5-best scale and show in the
// ticket JSON and the statistics.
func TestEvaluatorThroughHall(t *testing.T) {
	sim, port := padBus(t, 1, 2)
	h := startHall(t, fmt.Sprintf("[evaluator]\nport = %s\nwindows = 19:1, 20:2, 105:9\ntimeout = 20s\n", port))
	staff1, staff2 := h.login("staff1", "staff1-demo"), h.login("staff2", "staff2-demo")
	sup := h.login("super1", "super1-demo") // tickets by id are for staff and kiosks only
	action := func(token string, window int, what string) apiTicket {
		t.Helper()
		var r struct{ Ticket apiTicket }
		if code := h.call("POST", fmt.Sprintf("/api/v1/windows/%d/%s", window, what), token, "", &r); code != 200 {
			t.Fatalf("window %d %s: %d", window, what, code)
		}
		return r.Ticket
	}
	ticket := func(id string) apiTicket {
		t.Helper()
		var tk apiTicket
		if code := h.call("GET", "/api/v1/tickets/"+id, sup, "", &tk); code != 200 {
			t.Fatalf("ticket %s: %d", id, code)
		}
		return tk
	}
	promptedFor := func(addr byte, what string) {
		t.Helper()
		waitUntil(t, what, func() bool { p := simPad(sim, addr); return p.Prompting && p.Pressed == 0 })
		if p := simPad(sim, addr); p.Text != evaluator.DefaultPrompt {
			t.Fatalf("pad %d shows %q", addr, p.Text)
		}
	}
	rated := func(id string, score int) {
		t.Helper()
		waitUntil(t, "rating of "+id, func() bool { return ticket(id).Rating != 0 })
		if tk := ticket(id); tk.Rating != score || tk.State != "done" {
			t.Fatalf("ticket %s: %+v, want rating %d", id, tk, score)
		}
	}

	// Call, start, finish: the pad at window 19 asks; 满意 is 4 of 5.
	h.issue("tax-invoice")
	a := action(staff1, 19, "next")
	action(staff1, 19, "start")
	if simPad(sim, 1).Prompting {
		t.Fatal("pad prompting before the ticket was finished")
	}
	action(staff1, 19, "finish")
	promptedFor(1, "prompt after finish")
	if err := sim.Press(1, int(evaluator.Satisfied)); err != nil {
		t.Fatal(err)
	}
	rated(a.ID, 4)
	waitUntil(t, "thanks", func() bool { p := simPad(sim, 1); return !p.Prompting && p.Text == "谢谢" })

	// Window 20 at the same time as window 19, on the same bus: the
	// window calls the next ticket while serving one, which finishes it.
	b1 := h.issue("tax-filing")
	b := action(staff2, 20, "next")
	if b.Label != b1 {
		t.Fatalf("window 20 called %s, want %s", b.Label, b1)
	}
	action(staff2, 20, "start")
	h.issue("tax-invoice")
	c := action(staff1, 19, "next")
	action(staff1, 19, "start")
	h.issue("tax-invoice")
	d := action(staff1, 19, "next") // finishes c
	promptedFor(1, "prompt after next")
	action(staff2, 20, "finish")
	promptedFor(2, "prompt at window 20")
	sim.Press(2, int(evaluator.VeryDissatisfied))
	sim.Press(1, int(evaluator.VerySatisfied))
	rated(c.ID, 5)
	rated(b.ID, 1)

	// The next citizen reaches window 19 before the previous one rated:
	// the pad goes dark and the previous ticket stays unrated.
	action(staff1, 19, "start") // d
	h.issue("tax-invoice")
	action(staff1, 19, "next") // finishes d: the pad asks about d
	promptedFor(1, "prompt for d")
	action(staff1, 19, "start")
	waitUntil(t, "pad dark", func() bool { return !simPad(sim, 1).Prompting })
	if err := sim.Press(1, 1); !errors.Is(err, evaluatorsim.ErrNotPrompting) {
		t.Fatalf("press on the dark pad: %v", err)
	}
	if tk := ticket(d.ID); tk.Rating != 0 || tk.State != "done" {
		t.Fatalf("d: %+v", tk)
	}

	// Statistics: three ratings, average (4+5+1)/3, two of three
	// satisfied (≥ 4).
	var rows []struct {
		Dimension, Key string
		Rated          int
		RatingAvg      float64 `json:"rating_avg"`
		Satisfied      float64
	}
	if code := h.call("GET", "/api/v1/stats", sup, "", &rows); code != 200 {
		t.Fatalf("stats: %d", code)
	}
	found := false
	for _, r := range rows {
		if r.Dimension == "hall" {
			found = true
			if r.Rated != 3 || r.RatingAvg < 3.3 || r.RatingAvg > 3.34 || r.Satisfied < 0.66 || r.Satisfied > 0.67 {
				t.Fatalf("hall stats: %+v", r)
			}
		}
	}
	if !found {
		t.Fatalf("no hall row in %+v", rows)
	}
	// Field diagnosis: the bus and the pads, for technicians only.
	var st struct {
		Enabled bool
		Bus     struct{ Connected bool }
		Pads    []struct {
			Addr      int
			Answering bool
		}
	}
	if code := h.call("GET", "/api/v1/evaluator", staff1, "", nil); code != 403 {
		t.Errorf("evaluator status for staff: %d", code)
	}
	if code := h.call("GET", "/api/v1/evaluator", h.login("tech1", "tech1-demo"), "", &st); code != 200 || !st.Enabled || !st.Bus.Connected || len(st.Pads) == 0 {
		t.Errorf("evaluator status: %d %+v", code, st)
	}
	if logs := h.logs.String(); !strings.Contains(logs, "evaluator pads") || strings.Contains(logs, "rating not recorded") {
		t.Errorf("logs:\n%s", logs)
	}
}

// TestEvaluatorConfig: bad [evaluator] values stop the server naming the
// key (the window map's parsing is tested in package hall).
func TestEvaluatorConfig(t *testing.T) {
	dir := t.TempDir()
	for text, want := range map[string]string{
		"[evaluator]\nport = /dev/null\nwindows = 1:1, 2:1\n": "evaluator.windows",
		"[evaluator]\nport = /dev/null\n":                     "evaluator.windows",
		"[evaluator]\nport = usb:1a86\nwindows = auto\n":      "evaluator.port",
		"[evaluator]\ntimeout = soon\n":                       "evaluator.timeout",
	} {
		p := filepath.Join(dir, "c.conf")
		os.WriteFile(p, []byte(text), 0o644)
		err := run(context.Background(), []string{"--config", p, "--data", dir, "--listen", "127.0.0.1:0"}, io.Discard, io.Discard, nil)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: %v, want %q", text, err, want)
		}
	}
}
