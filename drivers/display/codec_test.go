package display

import (
	"bytes"
	"errors"
	"testing"
	"time"
)

func TestGolden(t *testing.T) {
	clock := time.Date(2026, 11, 25, 9, 30, 5, 0, time.Local)
	tests := []struct {
		name  string
		codec Codec
		cmd   Command
		want  []byte
	}{
		{"line ascii", NewLine(ASCII), Command{Op: OpText, Addr: 3, Text: "A001"}, []byte{0x01, 0x03, 'A', '0', '0', '1', 0x07}},
		{"line clear", NewLine(ASCII), Command{Op: OpClear, Addr: 0x12}, []byte{0x01, 0x12, 0x07}},
		{"line clock", NewLine(ASCII), Command{Op: OpClock, Addr: 1, Time: clock}, []byte{0x01, 0x01, '0', '9', ':', '3', '0', 0x07}},
		// 请 = C7 EB, 号 = BA C5 in GB2312.
		{"line gb2312", NewLine(GB2312), Command{Op: OpText, Addr: 5, Text: "请A1号"}, []byte{0x01, 0x05, 0xc7, 0xeb, 'A', '1', 0xba, 0xc5, 0x07}},
		{"line gb18030", NewLine(GB18030), Command{Op: OpText, Addr: 0xff, Text: "窗口"}, []byte{0x01, 0xff, 0xb4, 0xb0, 0xbf, 0xda, 0x07}},
		// LEN = 2 + 4 = 6; CS = 03+01+41+30+30+31 = 0xD6.
		{"framed text", NewFramed(ASCII), Command{Op: OpText, Addr: 3, Text: "A001"},
			[]byte{0xff, 0x68, 0x06, 0x06, 0x68, 0x03, 0x01, 'A', '0', '0', '1', 0xd6, 0x16}},
		{"framed clear", NewFramed(ASCII), Command{Op: OpClear, Addr: 0x20},
			[]byte{0xff, 0x68, 0x02, 0x02, 0x68, 0x20, 0x02, 0x22, 0x16}},
		{"framed brightness", NewFramed(ASCII), Command{Op: OpBrightness, Addr: 1, Level: 8},
			[]byte{0xff, 0x68, 0x03, 0x03, 0x68, 0x01, 0x03, 0x08, 0x0c, 0x16}},
		// 26 11 25 09 30 05 = 1A 0B 19 09 1E 05; CS = 07+04+1A+0B+19+09+1E+05 = 0x75.
		{"framed clock", NewFramed(ASCII), Command{Op: OpClock, Addr: 7, Time: clock},
			[]byte{0xff, 0x68, 0x08, 0x08, 0x68, 0x07, 0x04, 0x1a, 0x0b, 0x19, 0x09, 0x1e, 0x05, 0x75, 0x16}},
		// 办理 = B0 EC C0 ED; CS = 02+01+B0+EC+C0+ED = 0x34C, 0x4C mod 256.
		{"framed gb2312", NewFramed(GB2312), Command{Op: OpText, Addr: 2, Text: "办理"},
			[]byte{0xff, 0x68, 0x06, 0x06, 0x68, 0x02, 0x01, 0xb0, 0xec, 0xc0, 0xed, 0x4c, 0x16}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.codec.Encode(tt.cmd)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, tt.want) {
				t.Fatalf("Encode = % x, want % x", got, tt.want)
			}
			cmd, n, err := tt.codec.Decode(got)
			if err != nil || n != len(got) {
				t.Fatalf("Decode = %v, %d, %v", cmd, n, err)
			}
			want := tt.cmd
			if want.Op == OpClock {
				if tt.codec.Name() == "line" {
					want = Command{Op: OpText, Addr: want.Addr, Text: "09:30"}
				} else if !cmd.Time.Equal(want.Time) {
					t.Fatalf("clock decoded %v, want %v", cmd.Time, want.Time)
				} else {
					cmd.Time = want.Time
				}
			}
			if cmd != want {
				t.Fatalf("Decode = %+v, want %+v", cmd, want)
			}
		})
	}
}

func TestEncodeRefuses(t *testing.T) {
	tests := []struct {
		name  string
		codec Codec
		cmd   Command
		want  error
	}{
		{"line brightness", NewLine(ASCII), Command{Op: OpBrightness, Addr: 1, Level: 3}, ErrUnsupported},
		{"ascii board, chinese text", NewLine(ASCII), Command{Op: OpText, Text: "请"}, ErrText},
		{"control byte", NewLine(GB18030), Command{Op: OpText, Text: "A\x07B"}, ErrText},
		{"gbk-only char on gb2312 board", NewFramed(GB2312), Command{Op: OpText, Text: "镕"}, ErrText},
		{"too long framed", NewFramed(ASCII), Command{Op: OpText, Text: string(bytes.Repeat([]byte("x"), 254))}, ErrText},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := tt.codec.Encode(tt.cmd); !errors.Is(err, tt.want) {
				t.Fatalf("Encode err = %v, want %v", err, tt.want)
			}
		})
	}
	// The same character is fine for GB18030 boards.
	if _, err := NewFramed(GB18030).Encode(Command{Op: OpText, Text: "镕"}); err != nil {
		t.Fatal(err)
	}
}

func TestDecodeResync(t *testing.T) {
	a, _ := NewLine(GB18030).Encode(Command{Op: OpText, Addr: 1, Text: "A001"})
	b, _ := NewFramed(GB18030).Encode(Command{Op: OpText, Addr: 2, Text: "请B002号"})
	bad := append([]byte(nil), b...)
	bad[len(bad)-2]++ // checksum
	var stream []byte
	stream = append(stream, 0x55, 0x00) // noise
	stream = append(stream, a[:3]...)   // a cut line frame
	stream = append(stream, bad...)     // a corrupted frame
	stream = append(stream, a...)       // good
	stream = append(stream, b...)       // good
	stream = append(stream, b[:5]...)   // partial, kept
	s := NewSim(GB18030)
	var errs int
	s.OnError = func(error) { errs++ }
	rest := s.Feed(stream)
	if !bytes.Equal(rest, b[:5]) {
		t.Fatalf("left over % x, want % x", rest, b[:5])
	}
	st := s.State()
	if st[1].Text != "A001" || st[2].Text != "请B002号" || st[2].Protocol != "framed" {
		t.Fatalf("state %+v", st)
	}
	if s.Count() != 2 || errs == 0 {
		t.Fatalf("count %d errors %d", s.Count(), errs)
	}
	rest = s.Feed(append(rest, b[5:]...))
	if len(rest) != 0 || s.Count() != 3 {
		t.Fatalf("after completing: rest % x count %d", rest, s.Count())
	}
}

// fakeClock records sleeps and advances time by them.
type fakeClock struct {
	t      time.Time
	sleeps []time.Duration
}

func (c *fakeClock) Now() time.Time { return c.t }
func (c *fakeClock) Sleep(d time.Duration) {
	c.sleeps = append(c.sleeps, d)
	c.t = c.t.Add(d)
}

func TestPacing(t *testing.T) {
	clk := &fakeClock{t: time.Date(2026, 1, 1, 8, 0, 0, 0, time.UTC)}
	var buf bytes.Buffer
	d, err := New(&buf, &Opts{Codec: NewLine(ASCII), Now: clk.Now, Sleep: clk.Sleep})
	if err != nil {
		t.Fatal(err)
	}
	if err := d.ShowText(1, "A001"); err != nil {
		t.Fatal(err)
	}
	if err := d.ShowText(2, "A002"); err != nil { // immediately after: waits the whole gap
		t.Fatal(err)
	}
	clk.t = clk.t.Add(100 * time.Millisecond)
	if err := d.Clear(3); err != nil { // 100 ms later: waits the rest
		t.Fatal(err)
	}
	clk.t = clk.t.Add(time.Second)
	if err := d.Clear(4); err != nil { // long after: no wait
		t.Fatal(err)
	}
	want := []time.Duration{300 * time.Millisecond, 200 * time.Millisecond}
	if len(clk.sleeps) != len(want) || clk.sleeps[0] != want[0] || clk.sleeps[1] != want[1] {
		t.Fatalf("sleeps %v, want %v", clk.sleeps, want)
	}
	if got := buf.String(); got != "\x01\x01A001\x07\x01\x02A002\x07\x01\x03\x07\x01\x04\x07" {
		t.Fatalf("wrote %q", got)
	}
}

func FuzzLineDecode(f *testing.F) {
	fuzzDecoder(f, NewLine(GB18030))
}

func FuzzFramedDecode(f *testing.F) {
	fuzzDecoder(f, NewFramed(GB18030))
}

// fuzzDecoder checks that Decode never panics, always makes progress or asks
// for more, and that what it decodes encodes back to the same bytes when the
// text round-trips.
func fuzzDecoder(f *testing.F, c Codec) {
	f.Fuzz(func(t *testing.T, b []byte) {
		rest := b
		for len(rest) > 0 {
			cmd, n, err := c.Decode(rest)
			if n < 0 || n > len(rest) {
				t.Fatalf("n = %d for %d bytes", n, len(rest))
			}
			if err == nil {
				if n == 0 {
					t.Fatal("decoded a command from 0 bytes")
				}
				again, err := c.Encode(cmd)
				if err == nil {
					if cmd2, n2, err := c.Decode(again); err != nil || n2 != len(again) || cmd2.Op != cmd.Op || cmd2.Addr != cmd.Addr || cmd2.Text != cmd.Text {
						t.Fatalf("re-decode of %+v: %+v %d %v", cmd, cmd2, n2, err)
					}
				}
			}
			if n == 0 {
				if !errors.Is(err, ErrShort) {
					t.Fatalf("no progress with err %v", err)
				}
				break
			}
			rest = rest[n:]
		}
		NewSim(GB18030).Feed(b)
	})
}
