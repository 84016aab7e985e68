package serialport_test

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	"hallkiosk/drivers/serialport"
	"hallkiosk/drivers/serialtest"
)

func TestParseSpec(t *testing.T) {
	for in, want := range map[string]serialport.Spec{
		"/dev/ttyUSB0":          {Path: "/dev/ttyUSB0", Baud: 9600},
		"usb:1a86:7523":         {VID: "1a86", PID: "7523", Baud: 9600},
		"usb:0483:5740:SN00042": {VID: "0483", PID: "5740", Serial: "SN00042", Baud: 9600},
	} {
		got, err := serialport.ParseSpec(in, 9600)
		if err != nil || got != want || got.String() != in {
			t.Errorf("ParseSpec(%q) = %+v %v", in, got, err)
		}
	}
	for _, bad := range []string{"", "usb:", "usb:1a86", "usb::7523"} {
		if _, err := serialport.ParseSpec(bad, 0); err == nil {
			t.Errorf("ParseSpec(%q) accepted", bad)
		}
	}
}

func TestListAndResolve(t *testing.T) {
	if _, err := serialport.List(); err != nil {
		t.Fatal(err)
	}
	// No such USB device on a build machine: a NotFound error.
	_, err := serialport.Spec{VID: "ffff", PID: "fffe", Serial: "nope"}.Resolve()
	if !errors.Is(err, serialport.ErrNotFound) {
		t.Fatal(err)
	}
}

// echo plays a device that echoes every byte on master until it fails.
func echo(m io.ReadWriter) {
	buf := make([]byte, 256)
	for {
		n, err := m.Read(buf)
		if err != nil {
			return
		}
		if _, err := m.Write(buf[:n]); err != nil {
			return
		}
	}
}

// plug creates a pty playing an echo device and points link at it.
func plug(tb testing.TB, link string) *serialtest.PTY {
	tb.Helper()
	p, err := serialtest.OpenPTY()
	if err != nil {
		tb.Fatal(err)
	}
	go echo(p.Master)
	tmp := link + ".new"
	os.Remove(tmp)
	if err := os.Symlink(p.SlavePath, tmp); err != nil {
		tb.Fatal(err)
	}
	if err := os.Rename(tmp, link); err != nil {
		tb.Fatal(err)
	}
	return p
}

// ping writes a message and waits for its echo; it reports success.
func ping(c *serialport.Conn, msg []byte, within time.Duration) bool {
	deadline := time.Now().Add(within)
	buf := make([]byte, 64)
	for time.Now().Before(deadline) {
		if _, err := c.Write(msg); err != nil {
			time.Sleep(5 * time.Millisecond)
			continue
		}
		var got []byte
		for t0 := time.Now(); time.Since(t0) < 200*time.Millisecond && len(got) < len(msg); {
			n, _ := c.Read(buf)
			got = append(got, buf[:n]...)
		}
		if bytes.Contains(got, msg) {
			return true
		}
	}
	return false
}

func TestReconnectAfterReplug(t *testing.T) {
	link := filepath.Join(t.TempDir(), "reader")
	p1 := plug(t, link)
	c := serialport.Dial(serialport.Spec{Path: link, Baud: 115200}, nil)
	defer c.Close()
	if err := c.SetReadTimeout(20 * time.Millisecond); err != nil {
		t.Fatal(err)
	}
	if !c.WaitConnected(3 * time.Second) {
		t.Fatalf("not connected: %+v", c.Health())
	}
	if !ping(c, []byte("one"), 2*time.Second) {
		t.Fatal("no echo before unplug")
	}

	// Unplug: the device and its path go away.
	p1.Close()
	os.Remove(link)
	buf := make([]byte, 16)
	var rerr error
	for t0 := time.Now(); time.Since(t0) < 2*time.Second && rerr == nil; {
		_, rerr = c.Read(buf)
	}
	if !errors.Is(rerr, serialport.ErrDisconnected) {
		t.Fatalf("read after unplug: %v", rerr)
	}
	if h := c.Health(); h.Connected || h.LastError == "" {
		t.Fatalf("health after unplug: %+v", h)
	}
	if _, err := c.Write([]byte("x")); !errors.Is(err, serialport.ErrDisconnected) {
		t.Fatalf("write while away: %v", err)
	}
	time.Sleep(300 * time.Millisecond) // away for a while: backoff grows

	// Replug at the same path: a new pty.
	p2 := plug(t, link)
	defer p2.Close()
	t0 := time.Now()
	if !ping(c, []byte("two"), 10*time.Second) {
		t.Fatalf("no echo after replug: %+v", c.Health())
	}
	t.Logf("back in service %v after replug", time.Since(t0))
	if h := c.Health(); !h.Connected || h.Reconnects != 1 || h.LastSeen.Before(t0) {
		t.Fatalf("health after replug: %+v", h)
	}
}

func TestSwappedPathIsNoticed(t *testing.T) {
	// The path is re-pointed to another device while the old one still
	// works (e.g. udev renumbering): the Conn follows the path.
	link := filepath.Join(t.TempDir(), "scanner")
	p1 := plug(t, link)
	defer p1.Close()
	c := serialport.Dial(serialport.Spec{Path: link}, &serialport.ConnOpts{Check: 20 * time.Millisecond})
	defer c.Close()
	c.SetReadTimeout(20 * time.Millisecond)
	if !ping(c, []byte("a"), 3*time.Second) {
		t.Fatal("no echo")
	}
	p2 := plug(t, link)
	defer p2.Close()
	deadline := time.Now().Add(5 * time.Second)
	for c.Health().Reconnects == 0 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if h := c.Health(); h.Reconnects != 1 {
		t.Fatalf("not reconnected: %+v", h)
	}
}

func TestCloseWakesRead(t *testing.T) {
	c := serialport.Dial(serialport.Spec{Path: filepath.Join(t.TempDir(), "absent")}, nil)
	done := make(chan error)
	go func() {
		_, err := c.Read(make([]byte, 1))
		done <- err
	}()
	time.Sleep(50 * time.Millisecond)
	c.Close()
	if err := <-done; !errors.Is(err, serialport.ErrClosed) {
		t.Fatal(err)
	}
	if h := c.Health(); h.Connected || h.LastError == "" {
		t.Fatalf("%+v", h)
	}
}

// BenchmarkReconnect measures the time from a device reappearing at its
// path (after being away 0.5 s) to the first echoed byte through the Conn.
func BenchmarkReconnect(b *testing.B) {
	link := filepath.Join(b.TempDir(), "dev")
	p := plug(b, link)
	c := serialport.Dial(serialport.Spec{Path: link, Baud: 115200}, nil)
	defer c.Close()
	c.SetReadTimeout(10 * time.Millisecond)
	if !ping(c, []byte("x"), 3*time.Second) {
		b.Fatal("no echo")
	}
	var total, worst time.Duration
	for b.Loop() {
		b.StopTimer()
		p.Close()
		os.Remove(link)
		time.Sleep(500 * time.Millisecond)
		b.StartTimer()
		t0 := time.Now()
		p = plug(b, link)
		if !ping(c, []byte("y"), 10*time.Second) {
			b.Fatal("not back")
		}
		d := time.Since(t0)
		total += d
		worst = max(worst, d)
	}
	p.Close()
	b.ReportMetric(float64(total.Milliseconds())/float64(b.N), "replug-ms")
	b.ReportMetric(float64(worst.Milliseconds()), "worst-ms")
}
