package adapters

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"hallkiosk/drivers/voice"
	"hallkiosk/kiosk/i18n"
)

// TestEverySpokenKeyHasAPrompt: every key the flow speaks in elder mode (its
// say and message calls) has a recorded prompt in Mandarin and in English,
// and every prompt belongs to a text the screens show.
func TestEverySpokenKeyHasAPrompt(t *testing.T) {
	// The flow's sources: session machinery and one file per journey.
	files, err := filepath.Glob("../*.go")
	if err != nil {
		t.Fatal(err)
	}
	var src []byte
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		b, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		src = append(src, b...)
	}
	var keys []string
	add := func(k string) {
		if !slices.Contains(keys, k) {
			keys = append(keys, k)
		}
	}
	// Spoken literally, f.message("msg.closed"), or through a variable the
	// flow then passes to f.message: key := "realname.expired",
	// key, args = "appt.early", … and the key += ".notime" variant.
	for _, m := range regexp.MustCompile(`f\.(?:say|message)\("([a-z.]+)"`).FindAllSubmatch(src, -1) {
		add(string(m[1]))
	}
	held := regexp.MustCompile(`\bkey(?:, args)? :?= "([a-z]+\.[a-z.]+)"`).FindAllSubmatch(src, -1)
	if len(held) < 4 {
		t.Fatalf("found only %d keys held in a variable: the flow's message calls changed shape", len(held))
	}
	suffixes := regexp.MustCompile(`\bkey \+= "(\.[a-z]+)"`).FindAllSubmatch(src, -1)
	for _, m := range held {
		add(string(m[1]))
		for _, sfx := range suffixes {
			if k := string(m[1]) + string(sfx[1]); i18n.Has(k) {
				add(k)
			}
		}
	}
	if len(keys) < 10 {
		t.Fatalf("found only %d spoken keys in kiosk/flow: %v", len(keys), keys)
	}
	p, err := voice.DefaultPrompts()
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range []voice.Lang{voice.Mandarin, voice.English} {
		have := p.Prompts(l)
		for _, k := range keys {
			if !slices.Contains(have, k) {
				t.Errorf("%s: no prompt for %q (scripts/voice-prompts.sh)", l, k)
			}
		}
		for _, k := range have {
			if i18n.ZH.T(k) == k {
				t.Errorf("%s prompt %q is not an i18n key", l, k)
			}
		}
	}
}
