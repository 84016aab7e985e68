package registry

import (
	"fmt"
	"regexp"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"hallkiosk/internal/uscc"
)

// maxField bounds any text field, in characters.
const maxField = 200

// ValidUSCC reports whether code is a valid unified social credit code
// under GB 32100, check character included (see CheckUSCC).
func ValidUSCC(code string) bool { return uscc.Valid(code) }

// CheckUSCC returns nil for a valid credit code, else an error wrapping
// ErrInvalid that names the wrong character.
func CheckUSCC(code string) error {
	if err := uscc.Check(code); err != nil {
		return fmt.Errorf("%w: %q is not a unified social credit code: %v", ErrInvalid, code, err)
	}
	return nil
}

// USCCCheckOK reports whether code is valid; it is ValidUSCC, kept for
// callers that asked about the check character alone.
func USCCCheckOK(code string) bool { return uscc.Valid(code) }

var propertyRe = regexp.MustCompile(`^(\p{Han})\((\d{4})\)(.+?)不动产(权|证明)第(\d+)号$`)

// NormalisePropertyNumber trims a certificate number and turns full-width
// brackets into half-width ones.
func NormalisePropertyNumber(n string) string {
	n = strings.TrimSpace(n)
	return strings.NewReplacer("（", "(", "）", ")").Replace(n)
}

func cleanText(field, v string) (string, error) {
	v = strings.TrimSpace(v)
	if !utf8.ValidString(v) {
		return "", fmt.Errorf("%w: %s is not UTF-8", ErrInvalid, field)
	}
	if utf8.RuneCountInString(v) > maxField {
		return "", fmt.Errorf("%w: %s longer than %d characters", ErrInvalid, field, maxField)
	}
	for _, r := range v {
		if unicode.IsControl(r) || unicode.Is(unicode.Cf, r) {
			return "", fmt.Errorf("%w: %s holds control character U+%04X", ErrInvalid, field, r)
		}
	}
	return v, nil
}

func validDate(field, v string) error {
	if v == "" {
		return nil
	}
	if _, err := time.Parse("2006-01-02", v); err != nil {
		return fmt.Errorf("%w: %s %q is not a date (YYYY-MM-DD)", ErrInvalid, field, v)
	}
	return nil
}

func (l *Licence) normalise() error {
	l.USCC = strings.ToUpper(strings.TrimSpace(l.USCC))
	if err := CheckUSCC(l.USCC); err != nil {
		return err
	}
	var err error
	if l.Name, err = cleanText("name", l.Name); err != nil {
		return err
	}
	if l.Name == "" {
		return fmt.Errorf("%w: licence %s has no name", ErrInvalid, l.USCC)
	}
	if l.Address, err = cleanText("address", l.Address); err != nil {
		return err
	}
	if len(l.Permits) > 100 {
		return fmt.Errorf("%w: licence %s has more than 100 permits", ErrInvalid, l.USCC)
	}
	return nil
}

func (p *Permit) normalise() error {
	var err error
	if p.Kind, err = cleanText("permit kind", p.Kind); err != nil {
		return err
	}
	if p.Number, err = cleanText("permit number", p.Number); err != nil {
		return err
	}
	if p.Scope, err = cleanText("permit scope", p.Scope); err != nil {
		return err
	}
	if p.Kind == "" || p.Number == "" {
		return fmt.Errorf("%w: permit needs a kind and a number", ErrInvalid)
	}
	if err := validDate("valid_from", p.ValidFrom); err != nil {
		return err
	}
	if err := validDate("valid_to", p.ValidTo); err != nil {
		return err
	}
	if p.ValidFrom != "" && p.ValidTo != "" && p.ValidTo < p.ValidFrom {
		return fmt.Errorf("%w: permit %s ends before it starts", ErrInvalid, p.Number)
	}
	return nil
}

func (p *Property) normalise() error {
	p.Number = NormalisePropertyNumber(p.Number)
	if !propertyRe.MatchString(p.Number) || len(p.Number) > 120 {
		return fmt.Errorf("%w: %q is not a real-estate certificate number", ErrInvalid, p.Number)
	}
	var err error
	if p.Location, err = cleanText("location", p.Location); err != nil {
		return err
	}
	if p.Usage, err = cleanText("usage", p.Usage); err != nil {
		return err
	}
	if p.Status, err = cleanText("status", p.Status); err != nil {
		return err
	}
	if p.AreaM2 < 0 || p.AreaM2 > 1e7 || p.AreaM2 != p.AreaM2 {
		return fmt.Errorf("%w: area %v out of range", ErrInvalid, p.AreaM2)
	}
	return nil
}

// Valid reports whether the permit is in force on day (YYYY-MM-DD).
func (p Permit) Valid(day string) bool {
	return (p.ValidFrom == "" || p.ValidFrom <= day) && (p.ValidTo == "" || day <= p.ValidTo)
}
