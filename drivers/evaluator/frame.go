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
	ErrChecksum   = errors.New("evaluator: bad checksum")
	ErrLength     = errors.New("evaluator: bad frame length")
	errIncomplete = errors.New("evaluator: incomplete frame")
)

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
// sync so the caller can resynchronise; an incomplete frame returns an
// internal error with n counting droppable noise.
func Split(buf []byte) (f Frame, n int, err error) {
	i := bytes.Index(buf, sync2)
	if i < 0 {
		if len(buf) > 0 && buf[len(buf)-1] == 0x55 {
			return Frame{}, len(buf) - 1, errIncomplete
		}
		return Frame{}, len(buf), errIncomplete
	}
	b := buf[i:]
	if len(b) < 5 {
		return Frame{}, i, errIncomplete
	}
	l := int(b[4])
	if l > MaxData {
		return Frame{}, i + 1, fmt.Errorf("%w: %d", ErrLength, l)
	}
	if len(b) < l+overhead {
		return Frame{}, i, errIncomplete
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
