package voice

import (
	"fmt"
	"io/fs"
	"path"
	"strings"
	"sync"
	"time"

	voiceassets "hallkiosk/assets/voice"
)

// SampleRate is the rate of the shipped clips.
const SampleRate = 16000

// Clips is a set of named clips at one sample rate.
type Clips struct {
	Rate int
	m    map[string][]int16
}

// LoadClips reads every *.wav file under fsys; a clip's name is its path
// without ".wav" ("zh/qing3").
func LoadClips(fsys fs.FS) (*Clips, error) { return loadClips(fsys, nil) }

// loadClips is LoadClips of the files keep accepts (nil: all).
func loadClips(fsys fs.FS, keep func(name string) bool) (*Clips, error) {
	c := &Clips{m: map[string][]int16{}}
	err := fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || path.Ext(p) != ".wav" || keep != nil && !keep(p) {
			return err
		}
		b, err := fs.ReadFile(fsys, p)
		if err != nil {
			return err
		}
		rate, pcm, err := ReadWAV(b)
		if err != nil {
			return fmt.Errorf("%s: %w", p, err)
		}
		if c.Rate != 0 && rate != c.Rate {
			return fmt.Errorf("voice: %s is %d Hz, other clips %d Hz", p, rate, c.Rate)
		}
		c.Rate = rate
		c.m[strings.TrimSuffix(p, ".wav")] = pcm
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("voice: load clips: %w", err)
	}
	if len(c.m) == 0 {
		return nil, fmt.Errorf("voice: load clips: no .wav files")
	}
	return c, nil
}

var (
	defaultOnce  sync.Once
	defaultClips *Clips
	defaultErr   error
)

// DefaultClips returns the call-announcement clips shipped in
// hallkiosk/assets/voice, loaded once (the kiosk prompts under prompt/ are
// DefaultPrompts).
func DefaultClips() (*Clips, error) {
	defaultOnce.Do(func() {
		defaultClips, defaultErr = loadClips(voiceassets.FS, func(p string) bool { return !strings.HasPrefix(p, "prompt/") })
	})
	return defaultClips, defaultErr
}

// Clip returns the samples of a clip (shared: do not modify).
func (c *Clips) Clip(name string) ([]int16, bool) {
	s, ok := c.m[name]
	return s, ok
}

// Gaps are the silences an utterance is built with.
type Gaps struct {
	AfterChime time.Duration // between the chime and the first word
	Between    time.Duration // between two words
	Repeat     time.Duration // between two sayings of one announcement
}

// DefaultGaps are the gaps used when none are given.
var DefaultGaps = Gaps{AfterChime: 250 * time.Millisecond, Between: 40 * time.Millisecond, Repeat: 700 * time.Millisecond}

// samples returns the number of samples d lasts at rate.
func samples(d time.Duration, rate int) int {
	return int(d * time.Duration(rate) / time.Second)
}

// Render joins the chime and the words of a, said max(1, a.Repeat) times,
// with the gaps g.
func (c *Clips) Render(a Announcement, g Gaps) ([]int16, error) {
	words, err := Words(a)
	if err != nil {
		return nil, err
	}
	chime, ok := c.m[ClipChime]
	if !ok {
		return nil, fmt.Errorf("voice: missing clip %q", ClipChime)
	}
	var saying []int16
	for i, w := range words {
		s, ok := c.m[w]
		if !ok {
			return nil, fmt.Errorf("voice: missing clip %q", w)
		}
		if i > 0 {
			saying = append(saying, make([]int16, samples(g.Between, c.Rate))...)
		}
		saying = append(saying, s...)
	}
	out := append([]int16(nil), chime...)
	out = append(out, make([]int16, samples(g.AfterChime, c.Rate))...)
	for i := range max(1, a.Repeat) {
		if i > 0 {
			out = append(out, make([]int16, samples(g.Repeat, c.Rate))...)
		}
		out = append(out, saying...)
	}
	return out, nil
}
