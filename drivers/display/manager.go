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

	mu      sync.Mutex
	rows    []string  // board rows as written or being written, newest first
	ops     []boardOp // queued board changes, oldest first
	waiting int       // ops with a line to push
	shownN  int64     // lines shown on the top row
	givenUp int64     // lines given up (MaxBoardBacklog)

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
// lines in push (in order, so the last ends on top), and writes them: each
// pushed line on the top row for one write, in order, then each lower row
// that changed once, top row first.
func (m *Manager) UpdateBoard(remove, push []string) error {
	return m.UpdateBoardUntil(remove, push, nil)
}

// UpdateBoardUntil is QueueBoard then FlushBoard(0, stop): every queued
// line is shown on the top row, then the lower rows are written until stop
// (if not nil) reports true, checked before each row: a caller with more
// updates waiting makes the next update instead of finishing this one.
// Rows left unwritten are written by the next update (also one with
// nothing to remove or push).
func (m *Manager) UpdateBoardUntil(remove, push []string, stop func() bool) error {
	m.QueueBoard(remove, push)
	return m.FlushBoard(0, stop)
}

// boardOp is one queued change of the hall board: lines taken off, then
// one line pushed on top ("" for none).
type boardOp struct {
	remove []string
	push   string
	at     time.Time // when it was queued
}

// MaxBoardBacklog bounds the lines waiting for the board's top row; past
// it the oldest waiting line is given up (counted by BoardBacklog).
const MaxBoardBacklog = 4096

// QueueBoard queues a change of the hall board without writing it: the
// lines in remove come off, then each line in push goes on top in order.
// The board is a queue, not a snapshot: FlushBoard shows every pushed line
// on the top row for at least one write, in the order queued, however many
// are waiting; when the bus is behind, the lower rows may show older
// content for a while, but no pushed line is skipped.
func (m *Manager) QueueBoard(remove, push []string) {
	if len(m.o.Board) == 0 {
		return
	}
	now := m.o.Now()
	m.mu.Lock()
	defer m.mu.Unlock()
	if len(remove) > 0 && len(push) == 0 {
		m.ops = append(m.ops, boardOp{remove: remove, at: now})
	}
	for i, line := range push {
		op := boardOp{push: line, at: now}
		if i == 0 {
			op.remove = remove
		}
		m.ops = append(m.ops, op)
		m.waiting++
	}
	for m.waiting > MaxBoardBacklog {
		// A bus dead for hours: give up the oldest line, keep its removal.
		for i := range m.ops {
			if m.ops[i].push != "" {
				m.ops[i].push = ""
				m.waiting--
				m.givenUp++
				break
			}
		}
	}
}

// BoardBacklog reports the pushed lines not yet shown on the board's top
// row, when the oldest of them was queued (zero when none wait), and how
// many lines were given up since the start (MaxBoardBacklog; 0 unless a
// bus was dead for a long time).
func (m *Manager) BoardBacklog() (waiting int, oldest time.Time, givenUp int64) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, op := range m.ops {
		if op.push != "" {
			oldest = op.at
			break
		}
	}
	return m.waiting, oldest, m.givenUp
}

// BoardShown returns how many pushed lines have been shown on the board's
// top row since the start.
func (m *Manager) BoardShown() int64 {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.shownN
}

// BoardProgress reports how many lines QueueBoard has queued for the top
// row since the start and how many of them are done: shown on the top row
// or given up. Lines are done in the order queued, so the k-th line queued
// is done once done >= k.
func (m *Manager) BoardProgress() (queued, done int64) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.shownN + m.givenUp + int64(m.waiting), m.shownN + m.givenUp
}

// applyOp returns rows after op on a board of n rows.
func applyOp(rows []string, op boardOp, n int) []string {
	var out []string
	for _, r := range rows {
		if !slices.Contains(op.remove, r) {
			out = append(out, r)
		}
	}
	if op.push == "" {
		return out
	}
	next := []string{op.push}
	for _, r := range out {
		if r != op.push && len(next) < n {
			next = append(next, r)
		}
	}
	return next
}

// BoardRows returns the hall board's rows, top first, as they are once
// every queued change is written.
func (m *Manager) BoardRows() []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	rows := append([]string(nil), m.rows...)
	for _, op := range m.ops {
		rows = applyOp(rows, op, len(m.o.Board))
	}
	return rows
}

// FlushBoard writes the queued board changes: each queued line on the top
// row, in order, one write each (at most pushes lines; pushes <= 0: all),
// then, once nothing is queued, the rows whose content differs from what
// they were last written with, top first, until stop (if not nil) reports
// true before a row. A failed write keeps its line queued for the next
// flush.
func (m *Manager) FlushBoard(pushes int, stop func() bool) error {
	if len(m.o.Board) == 0 {
		return nil
	}
	m.wmu.Lock()
	defer m.wmu.Unlock()
	if m.shown == nil {
		m.shown = make([]string, len(m.o.Board))
	}
	top := m.o.Board[0]
	done := 0
	for {
		m.mu.Lock()
		if len(m.ops) == 0 || pushes > 0 && done >= pushes && m.ops[0].push != "" {
			pending := len(m.ops) > 0
			m.mu.Unlock()
			if pending {
				return nil // the caller flushes again
			}
			break
		}
		op := m.ops[0]
		next := applyOp(m.rows, op, len(m.o.Board))
		if op.push == "" {
			m.rows, m.ops = next, m.ops[1:]
			m.mu.Unlock()
			continue
		}
		m.mu.Unlock()
		if m.shown[0] != op.push {
			if err := top.Dev.ShowText(top.Addr, op.push); err != nil {
				return err // still queued: shown by the next flush
			}
			m.shown[0] = op.push
		}
		m.mu.Lock()
		m.rows, m.ops = next, m.ops[1:]
		m.waiting--
		m.shownN++
		m.mu.Unlock()
		done++
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
