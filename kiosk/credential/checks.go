package credential

import (
	"errors"
	"fmt"
	"hallkiosk/internal/idnumber"
	"strings"
	"time"

	"hallkiosk/internal/uscc"
)

func isUSCCCharset(s string) bool {
	if len(s) != uscc.Len {
		return false
	}
	for i := 0; i < len(s); i++ {
		if strings.IndexByte(uscc.Alphabet, s[i]) < 0 {
			return false
		}
	}
	return true
}

// USCCCheckChar returns the GB 32100 check character for the first 17
// characters of a credit code.
func USCCCheckChar(first17 string) (byte, error) {
	c, err := uscc.CheckChar(first17)
	if err != nil {
		return 0, fmt.Errorf("credential: %w", err)
	}
	return c, nil
}

// CheckUSCC checks a unified social credit code strictly (GB 32100: every
// part well formed and the check character matching; see package
// internal/uscc). checkOK is true only for a valid code; err names the
// wrong character, and wraps uscc.ErrCheck when only the check character
// disagrees with the rest.
func CheckUSCC(code string) (checkOK bool, err error) {
	if err := uscc.Check(code); err != nil {
		return false, fmt.Errorf("credential: %w", err)
	}
	return true, nil
}

// provinces maps the first two digits of a division code to the province.
var provinces = map[string]string{
	"11": "北京", "12": "天津", "13": "河北", "14": "山西", "15": "内蒙古",
	"21": "辽宁", "22": "吉林", "23": "黑龙江",
	"31": "上海", "32": "江苏", "33": "浙江", "34": "安徽", "35": "福建", "36": "江西", "37": "山东",
	"41": "河南", "42": "湖北", "43": "湖南", "44": "广东", "45": "广西", "46": "海南",
	"50": "重庆", "51": "四川", "52": "贵州", "53": "云南", "54": "西藏",
	"61": "陕西", "62": "甘肃", "63": "青海", "64": "宁夏", "65": "新疆",
	"71": "台湾", "81": "香港", "82": "澳门", "83": "台湾居民",
	"91": "外国人永久居留",
}

// IDCheckChar returns the GB 11643 check character for 17 digits
// (internal/idnumber).
func IDCheckChar(first17 string) (byte, error) {
	c, err := idnumber.CheckChar(first17)
	switch {
	case errors.Is(err, idnumber.ErrLength):
		return 0, fmt.Errorf("credential: identity number body must be 17 digits, got %d", len(first17))
	case err != nil:
		return 0, errors.New("credential: identity number body must be digits")
	}
	return c, nil
}

// CheckIDNumber checks an 18-character resident identity number (GB 11643,
// by internal/idnumber): province prefix, birth date (a real date, not in
// the future, after 1900) and check character.
func CheckIDNumber(id string) error {
	if len(id) != 18 {
		return fmt.Errorf("credential: identity number must be 18 characters, got %d", len(id))
	}
	err := idnumber.Check(id, idnumber.Rules{Now: time.Now()})
	switch {
	case err == nil:
		return nil
	case errors.Is(err, idnumber.ErrChar):
		return errors.New("credential: identity number body must be digits")
	case errors.Is(err, idnumber.ErrRegion):
		return fmt.Errorf("credential: identity number region %s is not a province code", id[:2])
	case errors.Is(err, idnumber.ErrBirth):
		if _, perr := time.Parse("20060102", id[6:14]); perr != nil {
			return errors.New("credential: identity number holds an impossible birth date")
		}
		return errors.New("credential: identity number birth date is out of range")
	default:
		return errors.New("credential: identity number check character does not match")
	}
}
