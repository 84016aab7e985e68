package i18n

import (
	"testing"
	"unicode"
)

func TestEveryKeyHasBothLanguages(t *testing.T) {
	for _, k := range Keys() {
		zh, en := ZH.T(k), EN.T(k)
		if zh == "" || en == "" || zh == k || en == k {
			t.Errorf("%s: zh %q en %q", k, zh, en)
		}
	}
}

func TestTFormatsAndFallsBack(t *testing.T) {
	if got := ZH.T("service.waiting", 7); got != "等候 7 人" {
		t.Errorf("zh waiting: %q", got)
	}
	if got := EN.T("service.waiting", 7); got != "7 waiting" {
		t.Errorf("en waiting: %q", got)
	}
	if got := EN.T("no.such.key"); got != "no.such.key" {
		t.Errorf("unknown key: %q", got)
	}
	hasHan := false
	for _, r := range ZH.T("home.take") {
		hasHan = hasHan || unicode.Is(unicode.Han, r)
	}
	if !hasHan {
		t.Error("Chinese text without Han characters")
	}
}

func TestParseLang(t *testing.T) {
	for in, want := range map[string]Lang{"zh": ZH, "en": EN, "": ZH, "English": EN} {
		if got, err := ParseLang(in); err != nil || got != want {
			t.Errorf("ParseLang(%q) = %v, %v", in, got, err)
		}
	}
	if _, err := ParseLang("fr"); err == nil {
		t.Error("fr accepted")
	}
}
