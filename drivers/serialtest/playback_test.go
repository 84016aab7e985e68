package serialtest

import (
	"bytes"
	"io"
	"strings"
	"testing"
)

func TestPlayback(t *testing.T) {
	p := &Playback{Ops: []IO{{R: []byte("hello")}, {W: []byte("ab"), R: []byte("xyz")}}, MaxRead: 2}
	var got []byte
	buf := make([]byte, 8)
	for len(got) < 5 {
		n, err := p.Read(buf)
		if err != nil {
			t.Fatal(err)
		}
		if n > 2 {
			t.Fatalf("read %d > MaxRead", n)
		}
		got = append(got, buf[:n]...)
	}
	if string(got) != "hello" {
		t.Fatal(string(got))
	}
	if err := p.Close(); err == nil || !strings.Contains(err.Error(), "unused") {
		t.Fatalf("close with unused exchange: %v", err)
	}

	p = &Playback{Ops: []IO{{W: []byte("ab"), R: []byte("xyz")}}}
	if _, err := p.Write([]byte("a")); err != nil {
		t.Fatal(err)
	}
	if _, err := p.Write([]byte("b")); err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(p)
	if string(b) != "xyz" {
		t.Fatal(string(b))
	}
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}

	p = &Playback{Ops: []IO{{W: []byte("ab")}}}
	if _, err := p.Write([]byte("ac")); err == nil {
		t.Fatal("wrong write accepted")
	}
	if err := p.Close(); err == nil {
		t.Fatal("close hides the wrong write")
	}
}

type rw struct{ io.Reader }

func (rw) Write(b []byte) (int, error) { return len(b), nil }

func TestRecord(t *testing.T) {
	r := &Record{RW: rw{bytes.NewReader([]byte("OK"))}}
	r.Write([]byte{1, 2})
	buf := make([]byte, 1)
	r.Read(buf)
	r.Read(buf)
	r.Write([]byte{3})
	ops := r.Ops()
	if len(ops) != 2 || string(ops[0].R) != "OK" || !bytes.Equal(ops[0].W, []byte{1, 2}) || ops[1].W[0] != 3 {
		t.Fatalf("%+v", ops)
	}
	// The recording replays.
	p := &Playback{Ops: ops[:1]}
	p.Write([]byte{1, 2})
	got, _ := io.ReadAll(p)
	if string(got) != "OK" || p.Close() != nil || !strings.Contains(r.String(), "W: []byte{0x1, 0x2}") {
		t.Fatal(string(got), r.String())
	}
}
