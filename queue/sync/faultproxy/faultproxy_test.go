package faultproxy

import (
	"bytes"
	"io"
	"net"
	"testing"
	"time"
)

// sink accepts one connection and returns everything it received.
func sink(t *testing.T) (addr string, got chan []byte) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	got = make(chan []byte, 1)
	go func() {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		c.SetReadDeadline(time.Now().Add(2 * time.Second))
		b, _ := io.ReadAll(c)
		c.Close()
		got <- b
	}()
	return ln.Addr().String(), got
}

func through(t *testing.T, f Faults, msg []byte) ([]byte, Stats) {
	t.Helper()
	addr, got := sink(t)
	p, err := New("127.0.0.1:0", addr, f)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	c, err := net.Dial("tcp", p.Addr())
	if err != nil {
		t.Fatal(err)
	}
	c.Write(msg)
	time.Sleep(50 * time.Millisecond)
	c.Close()
	select {
	case b := <-got:
		return b, p.Stats()
	case <-time.After(3 * time.Second):
		t.Fatal("sink got nothing")
	}
	return nil, Stats{}
}

func TestFaults(t *testing.T) {
	msg := []byte("0123456789abcdef")
	if b, _ := through(t, Faults{}, msg); !bytes.Equal(b, msg) {
		t.Fatalf("clean: %q", b)
	}
	if b, s := through(t, Faults{Duplicate: 1}, msg); !bytes.Equal(b, append(append([]byte{}, msg...), msg...)) || s.Duplicates != 1 {
		t.Fatalf("duplicate: %q %v", b, s)
	}
	if b, s := through(t, Faults{Reorder: 1}, msg); string(b) != "89abcdef01234567" || s.Reorders != 1 {
		t.Fatalf("reorder: %q %v", b, s)
	}
	if b, s := through(t, Faults{Truncate: 1, Seed: 3}, msg); len(b) >= len(msg) || !bytes.HasPrefix(msg, b) || s.Truncates != 1 {
		t.Fatalf("truncate: %q %v", b, s)
	}
	if b, s := through(t, Faults{Reset: 1, Seed: 3}, msg); len(b) >= len(msg) || s.Resets != 1 {
		t.Fatalf("reset: %q %v", b, s)
	}
	if b, s := through(t, Faults{Drop: 1}, msg); len(b) != 0 || s.Drops != 1 {
		t.Fatalf("drop: %q %v", b, s)
	}
	start := time.Now()
	if b, s := through(t, Faults{Delay: 1, MaxDelay: 20 * time.Millisecond}, msg); !bytes.Equal(b, msg) || s.Delays != 1 {
		t.Fatalf("delay: %q %v (%s)", b, s, time.Since(start))
	}
}
