package escpos

import (
	"fmt"
	"strings"
)

// StatusRequest returns the DLE EOT n bytes that ask for real-time status
// byte n (1..4).
func StatusRequest(n byte) []byte { return []byte{DLE, EOT, n} }

// StatusQuery asks for all four status bytes in order 1, 2, 3, 4.
var StatusQuery = []byte{DLE, EOT, 1, DLE, EOT, 2, DLE, EOT, 3, DLE, EOT, 4}

// ValidStatusByte reports whether b has the fixed bits every real-time
// status byte carries (bit 1 and bit 4 set, bits 0 and 7 clear).
func ValidStatusByte(b byte) bool { return b&0x93 == 0x12 }

// PrintedQuery is "GS r 1": transmit paper sensor status. Unlike DLE EOT
// it is processed in order, after the data before it has been printed.
var PrintedQuery = []byte{GS, 'r', 1}

// IsPrintedReply reports whether b can be the answer to PrintedQuery
// (bits 4 and 7 clear), which tells it apart from real-time status bytes
// (bit 4 set).
func IsPrintedReply(b byte) bool { return b&0x90 == 0 }

// PrintedReplyFor returns the GS r 1 answer of a printer in state s:
// bits 0-1 paper near end, bits 2-3 paper out.
func PrintedReplyFor(s Status) byte {
	var b byte
	if s.PaperNearEnd {
		b |= 0x03
	}
	if s.PaperOut {
		b |= 0x0C
	}
	return b
}

// Status is a decoded printer status.
type Status struct {
	Offline      bool // n=1 bit 3
	CoverOpen    bool // n=2 bit 2
	PaperStop    bool // n=2 bit 5: printing stopped at paper end
	Error        bool // n=2 bit 6: an error occurred
	CutterError  bool // n=3 bit 3
	Unrecovered  bool // n=3 bit 5: unrecoverable error
	AutoRecover  bool // n=3 bit 6: auto-recoverable error (e.g. head too hot)
	PaperNearEnd bool // n=4 bits 2+3
	PaperOut     bool // n=4 bits 5+6
}

// DecodeStatus decodes the replies to DLE EOT 1, 2, 3 and 4.
func DecodeStatus(b [4]byte) Status {
	return Status{
		Offline:      b[0]&0x08 != 0,
		CoverOpen:    b[1]&0x04 != 0,
		PaperStop:    b[1]&0x20 != 0,
		Error:        b[1]&0x40 != 0,
		CutterError:  b[2]&0x08 != 0,
		Unrecovered:  b[2]&0x20 != 0,
		AutoRecover:  b[2]&0x40 != 0,
		PaperNearEnd: b[3]&0x0C != 0,
		PaperOut:     b[3]&0x60 != 0,
	}
}

// Encode returns the four status bytes a printer in state s sends.
func (s Status) Encode() [4]byte {
	b := [4]byte{0x12, 0x12, 0x12, 0x12}
	if s.Offline || s.CoverOpen || s.PaperOut || s.PaperStop || s.Error {
		b[0] |= 0x08
	}
	if s.CoverOpen {
		b[1] |= 0x04
	}
	if s.PaperStop || s.PaperOut {
		b[1] |= 0x20
	}
	if s.Error || s.CutterError || s.Unrecovered || s.AutoRecover {
		b[1] |= 0x40
	}
	if s.CutterError {
		b[2] |= 0x08
	}
	if s.Unrecovered {
		b[2] |= 0x20
	}
	if s.AutoRecover {
		b[2] |= 0x40
	}
	if s.PaperNearEnd {
		b[3] |= 0x0C
	}
	if s.PaperOut {
		b[3] |= 0x60
	}
	return b
}

// Ready reports whether the printer can print: online, cover closed, paper
// present, no error. Paper near end is a warning, not a stop.
func (s Status) Ready() bool { return s.Problem() == "" }

// Problem describes why the printer cannot print, most specific cause
// first, or "" when it can.
func (s Status) Problem() string {
	switch {
	case s.PaperOut || s.PaperStop:
		return "paper out"
	case s.CoverOpen:
		return "cover open"
	case s.CutterError:
		return "cutter error"
	case s.Unrecovered:
		return "unrecoverable error"
	case s.AutoRecover:
		return "recoverable error (e.g. print head too hot)"
	case s.Error:
		return "error"
	case s.Offline:
		return "offline"
	}
	return ""
}

// String lists the set conditions, or "ok".
func (s Status) String() string {
	var parts []string
	add := func(on bool, name string) {
		if on {
			parts = append(parts, name)
		}
	}
	add(s.Offline, "offline")
	add(s.CoverOpen, "cover-open")
	add(s.PaperOut, "paper-out")
	add(s.PaperStop, "paper-stop")
	add(s.PaperNearEnd, "paper-near-end")
	add(s.CutterError, "cutter-error")
	add(s.Unrecovered, "unrecoverable-error")
	add(s.AutoRecover, "recoverable-error")
	add(s.Error, "error")
	if len(parts) == 0 {
		return "ok"
	}
	return strings.Join(parts, ",")
}

// GoString is like String, for %#v in logs and test failures.
func (s Status) GoString() string { return fmt.Sprintf("escpos.Status(%s)", s.String()) }
