package idcard

import (
	"errors"
	"fmt"
	"time"
)

// ID number errors returned by CheckID.
var (
	ErrIDLength     = errors.New("idcard: id number length")
	ErrIDChar       = errors.New("idcard: id number character")
	ErrIDDivision   = errors.New("idcard: id number division code")
	ErrIDBirth      = errors.New("idcard: id number birth date")
	ErrIDCheckDigit = errors.New("idcard: id number check digit")
)

var idWeights = [17]int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}

const idCheckChars = "10X98765432"

// CheckDigit returns the GB 11643 check character for the first 17 digits
// of an 18-character identity number.
func CheckDigit(first17 string) (byte, error) {
	if len(first17) != 17 {
		return 0, fmt.Errorf("%w: %d digits", ErrIDLength, len(first17))
	}
	sum := 0
	for i := 0; i < 17; i++ {
		c := first17[i]
		if c < '0' || c > '9' {
			return 0, fmt.Errorf("%w at %d", ErrIDChar, i+1)
		}
		sum += int(c-'0') * idWeights[i]
	}
	return idCheckChars[sum%11], nil
}

// provinces holds the first two digits of valid administrative divisions
// (GB/T 2260), including 71 Taiwan and 81/82/83 used by residence permits
// of Hong Kong, Macao and Taiwan residents.
var provinces = map[string]bool{
	"11": true, "12": true, "13": true, "14": true, "15": true,
	"21": true, "22": true, "23": true,
	"31": true, "32": true, "33": true, "34": true, "35": true, "36": true, "37": true,
	"41": true, "42": true, "43": true, "44": true, "45": true, "46": true,
	"50": true, "51": true, "52": true, "53": true, "54": true,
	"61": true, "62": true, "63": true, "64": true, "65": true,
	"71": true, "81": true, "82": true, "83": true,
}

// CheckID checks an 18-character identity number (GB 11643): digits, a
// known province prefix (or 9 for the foreigner's permanent residence card
// of 2023), a real birth date at positions 7..14 and the check character
// (X in upper or lower case).
func CheckID(id string) error {
	if len(id) != 18 {
		return fmt.Errorf("%w: %d characters", ErrIDLength, len(id))
	}
	want, err := CheckDigit(id[:17])
	if err != nil {
		return err
	}
	if id[0] != '9' && !provinces[id[:2]] {
		return fmt.Errorf("%w %q", ErrIDDivision, id[:2])
	}
	if _, ok := parseYMD(id[6:14]); !ok {
		return ErrIDBirth
	}
	got := id[17]
	if got == 'x' {
		got = 'X'
	}
	if got != want {
		return ErrIDCheckDigit
	}
	return nil
}

// checkID2017 checks the 15-character number of the 2017 foreigner's
// permanent residence card by form only: three letters (the nationality),
// two digits of province, the birth date as YYMMDD and four more digits. Its
// check character's algorithm is not public, so it is not verified.
func checkID2017(id, nationality string, birth Date) bool {
	if len(id) != 15 {
		return false
	}
	for i := 0; i < 3; i++ {
		if id[i] < 'A' || id[i] > 'Z' {
			return false
		}
	}
	for i := 3; i < 15; i++ {
		if id[i] < '0' || id[i] > '9' {
			return false
		}
	}
	if nationality != "" && id[:3] != nationality {
		return false
	}
	if !provinces[id[3:5]] {
		return false
	}
	if !birth.IsZero() && id[5:11] != fmt.Sprintf("%02d%02d%02d", birth.Year%100, int(birth.Month), birth.Day) {
		return false
	}
	return true
}

// Date is a calendar date read from a card. The zero Date means absent.
type Date struct {
	Year  int
	Month time.Month
	Day   int
}

// String formats d as YYYY-MM-DD, or "" for the zero Date.
func (d Date) String() string {
	if d.IsZero() {
		return ""
	}
	return fmt.Sprintf("%04d-%02d-%02d", d.Year, int(d.Month), d.Day)
}

// IsZero reports whether d is absent.
func (d Date) IsZero() bool { return d == Date{} }

// Time returns midnight of d in loc.
func (d Date) Time(loc *time.Location) time.Time {
	return time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, loc)
}

// compact formats d as YYYYMMDD, as on the card.
func (d Date) compact() string {
	if d.IsZero() {
		return ""
	}
	return fmt.Sprintf("%04d%02d%02d", d.Year, int(d.Month), d.Day)
}

// parseYMD parses YYYYMMDD and rejects impossible dates.
func parseYMD(s string) (Date, bool) {
	if len(s) != 8 {
		return Date{}, false
	}
	v := 0
	for i := 0; i < 8; i++ {
		if s[i] < '0' || s[i] > '9' {
			return Date{}, false
		}
		v = v*10 + int(s[i]-'0')
	}
	y, m, d := v/10000, time.Month(v/100%100), v%100
	if y < 1900 || m < 1 || m > 12 || d < 1 {
		return Date{}, false
	}
	t := time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
	if t.Day() != d || t.Month() != m {
		return Date{}, false
	}
	return Date{y, m, d}, true
}
