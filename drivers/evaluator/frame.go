package evaluator

import (
	"bytes"
	"errors"
	"fmt"
)

// Frame constants.
const (
	MaxData  = 64
	overhead = 6 // 55 AA ADDR CMD LEN + CS
	// MaxFrame is the largest frame.
	MaxFrame = MaxData + overhead
)

var sync2 = []byte{0x55, 0xAA}

// Commands (answers have the 0x80 bit set).
const (
	CmdPrompt byte = 0x01
	CmdPoll   byte = 0x02
	CmdIdle   byte = 0x03
	CmdInfo   byte = 0x04
	Answer    byte = 0x80
)

// Frame errors.
var (
	ErrChecksum = errors.New("evaluator: bad checksum")
	ErrLength   = errors.New("evaluator: bad frame length")
	// ErrIncomplete means Split needs more bytes.
	ErrIncomplete = errors.New("evaluator: incomplete frame")
)

// Codec frames this package's commands (CmdPrompt, CmdPoll, CmdIdle,
// CmdInfo and their answers) for one vendor's pads: a pad with another
// frame is another Codec, in its own file.
type Codec interface {
	// Encode builds the frame for cmd to or from the pad at addr.
	Encode(addr, cmd byte, data []byte) ([]byte, error)
	// Split finds the first frame in buf and returns it with the bytes
	// consumed; ErrIncomplete (n: droppable noise) asks for more bytes,
	// ErrChecksum and ErrLength report a bad frame (n: bytes to skip).
	Split(buf []byte) (Frame, int, error)
}

// Std is the 55 AA frame documented in the package comment.
type Std struct{}

var _ Codec = Std{}

// Encode calls the package's Encode.
func (Std) Encode(addr, cmd byte, data []byte) ([]byte, error) { return Encode(addr, cmd, data) }

// Split calls the package's Split.
func (Std) Split(buf []byte) (Frame, int, error) { return Split(buf) }

// Frame is one decoded frame.
type Frame struct {
	Addr byte
	Cmd  byte
	Data []byte
}

// Encode builds the frame. It fails if data is longer than MaxData.
func Encode(addr, cmd byte, data []byte) ([]byte, error) {
	if len(data) > MaxData {
		return nil, fmt.Errorf("%w: %d data bytes", ErrLength, len(data))
	}
	b := make([]byte, 0, len(data)+overhead)
	b = append(b, 0x55, 0xAA, addr, cmd, byte(len(data)))
	b = append(b, data...)
	var sum byte
	for _, x := range b[2:] {
		sum += x
	}
	return append(b, -sum), nil
}

// Split finds the first frame in buf, skipping noise. It returns the frame
// and the bytes consumed; on ErrChecksum or ErrLength, n skips past the bad
// sync so the caller can resynchronise; an incomplete frame returns
// ErrIncomplete with n counting droppable noise.
func Split(buf []byte) (f Frame, n int, err error) {
	i := bytes.Index(buf, sync2)
	if i < 0 {
		if len(buf) > 0 && buf[len(buf)-1] == 0x55 {
			return Frame{}, len(buf) - 1, ErrIncomplete
		}
		return Frame{}, len(buf), ErrIncomplete
	}
	b := buf[i:]
	if len(b) < 5 {
		return Frame{}, i, ErrIncomplete
	}
	l := int(b[4])
	if l > MaxData {
		return Frame{}, i + 1, fmt.Errorf("%w: %d", ErrLength, l)
	}
	if len(b) < l+overhead {
		return Frame{}, i, ErrIncomplete
	}
	var sum byte
	for _, x := range b[2 : l+overhead] {
		sum += x
	}
	if sum != 0 {
		return Frame{}, i + 1, ErrChecksum
	}
	return Frame{Addr: b[2], Cmd: b[3], Data: b[5 : 5+l]}, i + l + overhead, nil
}
