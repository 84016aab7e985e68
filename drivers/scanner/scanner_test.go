package scanner_test

import (
	"context"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"

	"golang.org/x/text/encoding/simplifiedchinese"

	"hallkiosk/drivers/scanner"
	"hallkiosk/drivers/scanner/scannersim"
	"hallkiosk/drivers/serialport"
	"hallkiosk/drivers/serialtest"
)

func feedAll(chunks ...string) ([]string, int) {
	var l scanner.Lines
	l.Max = 16
	var out []string
	for _, c := range chunks {
		l.Feed([]byte(c), func(b []byte) { out = append(out, string(b)) })
	}
	return out, l.Dropped
}

func TestLines(t *testing.T) {
	for _, tc := range []struct {
		in      []string
		want    []string
		dropped int
	}{
		{[]string{"abc\r"}, []string{"abc"}, 0},
		{[]string{"abc\n"}, []string{"abc"}, 0},
		{[]string{"abc\r\ndef\r\n"}, []string{"abc", "def"}, 0},
		{[]string{"abc\r", "\ndef\n"}, []string{"abc", "def"}, 0},    // CRLF split across reads
		{[]string{"\r\n\r\nabc\n\n"}, []string{"abc"}, 0},            // empty lines skipped
		{[]string{"a\rb\nc\r\n"}, []string{"a", "b", "c"}, 0},        // mixed suffixes
		{[]string{"0123456789abcdefXYZ\r\nok\r"}, []string{"ok"}, 1}, // oversized dropped
		{[]string{"0123456789abcdef\r"}, []string{"0123456789abcdef"}, 0},
		{[]string{"pending"}, nil, 0},
	} {
		got, dropped := feedAll(tc.in...)
		if !reflect.DeepEqual(got, tc.want) || dropped != tc.dropped {
			t.Errorf("%q: got %q dropped %d, want %q %d", tc.in, got, dropped, tc.want, tc.dropped)
		}
	}
}

func TestDecode(t *testing.T) {
	cert := "甘(2023)玉门市不动产权第0001234号"
	gb, _ := simplifiedchinese.GB18030.NewEncoder().Bytes([]byte(cert))
	for _, tc := range []struct {
		in   []byte
		enc  scanner.Encoding
		want string
	}{
		{[]byte(cert), scanner.Auto, cert},
		{gb, scanner.Auto, cert},
		{gb, scanner.GB18030, cert},
		{[]byte("HK1.abc"), scanner.GB18030, "HK1.abc"},
		{[]byte{0xff, 'a'}, scanner.UTF8, "\uFFFDa"},
	} {
		if got := scanner.Decode(tc.in, tc.enc); got != tc.want {
			t.Errorf("Decode(% X, %v) = %q, want %q", tc.in, tc.enc, got, tc.want)
		}
	}
}

// simRig runs a simulated scanner on a pty and a Dev on the real port.
func simRig(t *testing.T, opts *scanner.Opts) (*scannersim.Sim, *scanner.Dev) {
	t.Helper()
	p, err := serialtest.OpenPTY()
	if err != nil {
		t.Fatal(err)
	}
	sim := scannersim.New(0)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); sim.Run(ctx, p.Master) }()
	port, err := serialport.Open(p.SlavePath, 9600)
	if err != nil {
		t.Fatal(err)
	}
	d, err := scanner.New(port, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		d.Close()
		cancel()
		port.Close()
		p.Close()
		<-done
	})
	return sim, d
}

func next(t *testing.T, d scanner.Source) string {
	t.Helper()
	select {
	case c, ok := <-d.Codes():
		if !ok {
			t.Fatal("codes closed")
		}
		return c
	case <-time.After(3 * time.Second):
		t.Fatal("no code")
	}
	return ""
}

func TestSerialScannerOverPTY(t *testing.T) {
	sim, d := simRig(t, &scanner.Opts{Idle: 80 * time.Millisecond})
	ctx := context.Background()
	licence := "https://zzlz.gsxt.gov.cn/businessCheck/verifKey.do?showType=p&serial=91620982MA71234567-SAIC_SHOW_1&signData=abc=="
	cert := "甘(2023)玉门市不动产权第0001234号"
	for _, tc := range []struct {
		code, suffix string
		enc          scanner.Encoding
	}{
		{licence, "\r\n", scanner.UTF8},
		{cert, "\r", scanner.GB18030},
		{cert, "\n", scanner.UTF8},
		{"HK1.eyJrIjoiVCJ9.c2ln", "", scanner.UTF8}, // no suffix: ended by the idle gap
	} {
		if err := sim.ScanWith(ctx, tc.code, tc.suffix, tc.enc); err != nil {
			t.Fatal(err)
		}
		if got := next(t, d); got != tc.code {
			t.Errorf("suffix %q %v: got %q", tc.suffix, tc.enc, got)
		}
	}
}

func TestTriggers(t *testing.T) {
	for _, tr := range []scanner.Trigger{scanner.Honeywell, scanner.Newland} {
		sim, d := simRig(t, &scanner.Opts{Trigger: tr})
		if err := d.StartScan(); err != nil {
			t.Fatal(err)
		}
		time.Sleep(50 * time.Millisecond) // the Newland ack arrives first
		sim.Scan(context.Background(), "A123")
		if got := next(t, d); got != "A123" {
			t.Errorf("%v: got %q (ack not dropped?)", tr, got)
		}
		if err := d.StopScan(); err != nil {
			t.Fatal(err)
		}
		deadline := time.Now().Add(2 * time.Second)
		for len(sim.Triggers()) < 2 && time.Now().Before(deadline) {
			time.Sleep(10 * time.Millisecond)
		}
		want := []string{tr.String() + " start", tr.String() + " stop"}
		if got := sim.Triggers(); !reflect.DeepEqual(got, want) {
			t.Errorf("triggers %q, want %q", got, want)
		}
	}
}

func TestTriggerBytes(t *testing.T) {
	p := &serialtest.Playback{Ops: []serialtest.IO{
		{W: []byte{0x16, 0x54, 0x0D}, R: []byte("CODE1\r")},
		{W: []byte{0x16, 0x55, 0x0D}},
	}}
	d, _ := scanner.New(p, &scanner.Opts{Trigger: scanner.Honeywell})
	d.StartScan()
	if got := next(t, d); got != "CODE1" {
		t.Fatal(got)
	}
	d.StopScan()
	d.Close()
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
}

func TestKeyboardFromPipe(t *testing.T) {
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	k := scanner.NewKeyboard(r, nil)
	codes := []string{"HK1.eyJ0IjoiVCJ9.Zm9v_Bar-1", "https://example.gov.cn/q?c=ABC%20def&x=~!@#$^*()", "A001"}
	var b []byte
	now := time.Now()
	for _, c := range codes {
		for _, e := range scanner.TypeEvents(c) {
			b = scanner.AppendEvent(b, e, now)
		}
	}
	// Caps Lock on: letters flip, symbols do not.
	b = scanner.AppendEvent(b, scanner.Event{Type: 1, Code: 58, Value: 1}, now)
	for _, e := range scanner.TypeEvents("aB1") {
		b = scanner.AppendEvent(b, e, now)
	}
	go func() {
		for len(b) > 0 { // odd-sized writes: records split across reads
			n := min(len(b), 37)
			w.Write(b[:n])
			b = b[n:]
		}
	}()
	for _, want := range append(codes, "Ab1") {
		if got := next(t, k); got != want {
			t.Errorf("got %q, want %q", got, want)
		}
	}
	if err := k.Close(); err != nil {
		t.Fatal(err)
	}
	if _, ok := <-k.Codes(); ok {
		t.Fatal("codes open after close")
	}
}

func TestKeyForCoversQRText(t *testing.T) {
	for _, r := range "abcxyzABCXYZ0123456789-._~:/?#[]@!$&'()*+,;=%" {
		if _, _, ok := scanner.KeyFor(r); !ok {
			t.Errorf("cannot type %q", r)
		}
	}
	if _, _, ok := scanner.KeyFor('甘'); ok {
		t.Error("typed a CJK character")
	}
	if !strings.Contains(scanner.Honeywell.String(), "honeywell") {
		t.Fatal()
	}
}
