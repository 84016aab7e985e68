package scanner

import (
	"bytes"
	"unicode/utf8"

	"golang.org/x/text/encoding/simplifiedchinese"
)

// Encoding is the text encoding of a serial scanner's codes.
type Encoding int

// Encodings.
const (
	Auto    Encoding = iota // UTF-8 if valid, else GB18030
	UTF8                    // invalid bytes become U+FFFD
	GB18030                 // GB18030 (a superset of GBK and GB2312)
)

// String names the encoding.
func (e Encoding) String() string {
	switch e {
	case UTF8:
		return "utf-8"
	case GB18030:
		return "gb18030"
	}
	return "auto"
}

// Decode turns a code's bytes into text in encoding e.
func Decode(b []byte, e Encoding) string {
	if e == UTF8 || (e == Auto && utf8.Valid(b)) {
		return string(bytes.ToValidUTF8(b, []byte("\uFFFD")))
	}
	s, err := simplifiedchinese.GB18030.NewDecoder().Bytes(b)
	if err != nil {
		return string(bytes.ToValidUTF8(b, []byte("\uFFFD")))
	}
	return string(s)
}

// Lines splits a scanner's byte stream into codes ended by CR, LF or CRLF.
// Empty lines are skipped; a line longer than Max bytes is dropped (up to
// its end) and counted in Dropped. The zero value is ready, with Max 0
// meaning DefaultMaxLen.
type Lines struct {
	Max     int
	Dropped int
	buf     []byte
	lastCR  bool
	over    bool
}

// DefaultMaxLen bounds a code's length: a QR code holds at most 7089
// characters.
const DefaultMaxLen = 8192

// Feed consumes b and calls emit for every complete code (the slice is
// only valid during the call).
func (l *Lines) Feed(b []byte, emit func([]byte)) {
	max := l.Max
	if max <= 0 {
		max = DefaultMaxLen
	}
	for _, c := range b {
		if c == '\n' && l.lastCR {
			l.lastCR = false
			continue
		}
		l.lastCR = c == '\r'
		if c == '\r' || c == '\n' {
			l.end(emit)
			continue
		}
		if l.over {
			continue
		}
		if len(l.buf) >= max {
			l.over = true
			l.buf = l.buf[:0]
			continue
		}
		l.buf = append(l.buf, c)
	}
}

func (l *Lines) end(emit func([]byte)) {
	if l.over {
		l.Dropped++
	} else if len(l.buf) > 0 {
		emit(l.buf)
	}
	l.over = false
	l.buf = l.buf[:0]
}

// Flush ends a pending code without a suffix (after an idle gap).
func (l *Lines) Flush(emit func([]byte)) {
	l.lastCR = false
	l.end(emit)
}

// Pending reports how many bytes wait for a suffix.
func (l *Lines) Pending() int { return len(l.buf) }

// Trim removes a leading prefix (e.g. a module's command acknowledgement)
// from the pending code.
func (l *Lines) Trim(prefix []byte) {
	if bytes.HasPrefix(l.buf, prefix) {
		l.buf = l.buf[:copy(l.buf, l.buf[len(prefix):])]
	}
}
