package credential

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

const usccAlphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"

var usccWeights = [17]int{1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28}

var errUSCCCheck = errors.New("credential: credit code check character does not match")

func isUSCCCharset(s string) bool {
	if len(s) != 18 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if strings.IndexByte(usccAlphabet, s[i]) < 0 {
			return false
		}
	}
	return true
}

// USCCCheckChar returns the GB 32100 check character for the first 17
// characters of a credit code.
func USCCCheckChar(first17 string) (byte, error) {
	if len(first17) != 17 {
		return 0, fmt.Errorf("credential: credit code body must be 17 characters, got %d", len(first17))
	}
	sum := 0
	for i := 0; i < 17; i++ {
		v := strings.IndexByte(usccAlphabet, first17[i])
		if v < 0 {
			return 0, fmt.Errorf("credential: %q is not allowed in a credit code", first17[i])
		}
		sum += v * usccWeights[i]
	}
	c := 31 - sum%31
	if c == 31 {
		c = 0
	}
	return usccAlphabet[c], nil
}

// CheckUSCC checks a unified social credit code (GB 32100). checkOK tells
// whether the check character matches; err is errUSCCCheck-like for a
// mismatch only (a well-formed code, possibly an early pilot code) and
// another error for a malformed one.
func CheckUSCC(code string) (checkOK bool, err error) {
	if len(code) != 18 {
		return false, fmt.Errorf("credential: credit code must be 18 characters, got %d", len(code))
	}
	if !isUSCCCharset(code) {
		return false, errors.New("credential: credit code holds characters outside 0-9 and A-Y without I O S V Z")
	}
	want, err := USCCCheckChar(code[:17])
	if err != nil {
		return false, err
	}
	if want != code[17] {
		return false, errUSCCCheck
	}
	return true, nil
}

var idWeights = [17]int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}

const idCheckChars = "10X98765432"

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

// IDCheckChar returns the GB 11643 check character for 17 digits.
func IDCheckChar(first17 string) (byte, error) {
	if len(first17) != 17 {
		return 0, fmt.Errorf("credential: identity number body must be 17 digits, got %d", len(first17))
	}
	sum := 0
	for i := 0; i < 17; i++ {
		c := first17[i]
		if c < '0' || c > '9' {
			return 0, errors.New("credential: identity number body must be digits")
		}
		sum += int(c-'0') * idWeights[i]
	}
	return idCheckChars[sum%11], nil
}

// CheckIDNumber checks an 18-character resident identity number (GB 11643):
// province prefix, birth date (a real date, not in the future, after 1900)
// and check character.
func CheckIDNumber(id string) error {
	if len(id) != 18 {
		return fmt.Errorf("credential: identity number must be 18 characters, got %d", len(id))
	}
	want, err := IDCheckChar(id[:17])
	if err != nil {
		return err
	}
	if _, ok := provinces[id[:2]]; !ok {
		return fmt.Errorf("credential: identity number region %s is not a province code", id[:2])
	}
	birth, err := time.Parse("20060102", id[6:14])
	if err != nil {
		return errors.New("credential: identity number holds an impossible birth date")
	}
	if birth.Year() < 1900 || birth.After(time.Now()) {
		return errors.New("credential: identity number birth date is out of range")
	}
	got := id[17]
	if got == 'x' {
		got = 'X'
	}
	if got != want {
		return errors.New("credential: identity number check character does not match")
	}
	return nil
}
