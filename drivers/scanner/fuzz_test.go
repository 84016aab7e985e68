package scanner_test

import (
	"bytes"
	"encoding/binary"
	"testing"
	"time"

	"hallkiosk/drivers/scanner"
)

// FuzzLines checks that the line reader gives the same codes however the
// input is split into reads, never yields a suffix byte or an oversized
// code, and that decoding any code does not panic.
func FuzzLines(f *testing.F) {
	f.Add([]byte("abc\r\ndef\rghi\n"), uint8(3))
	f.Add([]byte("\r\n\r\n"), uint8(1))
	f.Add([]byte{0xB8, 0xCA, 0x28, 0x32, '\r'}, uint8(2))
	f.Fuzz(func(t *testing.T, b []byte, cut uint8) {
		collect := func(chunk int) []string {
			l := scanner.Lines{Max: 64}
			var out []string
			for off := 0; off < len(b); off += chunk {
				l.Feed(b[off:min(off+chunk, len(b))], func(c []byte) {
					if len(c) == 0 || len(c) > 64 || bytes.ContainsAny(c, "\r\n") {
						t.Fatalf("bad code %q", c)
					}
					_ = scanner.Decode(c, scanner.Auto)
					out = append(out, string(c))
				})
			}
			return out
		}
		whole := collect(len(b) + 1)
		split := collect(int(cut%16) + 1)
		if len(whole) != len(split) {
			t.Fatalf("whole %q split %q", whole, split)
		}
		for i := range whole {
			if whole[i] != split[i] {
				t.Fatalf("whole %q split %q", whole, split)
			}
		}
	})
}

// FuzzKeyDecoder feeds arbitrary input_event records.
func FuzzKeyDecoder(f *testing.F) {
	var seed []byte
	for _, e := range scanner.TypeEvents("HK1.Ab?") {
		seed = scanner.AppendEvent(seed, e, time.Time{})
	}
	f.Add(seed)
	f.Fuzz(func(t *testing.T, b []byte) {
		d := scanner.KeyDecoder{Max: 32}
		for len(b) >= scanner.EventSize {
			e := scanner.Event{Type: binary.LittleEndian.Uint16(b[16:]), Code: binary.LittleEndian.Uint16(b[18:]), Value: int32(binary.LittleEndian.Uint32(b[20:]))}
			if s, ok := d.Event(e); ok && (s == "" || len([]rune(s)) > 32) {
				t.Fatalf("bad code %q", s)
			}
			b = b[scanner.EventSize:]
		}
	})
}
