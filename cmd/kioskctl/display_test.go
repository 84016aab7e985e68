package main

import (
	"bytes"
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"hallkiosk/drivers/display"
	"hallkiosk/drivers/serialtest"
)

// TestDisplaySend runs the real command against the display simulator on
// a pty and checks the bytes on the wire.
func TestDisplaySend(t *testing.T) {
	p, err := serialtest.OpenPTY()
	if err != nil {
		t.Fatal(err)
	}
	var wireMu sync.Mutex
	var wireBuf bytes.Buffer
	wire := func() []byte { wireMu.Lock(); defer wireMu.Unlock(); return bytes.Clone(wireBuf.Bytes()) }
	sim := display.NewSim(display.GB18030)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		buf := make([]byte, 256)
		var pending []byte
		for {
			n, err := p.Master.Read(buf)
			if n > 0 {
				wireMu.Lock()
				wireBuf.Write(buf[:n])
				wireMu.Unlock()
				pending = sim.Feed(append(pending, buf[:n]...))
			}
			if err != nil || ctx.Err() != nil {
				return
			}
		}
	}()
	defer func() { cancel(); p.Close(); <-done }()
	waitCount := func(n int) {
		t.Helper()
		wctx, wcancel := context.WithTimeout(ctx, 5*time.Second)
		defer wcancel()
		if sim.WaitCount(wctx, n) < n {
			t.Fatalf("simulator decoded %d commands, want %d; wire % x", sim.Count(), n, wire())
		}
	}
	send := func(args ...string) string {
		t.Helper()
		var out, errb bytes.Buffer
		if err := run(ctx, append([]string{"display", "send", "--port", p.SlavePath}, args...), &out, &errb); err != nil {
			t.Fatalf("%v: %v %s", args, err, errb.String())
		}
		return out.String()
	}

	// The line form, byte for byte: 01 addr text 07.
	out := send("--protocol", "line", "--addr", "3", "--text", "A001")
	waitCount(1)
	if want := []byte{0x01, 0x03, 'A', '0', '0', '1', 0x07}; !bytes.Equal(wire(), want) {
		t.Fatalf("wire % x, want % x", wire(), want)
	}
	if !strings.Contains(out, "01 03 41 30 30 31 07") {
		t.Errorf("stdout %q", out)
	}
	// The framed form with Chinese text for the board: FF 68 LEN LEN 68
	// ADDR CMD DATA CS 16, the text in GB18030.
	wireMu.Lock()
	wireBuf.Reset()
	wireMu.Unlock()
	send("--protocol", "framed", "--addr", "200", "--text", "请A001号到3号窗口")
	waitCount(2)
	b := wire()
	if len(b) < 9 || b[0] != 0xFF || b[1] != 0x68 || b[4] != 0x68 || b[5] != 200 || b[6] != 0x01 || b[len(b)-1] != 0x16 {
		t.Fatalf("frame % x", b)
	}
	if n := int(b[2]); n != int(b[3]) || n != len(b)-7 {
		t.Fatalf("length bytes %d %d for %d bytes of address, command and data", b[2], b[3], len(b)-7)
	}
	var sum byte
	for _, c := range b[5 : len(b)-2] {
		sum += c
	}
	if sum != b[len(b)-2] {
		t.Fatalf("checksum %02x, want %02x", b[len(b)-2], sum)
	}
	if !bytes.Equal(b[7:9], []byte{0xC7, 0xEB}) { // 请 in GB18030
		t.Fatalf("text bytes % x", b[7:len(b)-2])
	}
	send("--protocol", "framed", "--addr", "200", "--brightness", "7")
	send("--protocol", "line", "--addr", "3", "--clear")
	waitCount(4)
	st := sim.State()
	if st[200].Text != "请A001号到3号窗口" || st[200].Brightness != 7 || st[200].Protocol != "framed" || st[3].Text != "" {
		t.Fatalf("simulator shows %+v", st)
	}

	for _, bad := range [][]string{
		{"--protocol", "line", "--addr", "3"},                           // nothing to send
		{"--protocol", "smoke", "--addr", "3", "--text", "x"},           // unknown protocol
		{"--protocol", "line", "--addr", "300", "--text", "x"},          // address out of range
		{"--protocol", "line", "--addr", "3", "--text", "x", "--clear"}, // two commands
		{"--protocol", "line", "--addr", "3", "--text", "x", "--encoding", "big5"},
	} {
		var out, errb bytes.Buffer
		if err := run(ctx, append([]string{"display", "send", "--port", p.SlavePath}, bad...), &out, &errb); err == nil {
			t.Errorf("%v accepted", bad)
		}
	}
	if sim.Count() != 4 {
		t.Errorf("refused commands reached the bus: %d commands", sim.Count())
	}
}
