package display

import (
	"errors"
	"fmt"
	"time"
	"unicode/utf8"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/simplifiedchinese"
)

// Op is what a command does.
type Op uint8

// Commands a display understands.
const (
	OpText       Op = iota + 1 // show Text
	OpClear                    // blank the display
	OpBrightness               // set Level (0-15)
	OpClock                    // show the clock, set to Time
)

func (o Op) String() string {
	switch o {
	case OpText:
		return "text"
	case OpClear:
		return "clear"
	case OpBrightness:
		return "brightness"
	case OpClock:
		return "clock"
	}
	return fmt.Sprintf("op(%d)", uint8(o))
}

// MaxBrightness is the highest brightness level.
const MaxBrightness = 15

// Command is one thing to tell one display.
type Command struct {
	Op    Op
	Addr  byte      // device address on the bus
	Text  string    // OpText
	Level int       // OpBrightness, 0..MaxBrightness
	Time  time.Time // OpClock
}

// Errors.
var (
	// ErrShort means the buffer holds the start of a frame but not all of it.
	ErrShort = errors.New("display: incomplete frame")
	// ErrUnsupported means the codec cannot express the command.
	ErrUnsupported = errors.New("display: command not supported by protocol")
	// ErrFrame means bytes that are not a valid frame; Decode says how many to skip.
	ErrFrame = errors.New("display: bad frame")
	// ErrText means text the display cannot show (control characters, or
	// characters outside its encoding).
	ErrText = errors.New("display: text not representable")
)

// Codec turns commands into bytes for one protocol and back.
type Codec interface {
	// Name is the protocol name ("line", "framed").
	Name() string
	// Encode returns the bytes of one command.
	Encode(Command) ([]byte, error)
	// Decode reads the first command in b. It returns the command and the
	// number of bytes used. With ErrShort, n is the number of leading bytes
	// that can be dropped (garbage before a frame start); with ErrFrame, n > 0
	// bytes must be skipped.
	Decode(b []byte) (cmd Command, n int, err error)
}

// Encoding is the character set a display takes.
type Encoding uint8

// Encodings.
const (
	ASCII   Encoding = iota // printable ASCII only
	GB2312                  // EUC-CN: ASCII plus GB2312 double bytes
	GB18030                 // full GB18030 (superset of GB2312 and GBK)
)

func (e Encoding) String() string {
	switch e {
	case ASCII:
		return "ascii"
	case GB2312:
		return "gb2312"
	case GB18030:
		return "gb18030"
	}
	return fmt.Sprintf("encoding(%d)", uint8(e))
}

// ParseEncoding parses "ascii", "gb2312" or "gb18030".
func ParseEncoding(s string) (Encoding, error) {
	switch s {
	case "ascii":
		return ASCII, nil
	case "gb2312":
		return GB2312, nil
	case "gb18030":
		return GB18030, nil
	}
	return 0, fmt.Errorf("display: unknown encoding %q (ascii, gb2312, gb18030)", s)
}

// encodeText converts UTF-8 text into the display's bytes. Control
// characters are refused so that text never contains frame bytes of the
// line form.
func encodeText(enc Encoding, s string) ([]byte, error) {
	if !utf8.ValidString(s) {
		return nil, fmt.Errorf("%w: invalid UTF-8", ErrText)
	}
	for _, r := range s {
		if r < 0x20 || r == 0x7f {
			return nil, fmt.Errorf("%w: control character %U", ErrText, r)
		}
		if enc == ASCII && r > 0x7e {
			return nil, fmt.Errorf("%w: %q is not ASCII", ErrText, r)
		}
	}
	switch enc {
	case ASCII:
		return []byte(s), nil
	case GB2312:
		b, err := simplifiedchinese.GBK.NewEncoder().Bytes([]byte(s))
		if err != nil {
			return nil, fmt.Errorf("%w: %v", ErrText, err)
		}
		// GB2312 (EUC-CN) double bytes are A1-F7 lead, A1-FE trail; GBK
		// extends both. Refuse what a GB2312-only board cannot show.
		for i := 0; i < len(b); i++ {
			if b[i] < 0x80 {
				continue
			}
			if i+1 >= len(b) || b[i] < 0xa1 || b[i] > 0xf7 || b[i+1] < 0xa1 || b[i+1] > 0xfe {
				return nil, fmt.Errorf("%w: character outside GB2312", ErrText)
			}
			i++
		}
		return b, nil
	case GB18030:
		b, err := simplifiedchinese.GB18030.NewEncoder().Bytes([]byte(s))
		if err != nil {
			return nil, fmt.Errorf("%w: %v", ErrText, err)
		}
		return b, nil
	}
	return nil, fmt.Errorf("display: unknown encoding %d", enc)
}

// decodeText converts display bytes to UTF-8. GB18030 decodes ASCII and
// GB2312 as well, so it is used for both Chinese encodings.
func decodeText(enc Encoding, b []byte) string {
	var d *encoding.Decoder
	switch enc {
	case GB2312, GB18030:
		d = simplifiedchinese.GB18030.NewDecoder()
	default:
		return string(b)
	}
	s, err := d.Bytes(b)
	if err != nil {
		return string(b)
	}
	return string(s)
}
