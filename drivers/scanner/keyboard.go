package scanner

import (
	"encoding/binary"
	"errors"
	"io"
	"log/slog"
	"path/filepath"
	"sync"
	"time"
)

// EventSize is the size of a Linux struct input_event on 64-bit systems:
// a 16-byte timeval, u16 type, u16 code, s32 value (little-endian).
const EventSize = 24

// Event types and key codes used (linux/input-event-codes.h).
const (
	evKey       = 1
	keyEnter    = 28
	keyLShift   = 42
	keyRShift   = 54
	keyCapsLock = 58
	keyKPEnter  = 96
)

// keymap maps key codes to the US layout, unshifted and shifted.
var keymap = map[uint16][2]rune{
	2: {'1', '!'}, 3: {'2', '@'}, 4: {'3', '#'}, 5: {'4', '$'}, 6: {'5', '%'}, 7: {'6', '^'},
	8: {'7', '&'}, 9: {'8', '*'}, 10: {'9', '('}, 11: {'0', ')'}, 12: {'-', '_'}, 13: {'=', '+'},
	16: {'q', 'Q'}, 17: {'w', 'W'}, 18: {'e', 'E'}, 19: {'r', 'R'}, 20: {'t', 'T'}, 21: {'y', 'Y'},
	22: {'u', 'U'}, 23: {'i', 'I'}, 24: {'o', 'O'}, 25: {'p', 'P'}, 26: {'[', '{'}, 27: {']', '}'},
	30: {'a', 'A'}, 31: {'s', 'S'}, 32: {'d', 'D'}, 33: {'f', 'F'}, 34: {'g', 'G'}, 35: {'h', 'H'},
	36: {'j', 'J'}, 37: {'k', 'K'}, 38: {'l', 'L'}, 39: {';', ':'}, 40: {'\'', '"'}, 41: {'`', '~'},
	43: {'\\', '|'}, 44: {'z', 'Z'}, 45: {'x', 'X'}, 46: {'c', 'C'}, 47: {'v', 'V'}, 48: {'b', 'B'},
	49: {'n', 'N'}, 50: {'m', 'M'}, 51: {',', '<'}, 52: {'.', '>'}, 53: {'/', '?'}, 57: {' ', ' '},
	55: {'*', '*'}, 71: {'7', '7'}, 72: {'8', '8'}, 73: {'9', '9'}, 74: {'-', '-'}, 75: {'4', '4'},
	76: {'5', '5'}, 77: {'6', '6'}, 78: {'+', '+'}, 79: {'1', '1'}, 80: {'2', '2'}, 81: {'3', '3'},
	82: {'0', '0'}, 83: {'.', '.'}, 98: {'/', '/'},
}

// KeyFor returns the key code and whether Shift is needed to type r on a
// US keyboard (used by simulators and tests); ok is false for characters a
// keyboard wedge cannot type.
func KeyFor(r rune) (code uint16, shift, ok bool) {
	for c := uint16(2); c < 84; c++ { // main block first, not the keypad
		if c == 55 || c >= 71 {
			continue
		}
		if k, found := keymap[c]; found {
			if k[0] == r {
				return c, false, true
			}
			if k[1] == r {
				return c, true, true
			}
		}
	}
	return 0, false, false
}

// Event is one input_event.
type Event struct {
	Type  uint16
	Code  uint16
	Value int32
}

// AppendEvent encodes e as a 24-byte input_event with timestamp t.
func AppendEvent(b []byte, e Event, t time.Time) []byte {
	var rec [EventSize]byte
	binary.LittleEndian.PutUint64(rec[0:], uint64(t.Unix()))
	binary.LittleEndian.PutUint64(rec[8:], uint64(t.Nanosecond()/1000))
	binary.LittleEndian.PutUint16(rec[16:], e.Type)
	binary.LittleEndian.PutUint16(rec[18:], e.Code)
	binary.LittleEndian.PutUint32(rec[20:], uint32(e.Value))
	return append(b, rec[:]...)
}

// TypeEvents returns the key events a keyboard wedge sends to type s and
// Enter; characters it cannot type are skipped.
func TypeEvents(s string) []Event {
	var ev []Event
	key := func(code uint16, v int32) {
		ev = append(ev, Event{Type: evKey, Code: code, Value: v}, Event{}) // EV_SYN after each
	}
	for _, r := range s {
		code, shift, ok := KeyFor(r)
		if !ok {
			continue
		}
		if shift {
			key(keyLShift, 1)
		}
		key(code, 1)
		key(code, 0)
		if shift {
			key(keyLShift, 0)
		}
	}
	key(keyEnter, 1)
	key(keyEnter, 0)
	return ev
}

// KeyDecoder turns key events into codes: Shift and Caps Lock apply, Enter
// ends a code, other keys are ignored.
type KeyDecoder struct {
	Max   int // DefaultMaxLen if 0
	shift [2]bool
	caps  bool
	buf   []rune
	over  bool
}

// Event feeds one event; it returns a code and true when Enter ends one.
func (k *KeyDecoder) Event(e Event) (string, bool) {
	if e.Type != evKey {
		return "", false
	}
	switch e.Code {
	case keyLShift, keyRShift:
		k.shift[min(int(e.Code-keyLShift), 1)] = e.Value != 0
		return "", false
	}
	if e.Value != 1 { // release or autorepeat
		return "", false
	}
	switch e.Code {
	case keyCapsLock:
		k.caps = !k.caps
	case keyEnter, keyKPEnter:
		s, over := string(k.buf), k.over
		k.buf, k.over = k.buf[:0], false
		return s, len(s) > 0 && !over
	default:
		m, ok := keymap[e.Code]
		if !ok {
			return "", false
		}
		shift := k.shift[0] || k.shift[1]
		r := m[0]
		if shift {
			r = m[1]
		}
		if k.caps && m[0] >= 'a' && m[0] <= 'z' {
			if shift {
				r = m[0]
			} else {
				r = m[1]
			}
		}
		max := k.Max
		if max <= 0 {
			max = DefaultMaxLen
		}
		if len(k.buf) >= max {
			k.over = true
			k.buf = k.buf[:0]
		}
		if !k.over {
			k.buf = append(k.buf, r)
		}
	}
	return "", false
}

// Keyboard is a keyboard-wedge scanner read through evdev.
type Keyboard struct {
	r     io.ReadCloser
	log   *slog.Logger
	codes chan string
	done  chan struct{}
	once  sync.Once
	stop  chan struct{}
}

// NewKeyboard starts decoding input_event records from r (an evdev node
// from OpenKeyboard, or a pipe in tests). The Keyboard owns r: Close
// closes it. log may be nil.
func NewKeyboard(r io.ReadCloser, log *slog.Logger) *Keyboard {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	k := &Keyboard{r: r, log: log, codes: make(chan string, 16), done: make(chan struct{}), stop: make(chan struct{})}
	go k.loop()
	return k
}

// Codes returns the stream of codes, closed when the device goes away or
// after Close.
func (k *Keyboard) Codes() <-chan string { return k.codes }

// Close closes the device and waits for the reader.
func (k *Keyboard) Close() error {
	var err error
	k.once.Do(func() {
		close(k.stop)
		err = k.r.Close()
	})
	<-k.done
	return err
}

func (k *Keyboard) loop() {
	defer close(k.done)
	defer close(k.codes)
	var dec KeyDecoder
	var rec [EventSize]byte
	for {
		if _, err := io.ReadFull(k.r, rec[:]); err != nil {
			select {
			case <-k.stop:
			default:
				if !errors.Is(err, io.EOF) {
					k.log.Warn("scanner: keyboard read", "err", err)
				}
			}
			return
		}
		e := Event{
			Type:  binary.LittleEndian.Uint16(rec[16:]),
			Code:  binary.LittleEndian.Uint16(rec[18:]),
			Value: int32(binary.LittleEndian.Uint32(rec[20:])),
		}
		if s, ok := dec.Event(e); ok {
			select {
			case k.codes <- s:
			case <-k.stop:
				return
			}
		}
	}
}

// FindKeyboards lists keyboard event nodes by id; a wedge scanner's name
// usually tells its vendor.
func FindKeyboards() ([]string, error) {
	m, err := filepath.Glob("/dev/input/by-id/*-event-kbd")
	if err != nil {
		return nil, err
	}
	return m, nil
}
