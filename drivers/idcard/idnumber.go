package idcard

import (
	"errors"
	"fmt"
	"hallkiosk/internal/idnumber"
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

// CheckDigit returns the GB 11643 check character for the first 17 digits
// of an 18-character identity number (internal/idnumber).
func CheckDigit(first17 string) (byte, error) {
	c, err := idnumber.CheckChar(first17)
	if err != nil {
		return 0, mapIDError(err)
	}
	return c, nil
}

// provinces reports whether two digits are a province-level code.
var provinces = idnumber.IsProvince

// CheckID checks an 18-character identity number (GB 11643, by
// internal/idnumber): digits, a known province prefix (or 9 for the
// foreigner's permanent residence card of 2023), a real birth date at
// positions 7..14 and the check character (X in upper or lower case).
func CheckID(id string) error {
	return mapIDError(idnumber.Check(id, idnumber.Rules{Foreign: true}))
}

// mapIDError keeps this package's error values, wrapping idnumber's.
func mapIDError(err error) error {
	for _, m := range []struct{ from, to error }{
		{idnumber.ErrLength, ErrIDLength}, {idnumber.ErrChar, ErrIDChar}, {idnumber.ErrRegion, ErrIDDivision},
		{idnumber.ErrBirth, ErrIDBirth}, {idnumber.ErrCheckChar, ErrIDCheckDigit},
	} {
		if errors.Is(err, m.from) {
			return fmt.Errorf("%w (%w)", m.to, err)
		}
	}
	return err
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
	if !provinces(id[3:5]) {
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
