package voice

import (
	"fmt"
	"strings"
)

// Lang is the language of an announcement.
type Lang uint8

// Languages.
const (
	Mandarin Lang = iota
	English
)

func (l Lang) String() string {
	switch l {
	case Mandarin:
		return "zh"
	case English:
		return "en"
	}
	return fmt.Sprintf("lang(%d)", uint8(l))
}

// ParseLang parses "zh" or "en".
func ParseLang(s string) (Lang, error) {
	switch strings.ToLower(s) {
	case "zh", "cmn", "mandarin":
		return Mandarin, nil
	case "en", "english":
		return English, nil
	}
	return 0, fmt.Errorf("voice: unknown language %q (zh, en)", s)
}

// Announcement is one call to announce.
type Announcement struct {
	Number string // ticket number, letters and digits, e.g. "A001"
	Window int    // window number, 1..MaxWindow
	Lang   Lang
	// Repeat is how many times to say it; 0 means once.
	Repeat int
	// Optional marks an announcement that may be skipped when the queue
	// is behind (Opts.Backlog): the second language of a call.
	Optional bool
}

// MaxWindow is the highest window number that can be read.
const MaxWindow = 999

// Clip names.
const (
	ClipChime = "chime"
)

var zhDigits = [10]string{"zh/ling2", "zh/yi1", "zh/er4", "zh/san1", "zh/si4", "zh/wu3", "zh/liu4", "zh/qi1", "zh/ba1", "zh/jiu3"}

var enSmall = [20]string{"zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
	"eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen"}

var enTens = [10]string{"", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"}

// Words returns the clip names of one saying of a (without the chime).
func Words(a Announcement) ([]string, error) {
	num, err := numberWords(a.Number, a.Lang)
	if err != nil {
		return nil, err
	}
	switch a.Lang {
	case Mandarin:
		win, err := ZhCardinal(a.Window)
		if err != nil {
			return nil, err
		}
		w := []string{"zh/qing3"}
		w = append(w, num...)
		w = append(w, "zh/hao4", "zh/dao4")
		w = append(w, win...)
		return append(w, "zh/hao4", "zh/chuang1", "zh/kou3", "zh/ban4", "zh/li3"), nil
	case English:
		win, err := EnCardinal(a.Window)
		if err != nil {
			return nil, err
		}
		w := []string{"en/number"}
		w = append(w, num...)
		w = append(w, "en/please_go_to_window")
		return append(w, win...), nil
	}
	return nil, fmt.Errorf("voice: unknown language %d", a.Lang)
}

// numberWords reads a ticket number character by character.
func numberWords(n string, l Lang) ([]string, error) {
	if n == "" || len(n) > 12 {
		return nil, fmt.Errorf("voice: ticket number %q: want 1-12 letters and digits", n)
	}
	var w []string
	for _, r := range n {
		if r >= 'a' && r <= 'z' {
			r -= 'a' - 'A'
		}
		switch {
		case r >= 'A' && r <= 'Z':
			w = append(w, "letter/"+string(r))
		case r >= '0' && r <= '9' && l == English:
			w = append(w, "en/"+enSmall[r-'0'])
		case r >= '0' && r <= '9':
			w = append(w, zhDigits[r-'0'])
		default:
			return nil, fmt.Errorf("voice: ticket number %q: cannot read %q", n, r)
		}
	}
	return w, nil
}

// ZhCardinal returns the clip names reading n (1..MaxWindow) as a Mandarin
// cardinal: 10 十, 12 十二, 20 二十, 105 一百零五, 110 一百一十.
func ZhCardinal(n int) ([]string, error) {
	if n < 1 || n > MaxWindow {
		return nil, fmt.Errorf("voice: window %d out of range 1-%d", n, MaxWindow)
	}
	const shi, bai = "zh/shi2", "zh/bai3"
	var w []string
	tens := func(n int, leadingOne bool) { // 0..99
		switch {
		case n == 0:
		case n < 10:
			w = append(w, zhDigits[n])
		default:
			if n/10 != 1 || leadingOne {
				w = append(w, zhDigits[n/10])
			}
			w = append(w, shi)
			if n%10 != 0 {
				w = append(w, zhDigits[n%10])
			}
		}
	}
	if n >= 100 {
		w = append(w, zhDigits[n/100], bai)
		r := n % 100
		if r > 0 && r < 10 {
			w = append(w, zhDigits[0])
		}
		tens(r, true)
		return w, nil
	}
	tens(n, false)
	return w, nil
}

// EnCardinal returns the clip names reading n (1..MaxWindow) as an English
// cardinal: "one hundred five".
func EnCardinal(n int) ([]string, error) {
	if n < 1 || n > MaxWindow {
		return nil, fmt.Errorf("voice: window %d out of range 1-%d", n, MaxWindow)
	}
	var w []string
	if n >= 100 {
		w = append(w, "en/"+enSmall[n/100], "en/hundred")
		n %= 100
	}
	switch {
	case n == 0:
	case n < 20:
		w = append(w, "en/"+enSmall[n])
	default:
		w = append(w, "en/"+enTens[n/10])
		if n%10 != 0 {
			w = append(w, "en/"+enSmall[n%10])
		}
	}
	return w, nil
}

var zhText = map[string]string{"zh/ling2": "零", "zh/yi1": "一", "zh/er4": "二", "zh/san1": "三", "zh/si4": "四",
	"zh/wu3": "五", "zh/liu4": "六", "zh/qi1": "七", "zh/ba1": "八", "zh/jiu3": "九", "zh/shi2": "十", "zh/bai3": "百",
	"zh/qing3": "请", "zh/hao4": "号", "zh/dao4": "到", "zh/chuang1": "窗", "zh/kou3": "口", "zh/ban4": "办", "zh/li3": "理"}

// Transcript returns the words of one saying of a as text, as heard:
// "请A零零一号到三号窗口办理" or "number A zero zero one please go to window three".
func Transcript(a Announcement) (string, error) {
	w, err := Words(a)
	if err != nil {
		return "", err
	}
	var parts []string
	for _, c := range w {
		dir, name, _ := strings.Cut(c, "/")
		switch dir {
		case "zh":
			parts = append(parts, zhText[c])
		default:
			parts = append(parts, strings.ReplaceAll(name, "_", " "))
		}
	}
	sep := ""
	if a.Lang == English {
		sep = " "
	}
	return strings.Join(parts, sep), nil
}
