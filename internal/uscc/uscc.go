// Package uscc checks unified social credit codes (统一社会信用代码,
// GB 32100-2015): 18 characters from a 31-character alphabet (digits and
// capital letters without I, O, S, V and Z), laid out as
//
//	1     registration authority (登记管理部门): 1-9, A, N or Y
//	2     organisation type within that authority: 1-9
//	3-8   administrative division (行政区划), six digits
//	9-17  body identifier (主体标识码, the organisation code)
//	18    check character over the first 17 (weights 3^i mod 31)
//
// A code is valid only when every part is well formed and the check
// character matches: the standard makes the check part of validity. The
// kiosk's credential parser and the hall's registry both use this package,
// so that a code refused at one is refused at the other.
package uscc

import (
	"errors"
	"fmt"
	"strings"
)

// Alphabet is the GB 32100 character set, in value order (0..30).
const Alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"

// Len is the length of a code.
const Len = 18

var weights = [17]int{1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28}

// authorities are the registration authority codes of GB 32100 table 1.
const authorities = "123456789ANY"

// ErrCheck is wrapped by the *Error of a code whose parts are well formed
// but whose check character does not match.
var ErrCheck = errors.New("check character does not match")

// Error says what is wrong with a code and where.
type Error struct {
	// Pos is the 1-based position of the wrong character (0 when the
	// length is wrong).
	Pos int
	// Got is the character found at Pos; Want, for a check mismatch, the
	// check character the first 17 characters call for.
	Got, Want byte
	// Msg is the reason, in words.
	Msg string
	err error
}

func (e *Error) Error() string { return e.Msg }

// Unwrap returns ErrCheck for a check mismatch.
func (e *Error) Unwrap() error { return e.err }

// CheckChar returns the check character for the first 17 characters of a
// code.
func CheckChar(first17 string) (byte, error) {
	if len(first17) != 17 {
		return 0, &Error{Msg: fmt.Sprintf("credit code body must be 17 characters, got %d", len(first17))}
	}
	sum := 0
	for i := 0; i < 17; i++ {
		v := strings.IndexByte(Alphabet, first17[i])
		if v < 0 {
			return 0, badChar(i, first17[i])
		}
		sum += v * weights[i]
	}
	c := 31 - sum%31
	if c == 31 {
		c = 0
	}
	return Alphabet[c], nil
}

func badChar(i int, c byte) *Error {
	return &Error{Pos: i + 1, Got: c, Msg: fmt.Sprintf("credit code character %d (%s) is not allowed: GB 32100 uses 0-9 and A-Y without I, O, S, V, Z", i+1, quote(c))}
}

func quote(c byte) string {
	if c >= 0x21 && c < 0x7f {
		return fmt.Sprintf("%q", rune(c))
	}
	return fmt.Sprintf("byte 0x%02X", c)
}

// Check returns nil when code is a valid credit code, else an *Error that
// names the wrong character. Letters must be upper case.
func Check(code string) error {
	if len(code) != Len {
		return &Error{Msg: fmt.Sprintf("credit code must be %d characters, got %d", Len, len(code))}
	}
	for i := 0; i < Len; i++ {
		if strings.IndexByte(Alphabet, code[i]) < 0 {
			return badChar(i, code[i])
		}
	}
	if strings.IndexByte(authorities, code[0]) < 0 {
		return &Error{Pos: 1, Got: code[0], Msg: fmt.Sprintf("credit code character 1 (%s) is not a registration authority code (1-9, A, N, Y)", quote(code[0]))}
	}
	if code[1] < '1' || code[1] > '9' {
		return &Error{Pos: 2, Got: code[1], Msg: fmt.Sprintf("credit code character 2 (%s) is not an organisation type (1-9)", quote(code[1]))}
	}
	for i := 2; i < 8; i++ {
		if code[i] < '0' || code[i] > '9' {
			return &Error{Pos: i + 1, Got: code[i], Msg: fmt.Sprintf("credit code character %d (%s) is not a digit: characters 3-8 are the division code", i+1, quote(code[i]))}
		}
	}
	want, err := CheckChar(code[:17])
	if err != nil {
		return err
	}
	if want != code[17] {
		return &Error{Pos: 18, Got: code[17], Want: want, err: ErrCheck,
			Msg: fmt.Sprintf("credit code check character 18 is %s, but the first 17 characters call for %s (one of the 18 is wrong)", quote(code[17]), quote(want))}
	}
	return nil
}

// Valid reports whether code is a valid credit code.
func Valid(code string) bool { return Check(code) == nil }
