package voice

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"
)

// WAVDir is a Sink that writes each announcement to its own WAV file in a
// directory, named by time and a sequence number
// (20261126-093000.123-000001.wav), keeping the newest Keep files. It is
// the "wav:DIR" output of a hall without speakers (tests, demos, a
// technician checking what would have been said).
type WAVDir struct {
	// Dir is the directory; it is created when missing.
	Dir string
	// Keep is how many files to keep; 0 means 200.
	Keep int
	// Now names the files; nil means time.Now.
	Now func() time.Time

	mu  sync.Mutex
	seq int
}

var _ Sink = (*WAVDir)(nil)

// Play writes pcm to a new file.
func (d *WAVDir) Play(_ context.Context, pcm []int16, rate int) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if err := os.MkdirAll(d.Dir, 0o750); err != nil {
		return fmt.Errorf("voice: wav dir: %w", err)
	}
	now := time.Now
	if d.Now != nil {
		now = d.Now
	}
	d.seq++
	name := fmt.Sprintf("%s-%06d.wav", now().Format("20060102-150405.000"), d.seq)
	tmp := filepath.Join(d.Dir, "."+name)
	f, err := os.Create(tmp)
	if err != nil {
		return fmt.Errorf("voice: wav dir: %w", err)
	}
	err = WriteWAV(f, rate, pcm)
	if e := f.Close(); err == nil {
		err = e
	}
	if err == nil {
		// Readers see a file only once it is complete.
		err = os.Rename(tmp, filepath.Join(d.Dir, name))
	}
	if err != nil {
		os.Remove(tmp)
		return fmt.Errorf("voice: wav dir: %w", err)
	}
	d.prune()
	return nil
}

// Files returns the paths of the WAV files in the directory, oldest first.
func (d *WAVDir) Files() ([]string, error) {
	ents, err := os.ReadDir(d.Dir)
	if err != nil {
		return nil, fmt.Errorf("voice: wav dir: %w", err)
	}
	var out []string
	for _, e := range ents {
		if n := e.Name(); strings.HasSuffix(n, ".wav") && !strings.HasPrefix(n, ".") && e.Type().IsRegular() {
			out = append(out, filepath.Join(d.Dir, n))
		}
	}
	slices.Sort(out) // names start with the time
	return out, nil
}

func (d *WAVDir) prune() {
	keep := d.Keep
	if keep <= 0 {
		keep = 200
	}
	files, err := d.Files()
	if err != nil || len(files) <= keep {
		return
	}
	for _, f := range files[:len(files)-keep] {
		os.Remove(f)
	}
}
