package qrdecode

import "time"

// Dedup suppresses a text seen again within Window: a code held in front of
// the camera is reported once, not on every frame. While the code stays in
// view its window keeps being extended.
type Dedup struct {
	// Window is how long a text stays suppressed after it was last seen.
	Window time.Duration
	// Now is the clock; nil means time.Now.
	Now  func() time.Time
	last map[string]time.Time
}

// NewDedup returns a Dedup with the given window (3 s when zero).
func NewDedup(window time.Duration) *Dedup {
	if window <= 0 {
		window = 3 * time.Second
	}
	return &Dedup{Window: window, last: map[string]time.Time{}}
}

// Fresh reports whether text should be reported now, and records it as seen.
func (d *Dedup) Fresh(text string) bool {
	now := time.Now()
	if d.Now != nil {
		now = d.Now()
	}
	if d.last == nil {
		d.last = map[string]time.Time{}
	}
	if len(d.last) > 256 {
		for t, at := range d.last {
			if now.Sub(at) > d.Window {
				delete(d.last, t)
			}
		}
	}
	at, ok := d.last[text]
	d.last[text] = now
	return !ok || now.Sub(at) > d.Window
}

// Filter returns the codes whose text is fresh (see Fresh).
func (d *Dedup) Filter(codes []Code) []Code {
	var out []Code
	for _, c := range codes {
		if d.Fresh(c.Text) {
			out = append(out, c)
		}
	}
	return out
}
