// Package ui is the kiosk's touchscreen front end in Fyne. It draws the
// screens of a kiosk/flow session and turns taps into flow calls; it holds no
// session logic of its own. Every screen is rebuilt from flow.State when the
// flow changes, in a Screen struct whose buttons and tiles tests can tap by
// name.
//
// The theme uses the bundled CJK font (assets.UIFontTTF), so Chinese renders on
// a machine without fonts. Touch targets are at least MinTouch units tall
// (120 px at scale 1: 15 mm needs 61 px on a 21.5" 1080×1920 panel and 83 px
// on a 15.6" one). The window is fullscreen, cannot be closed, and ignores
// keys; the only way out is the maintenance gesture (five taps on the
// top-left corner within three seconds, then the PIN).
package ui

import (
	"fmt"
	"image/color"
	"sync"
	"sync/atomic"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"

	"hallkiosk/kiosk/flow"
	"hallkiosk/kiosk/i18n"
)

// MinTouch is the minimum height of every touch target, in Fyne units.
const MinTouch = 120

// Options set up the kiosk window.
type Options struct {
	// Landscape lays out for 1920×1080; the default is 1080×1920 portrait.
	Landscape bool
	// Fullscreen locks the window to the whole screen (off in tests and
	// screenshots of a given size).
	Fullscreen bool
	// Do runs a redraw on the UI goroutine; nil means fyne.Do. Tests pass
	// a no-op and call Refresh themselves, so that every redraw happens on
	// the test goroutine.
	Do func(func())
	// Now is the clock of the tap guard; nil means time.Now.
	Now func() time.Time
}

// Size returns the window size for the orientation.
func (o Options) Size() fyne.Size {
	if o.Landscape {
		return fyne.NewSize(1920, 1080)
	}
	return fyne.NewSize(1080, 1920)
}

// Kiosk is the kiosk window drawing one flow.
type Kiosk struct {
	App  fyne.App
	Win  fyne.Window
	Flow *flow.Flow

	opt   Options
	theme *Theme
	root  *fyne.Container
	cur   *Screen
	mu    sync.Mutex // Refresh; fyne.Do runs inline under the test driver
	seq   uint64
	shown atomic.Bool
	alive atomic.Int64 // unix nanos of the last UI-loop heartbeat

	// Built per screen: the room the body has, the language and the page
	// of a paged list (kept while the screen and its list stay).
	bodySize fyne.Size
	lang     i18n.Lang
	page     int
	pageKey  string
	sig      string
	force    bool

	// The tap guard: when the screen last changed and where the last
	// accepted tap was.
	changed time.Time
	lastTap fyne.Position
	tapped  bool
}

// Tap guard: a tap this soon after a screen change, this close to the tap
// that changed it, is the second half of a double tap and is ignored (返回首页
// sits where 跳过 was).
const (
	guardTime   = 400 * time.Millisecond
	guardRadius = 80
)

// Screen is one built screen: its content and the widgets a test (or the
// flow) can address by name, e.g. Tiles["zone:tax"], Buttons["home"].
type Screen struct {
	Kind    flow.Screen
	Content fyne.CanvasObject
	Buttons map[string]*Button
	Tiles   map[string]*Tile
	Corner  *Gesture
	Strip   *Strip // status line: banners, countdown, card reminder
}

// New builds the kiosk window for f on app a and draws the current state.
func New(a fyne.App, f *flow.Flow, opt Options) *Kiosk {
	k := &Kiosk{App: a, Flow: f, opt: opt, theme: &Theme{}}
	if k.opt.Now == nil {
		k.opt.Now = time.Now
	}
	a.Settings().SetTheme(k.theme)
	k.Win = a.NewWindow(i18n.ZH.T("app.title"))
	k.Win.SetPadded(false)
	k.Win.SetCloseIntercept(func() {}) // no close: only systemd stops the kiosk
	k.Win.Canvas().SetOnTypedKey(func(*fyne.KeyEvent) {})
	k.Win.Canvas().SetOnTypedRune(func(rune) {})
	k.root = container.NewStack()
	k.Win.SetContent(k.root)
	k.Win.Resize(opt.Size())
	if opt.Fullscreen {
		k.Win.SetFullScreen(true)
	}
	k.alive.Store(time.Now().UnixNano())
	k.Refresh()
	do := opt.Do
	if do == nil {
		do = fyne.Do
	}
	f.Listen(func() { do(k.Refresh) })
	return k
}

// Current returns the screen on display.
func (k *Kiosk) Current() *Screen {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.cur
}

// Refresh redraws from the flow's state if it changed. It must run on the
// UI goroutine (listeners reach it through fyne.Do).
func (k *Kiosk) Refresh() {
	k.mu.Lock()
	defer k.mu.Unlock()
	s := k.Flow.State()
	if k.cur != nil && s.Seq == k.seq {
		return
	}
	k.seq = s.Seq
	if s.Elder != k.theme.Elder {
		k.theme = &Theme{Elder: s.Elder}
		k.App.Settings().SetTheme(k.theme)
	}
	if key := fmt.Sprint(s.Screen, s.Zone.Code, s.Lang, s.Elder); key != k.pageKey {
		k.pageKey, k.page = key, 0
	}
	k.lang = s.Lang
	next := k.build(s)
	sig := signature(next.Content)
	if k.cur != nil && !k.force && next.Kind == k.cur.Kind && sig == k.sig && sameKeys(next, k.cur) {
		// Only counts, hints or the status line changed: update them in
		// place; no tile is re-created and nothing under a finger moves.
		for name, t := range next.Tiles {
			k.cur.Tiles[name].Update(t.Title, t.Sub, t.Disabled, t.Muted)
		}
		k.fillStrip(k.cur.Strip, s)
		return
	}
	k.force = false
	k.cur, k.sig = next, sig
	k.changed = k.now()
	k.root.Objects = []fyne.CanvasObject{k.cur.Content}
	k.root.Refresh()
	// A window that grew for an earlier screen goes back to its size.
	if k.Win.Canvas().Size() != k.opt.Size() && !k.opt.Fullscreen {
		k.Win.Resize(k.opt.Size())
	}
	if !k.shown.Load() && k.Win.Canvas().Content() != nil {
		k.shown.Store(true)
	}
}

// Heartbeat marks the UI loop alive from inside the loop every interval
// until stop is closed. Healthy reports the result to the watchdog.
func (k *Kiosk) Heartbeat(interval time.Duration, stop <-chan struct{}) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-stop:
			return
		case <-t.C:
			fyne.Do(func() { k.alive.Store(time.Now().UnixNano()) })
		}
	}
}

// Healthy reports whether the UI loop ran within maxAge.
func (k *Kiosk) Healthy(maxAge time.Duration) bool {
	return time.Since(time.Unix(0, k.alive.Load())) < maxAge
}

// ShowAndRun shows the window and runs the UI loop until the app quits.
func (k *Kiosk) ShowAndRun() { k.Win.ShowAndRun() }

func (k *Kiosk) textSize() float32 { return k.theme.Size("text") }

func (k *Kiosk) now() time.Time { return k.opt.Now() }

// guard decides whether a tap counts (see guardTime).
func (k *Kiosk) guard(e *fyne.PointEvent) bool {
	k.mu.Lock()
	defer k.mu.Unlock()
	p := e.AbsolutePosition
	if k.tapped && k.now().Sub(k.changed) < guardTime {
		dx, dy := p.X-k.lastTap.X, p.Y-k.lastTap.Y
		if dx*dx+dy*dy < guardRadius*guardRadius {
			return false
		}
	}
	k.lastTap, k.tapped = p, true
	return true
}

// turn shows another page of the screen's list.
func (k *Kiosk) turn(d int) {
	k.mu.Lock()
	k.page += d
	k.force = true
	k.seq = 0
	k.mu.Unlock()
	k.Flow.Touch()
	k.Refresh()
}

func (k *Kiosk) columns(s flow.State) int {
	c := 2
	if k.opt.Landscape {
		c = 3
	}
	if s.Elder {
		c--
	}
	return c
}

func minutes(d time.Duration) int {
	m := int((d + 30*time.Second) / time.Minute)
	if d > 0 && m == 0 {
		m = 1
	}
	return m
}

func (k *Kiosk) newButton(label string, primary bool, tapped func()) *Button {
	b := NewButton(label, primary, k.textSize(), tapped)
	b.guard = k.guard
	return b
}

func (k *Kiosk) button(sc *Screen, name, label string, primary bool, tapped func()) fyne.CanvasObject {
	b := k.newButton(label, primary, tapped)
	sc.Buttons[name] = b
	return minHeight(b, MinTouch)
}

// act returns the tap handler of action a: the flow's Do, which refuses an
// action the current screen does not allow.
func (k *Kiosk) act(a flow.Action) func() { return func() { _ = k.Flow.Do(a) } }

// actButton is a button for action a, named by it (a.String(): the name the
// control endpoint taps).
func (k *Kiosk) actButton(sc *Screen, a flow.Action, label string, primary bool) fyne.CanvasObject {
	return k.button(sc, a.String(), label, primary, k.act(a))
}

// actTile is a tile for action a, named by it.
func (k *Kiosk) actTile(sc *Screen, a flow.Action, title, sub string, col color.NRGBA) *Tile {
	return k.tile(sc, a.String(), title, sub, col, k.act(a))
}

func (k *Kiosk) tile(sc *Screen, name, title, sub string, col color.NRGBA, tapped func()) *Tile {
	h := float32(150)
	if k.opt.Landscape {
		h = MinTouch // 1080 px of height: the whole home screen fits without scrolling
	}
	if k.theme.Elder {
		h += 40
	}
	return k.tileH(sc, name, title, sub, col, h, tapped)
}

func (k *Kiosk) tileH(sc *Screen, name, title, sub string, col color.NRGBA, h float32, tapped func()) *Tile {
	t := NewTile(title, sub, col, fyne.NewSize(MinTouch, h), k.textSize(), tapped)
	t.guard = k.guard
	sc.Tiles[name] = t
	return t
}

func grid(cols int, objs ...fyne.CanvasObject) *fyne.Container {
	if cols < 1 {
		cols = 1
	}
	return container.NewGridWithColumns(cols, objs...)
}
