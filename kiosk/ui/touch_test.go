package ui

import (
	"context"
	"sync"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"hallkiosk/kiosk/flow"
)

// centreOf is the absolute centre of a widget on the canvas.
func centreOf(o fyne.CanvasObject) fyne.Position {
	p := fyne.CurrentApp().Driver().AbsolutePositionForObject(o)
	return p.Add(fyne.NewPos(o.Size().Width/2, o.Size().Height/2))
}

// A double tap on 跳过: the second tap lands on 返回首页, which now sits where
// 跳过 was; it must not skip the ticket screen.
func TestDoubleTapIsIgnoredAfterAScreenChange(t *testing.T) {
	r := newUI(t, false)
	r.tap(t, "zone:tax")
	r.tap(t, "service:tax-inv") // optional real name: 跳过 offered
	r.waitFor(t, flow.ScreenRealName)
	r.clock.Advance(time.Second)
	at := centreOf(r.k.Current().Buttons["skip"])
	test.TapCanvas(r.k.Win.Canvas(), at)
	r.waitFor(t, flow.ScreenTicket)
	r.clock.Advance(150 * time.Millisecond) // the second half of the double tap
	test.TapCanvas(r.k.Win.Canvas(), at)
	r.k.Refresh()
	if k := r.k.Current().Kind; k != flow.ScreenTicket {
		t.Fatalf("second tap of a double tap acted on the new screen: now %v", k)
	}
	// Elsewhere, or later, taps count.
	r.clock.Advance(500 * time.Millisecond)
	test.TapCanvas(r.k.Win.Canvas(), at)
	r.waitFor(t, flow.ScreenHome)
}

type varStatus struct {
	mu sync.Mutex
	s  flow.HallStatus
}

func (v *varStatus) HallStatus(context.Context) (flow.HallStatus, error) {
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.s, nil
}

// The 10 s refresh updates counts in place: the same tile objects, at the
// same places, with new texts; a banner appearing moves no tile.
func TestRefreshUpdatesInPlaceAndBannersMoveNothing(t *testing.T) {
	for _, elder := range []bool{false, true} {
		r := newUI(t, false)
		st := &varStatus{s: flow.HallStatus{Open: true, Online: true, Services: map[string]flow.ServiceStatus{
			"tax-reg": {Waiting: 1, Open: true}, "hukou": {Waiting: 2, Open: true}}}}
		r.f = flow.New(flow.Deps{Catalogue: testCatalogue, Status: st, Issuer: &memIssuer{}, Printer: &memPrinter{},
			Rater: r.rater}, flow.Options{})
		t.Cleanup(r.f.Close)
		_ = r.f.Refresh(context.Background())
		r.k = New(r.k.App, r.f, Options{Do: func(func()) {}, Now: r.clock.Now})
		r.k.Win.Resize(r.k.opt.Size())
		if elder {
			r.tap(t, "elder")
		}
		tile := r.k.Current().Tiles["zone:police"]
		pos := fyne.CurrentApp().Driver().AbsolutePositionForObject(tile)
		st.mu.Lock()
		st.s.Services["hukou"] = flow.ServiceStatus{Waiting: 7, Open: true}
		st.mu.Unlock()
		_ = r.f.Refresh(context.Background())
		r.k.Refresh()
		now := r.k.Current().Tiles["zone:police"]
		if now != tile {
			t.Fatalf("elder %v: the refresh re-created the tile", elder)
		}
		if now.Sub != "等候 7 人" {
			t.Fatalf("elder %v: tile sub %q after the refresh", elder, now.Sub)
		}
		if p := fyne.CurrentApp().Driver().AbsolutePositionForObject(now); p != pos {
			t.Fatalf("elder %v: tile moved from %v to %v", elder, pos, p)
		}
		// The hall goes away: the offline banner shows, nothing moves.
		st.mu.Lock()
		st.s.Online = false
		st.mu.Unlock()
		_ = r.f.Refresh(context.Background())
		r.k.Refresh()
		if got := r.k.Current().Strip.Lines(); len(got) == 0 || got[0] != "与大厅服务器的连接中断，取号照常进行" {
			t.Fatalf("elder %v: strip %q", elder, got)
		}
		if p := fyne.CurrentApp().Driver().AbsolutePositionForObject(r.k.Current().Tiles["zone:police"]); p != pos {
			t.Fatalf("elder %v: the offline banner moved the tile from %v to %v", elder, pos, p)
		}
	}
}

// Elder mode: a list that does not fit is shown in pages with 上一页 and
// 下一页, each tile reachable by taps alone.
func TestElderHomeInPages(t *testing.T) {
	r := newUI(t, true) // landscape: 1080 units of height
	r.tap(t, "elder")
	sc := r.k.Current()
	if _, ok := sc.Buttons["page:next"]; !ok {
		t.Fatal("the elder landscape home has no 下一页")
	}
	if !sc.Buttons["page:prev"].Disabled() {
		t.Fatal("上一页 enabled on the first page")
	}
	seen := map[string]bool{}
	for range 10 {
		for name := range r.k.Current().Tiles {
			seen[name] = true
		}
		next := r.k.Current().Buttons["page:next"]
		if next.Disabled() {
			break
		}
		r.tap(t, "page:next")
	}
	for _, want := range []string{"zone:tax", "zone:police", "zone:estate", "appointment", "scan", "rate", "invoice"} {
		if !seen[want] {
			t.Errorf("tile %s on no page (saw %v)", want, seen)
		}
	}
	last := r.k.page
	r.tap(t, "page:prev")
	if r.k.page != last-1 {
		t.Fatalf("上一页 from page %d shows page %d", last, r.k.page)
	}
}

// The PIN pad shows whether something was typed, never how many digits.
func TestPINShowsNoLength(t *testing.T) {
	r := newUI(t, false)
	for range 5 {
		test.Tap(r.k.Current().Corner)
		r.k.Refresh()
	}
	r.waitFor(t, flow.ScreenPIN)
	r.tap(t, "pin:1")
	one := test.LaidOutObjects(r.k.Current().Content)
	r.tap(t, "pin:2")
	r.tap(t, "pin:3")
	three := test.LaidOutObjects(r.k.Current().Content)
	texts := func(os []fyne.CanvasObject) (out []string) {
		for _, o := range os {
			if f, ok := o.(*FitText); ok {
				out = append(out, f.Text)
			}
		}
		return
	}
	a, b := texts(one), texts(three)
	if len(a) != len(b) {
		t.Fatalf("%v vs %v", a, b)
	}
	for i := range a {
		if a[i] != b[i] {
			t.Fatalf("the PIN pad differs after 1 and 3 digits: %q vs %q", a[i], b[i])
		}
	}
}

// The last 10 s before the idle timeout are counted down on screen, and a
// card left on the reader is called for.
func TestCountdownAndCardReminderShown(t *testing.T) {
	r := newUI(t, false)
	s := r.f.State()
	s.Screen, s.Countdown = flow.ScreenZone, 8
	s.Zone = testCatalogue[0]
	sc := r.show(s)
	if got := sc.Strip.Lines(); len(got) != 1 || got[0] != "8 秒后返回首页，点击屏幕继续" {
		t.Fatalf("strip %q", got)
	}
	s.Countdown, s.TakeCard, s.Screen = 0, true, flow.ScreenTicket
	s.Ticket = flow.Ticket{Number: "B001", Service: "tax-reg"}
	sc = r.show(s)
	if got := sc.Strip.Lines(); len(got) != 1 || got[0] != "请取回身份证" {
		t.Fatalf("strip %q", got)
	}
}

// A closed service's tile says when it opens.
func TestClosedTileSaysWhenItOpens(t *testing.T) {
	r := newUI(t, false)
	s := r.f.State()
	s.Screen, s.Zone = flow.ScreenZone, testCatalogue[2]
	s.Opens = map[string]time.Time{"transfer": time.Date(2026, 11, 26, 8, 30, 0, 0, time.Local)}
	sc := r.show(s)
	if got := sc.Tiles["service:transfer"].Sub; got != "明天 08:30 开始" {
		t.Fatalf("closed tile %q", got)
	}
}
