package display

import (
	"bytes"
	"fmt"
)

// Line frame bytes.
const (
	lineStart = 0x01
	lineEnd   = 0x07
)

// maxLineText bounds the text of one line frame; a decoder that sees more
// without an end byte drops the frame.
const maxLineText = 512

// Line is the addressed text line codec: 01 addr text 07.
type Line struct {
	Enc Encoding
}

var _ Codec = Line{}

// NewLine returns the line codec for boards taking enc.
func NewLine(enc Encoding) Line { return Line{Enc: enc} }

// Name returns "line".
func (Line) Name() string { return "line" }

// Encode encodes text and clear; the clock is sent as "HH:MM" text;
// brightness is not supported.
func (c Line) Encode(cmd Command) ([]byte, error) {
	var text string
	switch cmd.Op {
	case OpText:
		text = cmd.Text
	case OpClear:
	case OpClock:
		text = cmd.Time.Format("15:04")
	default:
		return nil, fmt.Errorf("%w: line %s", ErrUnsupported, cmd.Op)
	}
	t, err := encodeText(c.Enc, text)
	if err != nil {
		return nil, err
	}
	if len(t) > maxLineText {
		return nil, fmt.Errorf("%w: %d bytes, line form takes at most %d", ErrText, len(t), maxLineText)
	}
	out := make([]byte, 0, len(t)+3)
	out = append(out, lineStart, cmd.Addr)
	out = append(out, t...)
	return append(out, lineEnd), nil
}

// Decode reads one line frame. An empty text decodes as OpClear.
func (c Line) Decode(b []byte) (Command, int, error) {
	i := bytes.IndexByte(b, lineStart)
	if i < 0 {
		return Command{}, len(b), ErrShort
	}
	if i > 0 {
		return Command{}, i, fmt.Errorf("%w: %d bytes before start", ErrFrame, i)
	}
	if len(b) < 2 {
		return Command{}, 0, ErrShort
	}
	end := bytes.IndexByte(b[2:], lineEnd)
	if end < 0 {
		if len(b)-2 > maxLineText {
			return Command{}, 1, fmt.Errorf("%w: no end byte within %d bytes", ErrFrame, maxLineText)
		}
		return Command{}, 0, ErrShort
	}
	if end > maxLineText {
		return Command{}, 1, fmt.Errorf("%w: text longer than %d bytes", ErrFrame, maxLineText)
	}
	text := b[2 : 2+end]
	n := end + 3
	for _, x := range text {
		if x < 0x20 {
			// A control byte inside the text: a new start byte most likely
			// means the previous frame was cut; resynchronise on it.
			return Command{}, 1, fmt.Errorf("%w: control byte %#02x in text", ErrFrame, x)
		}
	}
	cmd := Command{Op: OpText, Addr: b[1], Text: decodeText(c.Enc, text)}
	if len(text) == 0 {
		cmd.Op = OpClear
	}
	return cmd, n, nil
}
