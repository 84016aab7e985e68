package idcard

import (
	"bytes"
	"errors"
	"fmt"
)

// Preamble starts every frame.
var Preamble = []byte{0xAA, 0xAA, 0xAA, 0x96, 0x69}

// MaxFrame is the largest frame a reader sends (read with a fingerprint of
// 1024 bytes): preamble, length, SW1..SW3, three lengths, text, photo,
// fingerprint and CHK. A length field that implies more is noise.
const MaxFrame = 2321

// minBody is the smallest body (the bytes counted by the length field): a
// request's CMD PARA CHK.
const minBody = 3

// Frame errors.
var (
	// ErrChecksum means a frame arrived whose CHK did not match.
	ErrChecksum = errors.New("idcard: bad checksum")
	// ErrFrameLength means a length field was out of bounds.
	ErrFrameLength = errors.New("idcard: bad frame length")
	// errIncomplete means more bytes are needed.
	errIncomplete = errors.New("idcard: incomplete frame")
)

// Encode returns a whole frame around payload (CMD PARA DATA for a request,
// SW1 SW2 SW3 DATA for a response). It panics if the frame would exceed
// MaxFrame.
func Encode(payload []byte) []byte {
	n := len(payload) + 1
	if n+7 > MaxFrame {
		panic("idcard: frame too long")
	}
	f := make([]byte, 0, n+7)
	f = append(f, Preamble...)
	f = append(f, byte(n>>8), byte(n))
	f = append(f, payload...)
	return append(f, xor(f[5:]))
}

func xor(b []byte) byte {
	var c byte
	for _, x := range b {
		c ^= x
	}
	return c
}

// Split finds the first frame in buf. It returns the frame's payload (the
// bytes between the length and CHK; it aliases buf) and the number of bytes
// of buf consumed. Leading noise is skipped. The error is nil for a good
// frame; ErrChecksum or ErrFrameLength for a bad one (n then skips past the
// bad preamble so the caller can resynchronise); and an internal
// "incomplete" error when more bytes are needed (n then counts the noise
// that can be dropped).
func Split(buf []byte) (payload []byte, n int, err error) {
	i := bytes.Index(buf, Preamble)
	if i < 0 {
		// Keep a tail that may be the start of a preamble.
		keep := min(len(buf), len(Preamble)-1)
		for keep > 0 && !bytes.HasPrefix(Preamble, buf[len(buf)-keep:]) {
			keep--
		}
		return nil, len(buf) - keep, errIncomplete
	}
	f := buf[i:]
	if len(f) < 7 {
		return nil, i, errIncomplete
	}
	body := int(f[5])<<8 | int(f[6])
	if body < minBody || body+7 > MaxFrame {
		return nil, i + 1, fmt.Errorf("%w: %d", ErrFrameLength, body)
	}
	if len(f) < 7+body {
		return nil, i, errIncomplete
	}
	if xor(f[5:7+body-1]) != f[7+body-1] {
		return nil, i + 1, ErrChecksum
	}
	return f[7 : 7+body-1], i + 7 + body, nil
}

// Response is a reader's reply.
type Response struct {
	SW1, SW2 byte
	SW3      Status
	Data     []byte
}

// ParseResponse interprets a payload from Split as a response.
func ParseResponse(payload []byte) (*Response, error) {
	if len(payload) < 3 {
		return nil, fmt.Errorf("%w: response of %d bytes", ErrFrameLength, len(payload))
	}
	return &Response{SW1: payload[0], SW2: payload[1], SW3: Status(payload[2]), Data: payload[3:]}, nil
}

// Command is a request's CMD and PARA.
type Command uint16

// Commands of the SAM protocol.
const (
	CmdResetSAM      Command = 0x10FF
	CmdSAMStatus     Command = 0x11FF
	CmdSAMID         Command = 0x12FF
	CmdFind          Command = 0x2001
	CmdSelect        Command = 0x2002
	CmdRead          Command = 0x3001
	CmdReadAddress   Command = 0x3003
	CmdReadFinger    Command = 0x3010
	CmdSetBaud115200 Command = 0x6000
	CmdSetBaud57600  Command = 0x6001
	CmdSetBaud38400  Command = 0x6002
	CmdSetBaud19200  Command = 0x6003
	CmdSetBaud9600   Command = 0x6004
	CmdSetMaxRFByte  Command = 0x61FF
)

// String names the command.
func (c Command) String() string {
	switch c {
	case CmdResetSAM:
		return "reset sam"
	case CmdSAMStatus:
		return "sam status"
	case CmdSAMID:
		return "read sam id"
	case CmdFind:
		return "find card"
	case CmdSelect:
		return "select card"
	case CmdRead:
		return "read card"
	case CmdReadAddress:
		return "read new address"
	case CmdReadFinger:
		return "read card with fingerprint"
	case CmdSetMaxRFByte:
		return "set max rf byte"
	}
	if c>>8 == 0x60 {
		return "set baud"
	}
	return fmt.Sprintf("command %04X", uint16(c))
}

// Request returns the request frame for c with optional data.
func (c Command) Request(data ...byte) []byte {
	return Encode(append([]byte{byte(c >> 8), byte(c)}, data...))
}

// Status is the SW3 byte of a response. A Status other than StatusOK and
// StatusFindOK is also an error, so callers can test errors.Is(err,
// idcard.StatusNoCard).
type Status byte

// SW3 values.
const (
	StatusOK            Status = 0x90
	StatusNoItem        Status = 0x91
	StatusFindOK        Status = 0x9F
	StatusChecksum      Status = 0x10
	StatusLength        Status = 0x11
	StatusCommand       Status = 0x21
	StatusUnauthorized  Status = 0x23
	StatusUnknown       Status = 0x24
	StatusCardAuthSAM   Status = 0x31
	StatusSAMAuthCard   Status = 0x32
	StatusVerify        Status = 0x33
	StatusWrongCardType Status = 0x40
	StatusReadFailed    Status = 0x41
	StatusRandom        Status = 0x47
	StatusSelfTest      Status = 0x60
	StatusNotAuthorized Status = 0x66
	StatusNoCard        Status = 0x80
	StatusSelectFailed  Status = 0x81
)

var statusText = map[Status]string{
	StatusOK:            "ok",
	StatusNoItem:        "no such item on card",
	StatusFindOK:        "card found",
	StatusChecksum:      "reader saw a checksum error",
	StatusLength:        "reader saw a length error",
	StatusCommand:       "command error",
	StatusUnauthorized:  "unauthorized",
	StatusUnknown:       "unknown error",
	StatusCardAuthSAM:   "card failed to authenticate sam",
	StatusSAMAuthCard:   "sam failed to authenticate card",
	StatusVerify:        "information verify error",
	StatusWrongCardType: "wrong card type",
	StatusReadFailed:    "read failed",
	StatusRandom:        "random number failure",
	StatusSelfTest:      "sam self-test failed",
	StatusNotAuthorized: "not authorized",
	StatusNoCard:        "no card",
	StatusSelectFailed:  "select failed",
}

// String describes the status.
func (s Status) String() string {
	if t, ok := statusText[s]; ok {
		return t
	}
	return fmt.Sprintf("status %02X", byte(s))
}

// Error makes a Status usable as an error value.
func (s Status) Error() string { return "idcard: " + s.String() }

// OK reports whether s is a success status.
func (s Status) OK() bool { return s == StatusOK || s == StatusFindOK }

// StatusError is a non-success reply to a command. It unwraps to its
// Status.
type StatusError struct {
	Cmd    Command
	Status Status
}

func (e *StatusError) Error() string {
	return fmt.Sprintf("idcard: %s: %s (sw3 %02X)", e.Cmd, e.Status.String(), byte(e.Status))
}

// Unwrap returns the Status.
func (e *StatusError) Unwrap() error { return e.Status }
