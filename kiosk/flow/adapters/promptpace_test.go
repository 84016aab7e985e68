package adapters

import (
	"encoding/binary"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode"

	"hallkiosk/kiosk/i18n"
)

// wavPCM reads a 16-bit mono WAV's samples and rate.
func wavPCM(t *testing.T, path string) ([]int16, int) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(b) < 12 || string(b[:4]) != "RIFF" || string(b[8:12]) != "WAVE" {
		t.Fatalf("%s: not a WAV file", path)
	}
	rate := 0
	for p := 12; p+8 <= len(b); {
		id, n := string(b[p:p+4]), int(binary.LittleEndian.Uint32(b[p+4:]))
		body := b[p+8 : min(len(b), p+8+n)]
		switch id {
		case "fmt ":
			rate = int(binary.LittleEndian.Uint32(body[4:]))
			if ch, bits := binary.LittleEndian.Uint16(body[2:]), binary.LittleEndian.Uint16(body[14:]); ch != 1 || bits != 16 {
				t.Fatalf("%s: %d channels, %d bits", path, ch, bits)
			}
		case "data":
			pcm := make([]int16, len(body)/2)
			for i := range pcm {
				pcm[i] = int16(binary.LittleEndian.Uint16(body[2*i:]))
			}
			return pcm, rate
		}
		p += 8 + n + n%2
	}
	t.Fatalf("%s: no data", path)
	return nil, 0
}

// syllablesZH counts the spoken syllables of a Chinese text: its Han
// characters.
func syllablesZH(s string) int {
	n := 0
	for _, r := range s {
		if unicode.Is(unicode.Han, r) {
			n++
		}
	}
	return n
}

// syllablesEN estimates an English text's syllables: groups of vowels in
// each word, a silent final e dropped, at least one a word.
func syllablesEN(s string) int {
	n := 0
	for _, w := range strings.FieldsFunc(strings.ToLower(s), func(r rune) bool { return !unicode.IsLetter(r) }) {
		c, prev := 0, false
		for _, r := range w {
			v := strings.ContainsRune("aeiouy", r)
			if v && !prev {
				c++
			}
			prev = v
		}
		if strings.HasSuffix(w, "e") && !strings.HasSuffix(w, "le") && c > 1 {
			c--
		}
		n += max(1, c)
	}
	return n
}

// TestPromptsCalmPaceSameWords: every elder-mode prompt speaks at most 3
// syllables a second (工信部 适老化: a calm pace) and at least 1.5, which it
// could not if it left out words of the screen's text for its key; it
// starts and ends quietly (syllables faded, not clipped).
func TestPromptsCalmPaceSameWords(t *testing.T) {
	for _, lang := range []struct {
		dir   string
		l     i18n.Lang
		count func(string) int
	}{{"zh", i18n.ZH, syllablesZH}, {"en", i18n.EN, syllablesEN}} {
		files, err := filepath.Glob(filepath.Join("../../../assets/voice/prompt", lang.dir, "*.wav"))
		if err != nil || len(files) < 20 {
			t.Fatalf("%s: %d prompts (%v)", lang.dir, len(files), err)
		}
		fastest, slowest := 0.0, 99.0
		defer func(dir string) {
			t.Logf("%s: %d prompts, %.2f .. %.2f syllables a second", dir, len(files), slowest, fastest)
		}(lang.dir)
		for _, f := range files {
			key := strings.TrimSuffix(filepath.Base(f), ".wav")
			pcm, rate := wavPCM(t, f)
			secs := float64(len(pcm)) / float64(rate)
			n := lang.count(lang.l.T(key))
			pace := float64(n) / secs
			fastest, slowest = max(fastest, pace), min(slowest, pace)
			if pace > 3 || pace < 1.5 {
				t.Errorf("%s/%s: %d syllables in %.2f s = %.2f a second, want 1.5 .. 3 (the screen's words, calmly)", lang.dir, key, n, secs, pace)
			}
			edge := rate / 250 // 4 ms
			for _, part := range [][]int16{pcm[:edge], pcm[len(pcm)-edge:]} {
				for _, x := range part {
					if x > 3000 || x < -3000 {
						t.Errorf("%s/%s: loud sample %d at an end: clipped", lang.dir, key, x)
						break
					}
				}
			}
		}
	}
}
