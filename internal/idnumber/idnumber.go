// Package idnumber checks 18-character resident identity numbers by GB 11643
// (公民身份号码): 17 digits, a province-level division code (GB/T 2260), a
// real birth date, and the check character (ISO 7064 MOD 11-2, X for 10).
// It is the one checker that the ID-card driver, the credential parser and
// the hall engine share.
package idnumber

import (
	"errors"
	"fmt"
	"time"
)

// Errors returned by Check and CheckChar; callers wrap or map them.
var (
	ErrLength    = errors.New("idnumber: length")
	ErrChar      = errors.New("idnumber: character")
	ErrRegion    = errors.New("idnumber: division code")
	ErrBirth     = errors.New("idnumber: birth date")
	ErrCheckChar = errors.New("idnumber: check character")
)

var weights = [17]int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}

const checkChars = "10X98765432"

// provinces are the first two digits of valid divisions, including 71
// Taiwan and 81/82/83 of the residence permits of Hong Kong, Macao and
// Taiwan residents.
var provinces = map[string]bool{
	"11": true, "12": true, "13": true, "14": true, "15": true,
	"21": true, "22": true, "23": true,
	"31": true, "32": true, "33": true, "34": true, "35": true, "36": true, "37": true,
	"41": true, "42": true, "43": true, "44": true, "45": true, "46": true,
	"50": true, "51": true, "52": true, "53": true, "54": true,
	"61": true, "62": true, "63": true, "64": true, "65": true,
	"71": true, "81": true, "82": true, "83": true,
}

// IsProvince reports whether two digits are a province-level code.
func IsProvince(two string) bool { return provinces[two] }

// CheckChar returns the GB 11643 check character for the first 17 digits.
func CheckChar(first17 string) (byte, error) {
	if len(first17) != 17 {
		return 0, fmt.Errorf("%w: %d digits", ErrLength, len(first17))
	}
	sum := 0
	for i := 0; i < 17; i++ {
		c := first17[i]
		if c < '0' || c > '9' {
			return 0, fmt.Errorf("%w at %d", ErrChar, i+1)
		}
		sum += int(c-'0') * weights[i]
	}
	return checkChars[sum%11], nil
}

// Rules are the differences between callers, stated rather than copied.
type Rules struct {
	// Foreign accepts a leading 9 in place of a province code: the
	// foreigner's permanent residence card of 2023 (the ID-card reader
	// reads those cards; "91" alone when Foreign91 is set).
	Foreign bool
	// Foreign91 accepts only the prefix 91 for such cards.
	Foreign91 bool
	// Now, when set, refuses a birth date after it (and before 1900 always).
	Now time.Time
}

// Check checks an 18-character identity number (x and X alike as the check
// character) in this order: length, digits, division code, birth date,
// check character. The error wraps one of the Err values.
func Check(id string, r Rules) error {
	if len(id) != 18 {
		return fmt.Errorf("%w: %d characters", ErrLength, len(id))
	}
	want, err := CheckChar(id[:17])
	if err != nil {
		return err
	}
	ok := provinces[id[:2]] || (r.Foreign && id[0] == '9') || (r.Foreign91 && id[:2] == "91")
	if !ok {
		return fmt.Errorf("%w %q", ErrRegion, id[:2])
	}
	birth, err := time.Parse("20060102", id[6:14])
	if err != nil || birth.Year() < 1900 || (!r.Now.IsZero() && birth.After(r.Now)) {
		return ErrBirth
	}
	got := id[17]
	if got == 'x' {
		got = 'X'
	}
	if got != want {
		return ErrCheckChar
	}
	return nil
}
