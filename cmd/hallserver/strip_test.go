package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"hallkiosk/drivers/display"
	"hallkiosk/drivers/serialtest"
)

// stripDevice is a strip bus on a pty behind a link (the strip's stable
// device name, as udev gives it): unplug closes the pty, plug opens a new
// one and points the link at it.
type stripDevice struct {
	t    *testing.T
	link string

	mu    sync.Mutex
	pty   *serialtest.PTY
	stop  func()
	texts map[byte][]string
}

func (d *stripDevice) plug() {
	d.t.Helper()
	p, err := serialtest.OpenPTY()
	if err != nil {
		d.t.Fatal(err)
	}
	os.Remove(d.link)
	if err := os.Symlink(p.SlavePath, d.link); err != nil {
		d.t.Fatal(err)
	}
	sim := display.NewSim(display.GB18030)
	sim.OnCommand = func(c display.Command, _ display.Codec) {
		if c.Op == display.OpText {
			d.mu.Lock()
			d.texts[c.Addr] = append(d.texts[c.Addr], c.Text)
			d.mu.Unlock()
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); sim.Run(ctx, p.Master) }()
	d.mu.Lock()
	d.pty, d.stop = p, func() {
		cancel()
		// The simulator's read blocks on the master while the hall holds
		// the slave: a byte on the slave wakes it, then both ends close
		// (the hall's next write fails: the device is gone).
		if f, err := os.OpenFile(p.SlavePath, os.O_WRONLY, 0); err == nil {
			f.Write([]byte{'\n'})
			f.Close()
		}
		<-done
		p.Close()
	}
	d.mu.Unlock()
}

func (d *stripDevice) unplug() {
	d.mu.Lock()
	stop := d.stop
	d.stop = nil
	d.mu.Unlock()
	if stop != nil {
		stop()
	}
	os.Remove(d.link)
}

func (d *stripDevice) seen(addr byte) []string {
	d.mu.Lock()
	defer d.mu.Unlock()
	return slices.Clone(d.texts[addr])
}

// TestStripUnpluggedThroughAPI: the window strips' device goes away (its
// pty closed) while a window calls three tickets; the hall reports the
// writes it keeps (GET /api/v1/callout, /metrics) and, once the device is
// back, writes every number to the strip in call order.
func TestStripUnpluggedThroughAPI(t *testing.T) {
	d := &stripDevice{t: t, link: filepath.Join(t.TempDir(), "ttyStrips"), texts: map[byte][]string{}}
	d.plug()
	t.Cleanup(d.unplug)
	h := startHall(t, fmt.Sprintf("[display]\nstrip_port = %s\nstrip_protocol = line\ngap = 20ms\n", d.link))
	staff, tech := h.login("staff1", "staff1-demo"), h.login("tech1", "tech1-demo")
	first := h.issue("tax-invoice")
	h.act(staff, 19, "next", "")
	waitUntil(t, "the first call on the strip", func() bool { return slices.Contains(d.seen(19), first) })

	d.unplug()
	var st struct {
		Failing      bool
		StripBacklog int   `json:"strip_backlog"`
		StripRetry   int   `json:"strip_retry_backlog"`
		StripFailing int   `json:"strip_failing"`
		StripOldest  int64 `json:"strip_oldest_unwritten_ms"`
	}
	var called []string
	for range 3 {
		h.issue("tax-invoice")
		h.act(staff, 19, "start", "")
		called = append(called, h.act(staff, 19, "next", ""))
	}
	waitUntil(t, "the strip's writes kept", func() bool {
		st.StripRetry = 0
		return h.call("GET", "/api/v1/callout", tech, "", &st) == 200 && st.StripRetry == len(called)
	})
	if !st.Failing || st.StripFailing != 1 || st.StripBacklog < st.StripRetry {
		t.Errorf("status while unplugged %+v", st)
	}
	res, err := http.Get(h.base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	for _, line := range []string{fmt.Sprintf("hall_callout_strip_retry_backlog %d", len(called)), "hall_callout_strip_failing 1"} {
		if !strings.Contains(string(body), line+"\n") {
			t.Errorf("/metrics lacks %q", line)
		}
	}

	d.plug()
	waitUntil(t, "every number on the strip", func() bool { return len(d.seen(19)) >= 1+len(called) })
	if got, want := d.seen(19), append([]string{first}, called...); !slices.Equal(got, want) {
		t.Fatalf("strip 19 was sent %q, want %q in order", got, want)
	}
	waitUntil(t, "no backlog", func() bool {
		st.StripRetry, st.StripBacklog = -1, -1
		return h.call("GET", "/api/v1/callout", tech, "", &st) == 200 && st.StripRetry == 0 && st.StripBacklog == 0 && st.StripOldest == 0
	})
}
