package display

import (
	"bytes"
	"fmt"
	"time"
)

// Framed command codes (CMD byte).
const (
	cmdText       = 0x01
	cmdClear      = 0x02
	cmdBrightness = 0x03
	cmdClock      = 0x04
)

// maxFramedData is the most DATA bytes a frame carries (LEN is one byte and
// counts ADDR and CMD too).
const maxFramedData = 255 - 2

// Framed is the framed codec: FF 68 LEN LEN 68 ADDR CMD DATA CS 16.
type Framed struct {
	Enc Encoding
}

var _ Codec = Framed{}

// NewFramed returns the framed codec for boards taking enc.
func NewFramed(enc Encoding) Framed { return Framed{Enc: enc} }

// Name returns "framed".
func (Framed) Name() string { return "framed" }

// Encode encodes any command.
func (c Framed) Encode(cmd Command) ([]byte, error) {
	var code byte
	var data []byte
	switch cmd.Op {
	case OpText:
		t, err := encodeText(c.Enc, cmd.Text)
		if err != nil {
			return nil, err
		}
		code, data = cmdText, t
	case OpClear:
		code = cmdClear
	case OpBrightness:
		if cmd.Level < 0 || cmd.Level > MaxBrightness {
			return nil, fmt.Errorf("display: brightness %d out of range 0-%d", cmd.Level, MaxBrightness)
		}
		code, data = cmdBrightness, []byte{byte(cmd.Level)}
	case OpClock:
		t := cmd.Time
		if t.Year() < 2000 || t.Year() > 2255 {
			return nil, fmt.Errorf("display: clock year %d out of range", t.Year())
		}
		code = cmdClock
		data = []byte{byte(t.Year() - 2000), byte(t.Month()), byte(t.Day()), byte(t.Hour()), byte(t.Minute()), byte(t.Second())}
	default:
		return nil, fmt.Errorf("%w: framed %s", ErrUnsupported, cmd.Op)
	}
	if len(data) > maxFramedData {
		return nil, fmt.Errorf("%w: %d bytes, framed form takes at most %d", ErrText, len(data), maxFramedData)
	}
	l := byte(2 + len(data))
	out := make([]byte, 0, len(data)+9)
	out = append(out, 0xff, 0x68, l, l, 0x68, cmd.Addr, code)
	out = append(out, data...)
	return append(out, checksum(out[5:]), 0x16), nil
}

func checksum(b []byte) byte {
	var s byte
	for _, x := range b {
		s += x
	}
	return s
}

// Decode reads one frame.
func (c Framed) Decode(b []byte) (Command, int, error) {
	i := bytes.IndexByte(b, 0xff)
	if i < 0 {
		return Command{}, len(b), ErrShort
	}
	if i > 0 {
		return Command{}, i, fmt.Errorf("%w: %d bytes before start", ErrFrame, i)
	}
	if len(b) < 5 {
		// Check what is there so a wrong header is dropped early.
		if len(b) >= 2 && b[1] != 0x68 {
			return Command{}, 1, fmt.Errorf("%w: bad header", ErrFrame)
		}
		return Command{}, 0, ErrShort
	}
	if b[1] != 0x68 || b[4] != 0x68 || b[2] != b[3] || b[2] < 2 {
		return Command{}, 1, fmt.Errorf("%w: bad header % x", ErrFrame, b[:5])
	}
	l := int(b[2])
	n := 5 + l + 2
	if len(b) < n {
		return Command{}, 0, ErrShort
	}
	body := b[5 : 5+l]
	if b[n-1] != 0x16 {
		return Command{}, 1, fmt.Errorf("%w: no end byte", ErrFrame)
	}
	if cs := checksum(body); cs != b[n-2] {
		return Command{}, 1, fmt.Errorf("%w: checksum %#02x, want %#02x", ErrFrame, b[n-2], cs)
	}
	cmd := Command{Addr: body[0]}
	data := body[2:]
	switch body[1] {
	case cmdText:
		cmd.Op, cmd.Text = OpText, decodeText(c.Enc, data)
	case cmdClear:
		cmd.Op = OpClear
	case cmdBrightness:
		if len(data) != 1 || data[0] > MaxBrightness {
			return Command{}, n, fmt.Errorf("%w: bad brightness data % x", ErrFrame, data)
		}
		cmd.Op, cmd.Level = OpBrightness, int(data[0])
	case cmdClock:
		if len(data) != 6 {
			return Command{}, n, fmt.Errorf("%w: clock data is %d bytes, want 6", ErrFrame, len(data))
		}
		cmd.Op = OpClock
		cmd.Time = time.Date(2000+int(data[0]), time.Month(data[1]), int(data[2]), int(data[3]), int(data[4]), int(data[5]), 0, time.Local)
	default:
		return Command{}, n, fmt.Errorf("%w: unknown command %#02x", ErrFrame, body[1])
	}
	return cmd, n, nil
}

// DecodeAny reads the first command of either form from b, choosing the
// codec by the start byte (01 line, FF framed). The results are as for
// Codec.Decode. enc is the text encoding to decode with.
func DecodeAny(enc Encoding, b []byte) (Command, Codec, int, error) {
	for i, x := range b {
		switch x {
		case lineStart:
			if i > 0 {
				return Command{}, nil, i, fmt.Errorf("%w: %d bytes before start", ErrFrame, i)
			}
			c := NewLine(enc)
			cmd, n, err := c.Decode(b)
			return cmd, c, n, err
		case 0xff:
			if i > 0 {
				return Command{}, nil, i, fmt.Errorf("%w: %d bytes before start", ErrFrame, i)
			}
			c := NewFramed(enc)
			cmd, n, err := c.Decode(b)
			return cmd, c, n, err
		}
	}
	return Command{}, nil, len(b), ErrShort
}
