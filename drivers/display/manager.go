package display

import (
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"
)

// Target is one display: a bus and an address on it.
type Target struct {
	Dev  *Dev
	Addr byte
}

// ManagerOpts configures a Manager.
type ManagerOpts struct {
	// Windows maps window numbers to their LED strips.
	Windows map[int]Target
	// Board holds the hall board's rows, top first; the newest call is on
	// the top row. Empty means no hall board.
	Board []Target
	// IdleAfter is how long a window strip keeps a number before Tick
	// shows the clock on it; 0 means never.
	IdleAfter time.Duration
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// Manager keeps what each window strip and the hall board show. Its methods
// are safe for concurrent use.
type Manager struct {
	o ManagerOpts

	mu   sync.Mutex
	rows []string // board rows, newest first

	wmu     sync.Mutex        // held while writing the board
	shown   []string          // what the board's rows were last written with
	shownAt map[int]time.Time // when a window strip last got content
	idle    map[int]bool      // window strip shows the clock
}

// NewManager returns a Manager.
func NewManager(opts ManagerOpts) *Manager {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	return &Manager{o: opts, shownAt: map[int]time.Time{}, idle: map[int]bool{}}
}

// ErrNoWindow means a window number with no strip configured.
var ErrNoWindow = errors.New("display: no strip for window")

// ShowWindow shows text on the strip of window.
func (m *Manager) ShowWindow(window int, text string) error {
	t, ok := m.o.Windows[window]
	if !ok {
		return fmt.Errorf("%w %d", ErrNoWindow, window)
	}
	m.mu.Lock()
	m.shownAt[window] = m.o.Now()
	m.idle[window] = false
	m.mu.Unlock()
	return t.Dev.ShowText(t.Addr, text)
}

// ClearWindow blanks the strip of window.
func (m *Manager) ClearWindow(window int) error {
	t, ok := m.o.Windows[window]
	if !ok {
		return fmt.Errorf("%w %d", ErrNoWindow, window)
	}
	m.mu.Lock()
	m.shownAt[window] = m.o.Now()
	m.idle[window] = false
	m.mu.Unlock()
	return t.Dev.Clear(t.Addr)
}

// PushBoard puts line on the top row of the hall board, moving the other
// rows down (the bottom row drops off), and writes the rows that changed.
// A line equal to one already shown is moved to the top instead.
func (m *Manager) PushBoard(line string) error {
	return m.UpdateBoard(nil, []string{line})
}

// RemoveBoard takes line off the hall board (a finished or missed ticket),
// moving the rows below it up.
func (m *Manager) RemoveBoard(line string) error {
	return m.UpdateBoard([]string{line}, nil)
}

// UpdateBoard takes the lines in remove off the hall board, then pushes the
// lines in push (in order, so the last ends on top), and writes each row
// that changed once, top row first.
func (m *Manager) UpdateBoard(remove, push []string) error {
	return m.UpdateBoardUntil(remove, push, nil)
}

// UpdateBoardUntil is UpdateBoard that stops writing, before a row, when
// stop (if not nil) reports true: a caller with more updates waiting
// makes the next update instead of finishing this one, so the top row is
// never more than a row's write behind. Rows left unwritten are written by
// the next update (also one with nothing to remove or push).
func (m *Manager) UpdateBoardUntil(remove, push []string, stop func() bool) error {
	if len(m.o.Board) == 0 {
		return nil
	}
	m.mu.Lock()
	var rows []string
	for _, r := range m.rows {
		if !slices.Contains(remove, r) {
			rows = append(rows, r)
		}
	}
	for _, line := range push {
		next := []string{line}
		for _, r := range rows {
			if r != line && len(next) < len(m.o.Board) {
				next = append(next, r)
			}
		}
		rows = next
	}
	m.rows = rows
	m.mu.Unlock()
	return m.flushBoard(stop)
}

// BoardRows returns the hall board's rows, top first.
func (m *Manager) BoardRows() []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]string(nil), m.rows...)
}

// flushBoard writes the rows whose content differs from what they were
// last written with, top first, until stop reports true.
func (m *Manager) flushBoard(stop func() bool) error {
	m.wmu.Lock()
	defer m.wmu.Unlock()
	if m.shown == nil {
		m.shown = make([]string, len(m.o.Board))
	}
	var errs []error
	for i, t := range m.o.Board {
		m.mu.Lock()
		var want string
		if i < len(m.rows) {
			want = m.rows[i]
		}
		m.mu.Unlock()
		if want == m.shown[i] {
			continue
		}
		if stop != nil {
			t.Dev.WaitGap() // decide when the bus is free
			if stop() {
				break
			}
		}
		var err error
		if want == "" {
			err = t.Dev.Clear(t.Addr)
		} else {
			err = t.Dev.ShowText(t.Addr, want)
		}
		if err != nil {
			errs = append(errs, err)
			continue // written again by the next update
		}
		m.shown[i] = want
	}
	return errors.Join(errs...)
}

// SetBrightness sets every display's brightness. Protocols without a
// brightness command are skipped.
func (m *Manager) SetBrightness(level int) error {
	var errs []error
	for _, t := range m.targets() {
		if err := t.Dev.SetBrightness(t.Addr, level); err != nil && !errors.Is(err, ErrUnsupported) {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// SharedBus reports whether the hall board is on the same bus as a window
// strip (so their writes queue behind each other).
func (m *Manager) SharedBus() bool {
	for _, b := range m.o.Board {
		for _, w := range m.o.Windows {
			if b.Dev == w.Dev {
				return true
			}
		}
	}
	return false
}

func (m *Manager) targets() []Target {
	var ts []Target
	for _, t := range m.o.Windows {
		ts = append(ts, t)
	}
	return append(ts, m.o.Board...)
}

// Tick shows the clock on window strips whose content is older than
// IdleAfter, and refreshes it on strips already idle when the minute has
// changed (the line form shows the clock as text). It writes at most limit
// strips (limit <= 0: all), the longest waiting first, so that a caller can
// spread the refresh and keep the bus free for calls. It returns how many
// strips it wrote.
func (m *Manager) Tick(limit int) (int, error) {
	if m.o.IdleAfter <= 0 {
		return 0, nil
	}
	now := m.o.Now()
	type due struct {
		w  int
		at time.Time
	}
	var dues []due
	m.mu.Lock()
	for w := range m.o.Windows {
		at, seen := m.shownAt[w]
		ok := !seen || now.Sub(at) >= m.o.IdleAfter
		if m.idle[w] {
			ok = now.Truncate(time.Minute).After(at.Truncate(time.Minute))
		}
		if ok {
			dues = append(dues, due{w, at})
		}
	}
	slices.SortFunc(dues, func(a, b due) int {
		if c := a.at.Compare(b.at); c != 0 {
			return c
		}
		return a.w - b.w
	})
	if limit > 0 && len(dues) > limit {
		dues = dues[:limit]
	}
	for _, d := range dues {
		m.shownAt[d.w] = now
		m.idle[d.w] = true
	}
	m.mu.Unlock()
	var errs []error
	for _, d := range dues {
		t := m.o.Windows[d.w]
		errs = append(errs, t.Dev.ShowClock(t.Addr, now))
	}
	return len(dues), errors.Join(errs...)
}
