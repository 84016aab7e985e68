package main

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"hallkiosk/printer/printersim"
)

// Issue 12 through the real kiosk program, headless, driven through its
// control endpoint.

// The hall unreachable: /state says offline (it said online, the flow
// overwrote the fallback's flag), and home shows the offline banner.
func TestHeadlessHallDownIsOffline(t *testing.T) {
	if testing.Short() {
		t.Skip("starts the whole kiosk")
	}
	dead := freePort(t) // nothing listens there
	base, _, log := headless(t, fmt.Sprintf("[hall]\nurl = http://%s\ntimeout = 300ms\nstatus_interval = 1s\n", dead))
	c := controlClient{t, base, log}
	var s stateView
	for i := 0; i < 100; i++ {
		if s = c.state(); !s.Online {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if s.Online || s.Screen != "home" {
		t.Fatalf("hall down: %+v", s)
	}
	// It stays offline through the next refreshes.
	time.Sleep(500 * time.Millisecond)
	if s = c.state(); s.Online {
		t.Fatalf("hall down shown online again: %+v", s)
	}
}

// Paper out: the kiosk asks the printer before it takes a number, says 缺纸
// and burns no number; with paper back the next ticket is the day's first.
func TestHeadlessPaperOutBurnsNoNumber(t *testing.T) {
	if testing.Short() {
		t.Skip("starts the whole kiosk")
	}
	base, sim, log := headless(t, "[hall]\nstatus_interval = 1s\n", "--standalone")
	c := controlClient{t, base, log}
	c.waitScreen("home")
	sim.Set(func(s *printersim.State) { s.PaperOut = true })
	take := func() stateView {
		c.tap("home")
		c.waitScreen("home")
		c.tap("zone:tax")
		c.tap("service:tax-invoice") // 24×7, ID card optional
		s := c.waitScreen("realname", "message", "ticket", "printfailed")
		if s.Screen == "realname" {
			c.tap("skip")
			s = c.waitScreen("message", "ticket", "printfailed")
		}
		return s
	}
	s := take()
	if s.Screen != "message" || s.Message != "msg.paperout" || !strings.Contains(s.Text, "缺纸") || strings.Contains(s.Text, "咨询台") {
		t.Fatalf("paper out: %+v", s)
	}
	if s.Printer != "paper" {
		t.Fatalf("/state printer %q, want paper", s.Printer)
	}
	if n := len(sim.Jobs()); n != 0 {
		t.Fatalf("printer got %d jobs", n)
	}
	sim.Set(func(s *printersim.State) { s.PaperOut = false })
	for i := 0; i < 200 && c.state().Printer != "ok"; i++ {
		time.Sleep(50 * time.Millisecond)
	}
	s = take()
	if s.Screen != "ticket" || !strings.HasSuffix(s.Ticket, "001") {
		t.Fatalf("after paper back: %+v (a number burnt while out of paper?)", s)
	}
}

// A reader that is not there: real-name services and the maintenance ID
// test say so at once, instead of "context deadline exceeded" after 30 s.
func TestHeadlessReaderFault(t *testing.T) {
	if testing.Short() {
		t.Skip("starts the whole kiosk")
	}
	base, _, log := headless(t, "[kiosk]\ncatalogue = ../../queue/catalog/testdata/always-open.json\n[hall]\nstatus_interval = 1s\n[maintenance]\npin = 2468\n", "--standalone")
	c := controlClient{t, base, log}
	var s stateView
	for i := 0; i < 300; i++ { // two unanswered probes, then the status refresh
		if s = c.state(); s.ReaderFault {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if !s.ReaderFault {
		t.Fatalf("no reader, no fault: %+v", s)
	}
	c.tap("zone:police")
	c.tap("service:household") // real name required
	if s = c.waitScreen("message", "realname"); s.Message != "msg.readerfault" || !strings.Contains(s.Text, "读卡器故障") {
		t.Fatalf("required real name with no reader: %+v", s)
	}
	c.tap("home")
	for range 5 {
		c.tap("corner")
	}
	for _, d := range "2468" {
		c.tap("pin:" + string(d))
	}
	c.tap("pin:ok")
	c.waitScreen("maintenance")
	start := time.Now()
	c.tap("maint.idtest")
	for i := 0; i < 200; i++ {
		if s = c.state(); len(s.Output) > 1 {
			break
		}
		time.Sleep(25 * time.Millisecond)
	}
	t.Logf("ID test answered in %v: %q", time.Since(start).Round(10*time.Millisecond), s.Output)
	if len(s.Output) < 2 || !strings.Contains(s.Output[1], "does not answer") || strings.Contains(s.Output[1], "deadline exceeded") {
		t.Fatalf("ID test output %q", s.Output)
	}
}
