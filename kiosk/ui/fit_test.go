package ui

import (
	"fmt"
	"image/color"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"hallkiosk/kiosk/flow"
	"hallkiosk/kiosk/i18n"
)

// screenStates returns a state for every screen, filled with the longest
// texts the kiosk meets (English names, every reason chosen, long device
// errors, many invoices), based on base (catalogue, features, hall).
func screenStates(base flow.State) []flow.State {
	var out []flow.State
	add := func(sc flow.Screen, f func(*flow.State)) {
		s := base
		s.Screen = sc
		if f != nil {
			f(&s)
		}
		out = append(out, s)
	}
	long := "adapters: id card: idcard: wait card: read /dev/serial/by-id/usb-Synjones_SS728M05_reader-if00-port0: input/output error; reconnecting every 2s (17 attempts)"
	add(flow.ScreenHome, nil)
	add(flow.ScreenHome, func(s *flow.State) {
		s.Hall.Online, s.Hall.Open = false, false
		s.Reopen, s.Lunch = time.Date(2026, 11, 26, 8, 30, 0, 0, time.Local), false
		s.Faults = flow.Faults{Printer: flow.PrinterPaper, Reader: true}
		s.Countdown, s.TakeCard = 7, true
	})
	for _, z := range base.Zones {
		add(flow.ScreenZone, func(s *flow.State) { s.Zone = z })
	}
	svc := base.Zones[0].Services[0]
	add(flow.ScreenRealName, func(s *flow.State) { s.Service, s.CanSkip, s.Message = svc, true, "realname.failed" })
	add(flow.ScreenRealName, func(s *flow.State) { s.Service = svc; s.Message = "realname.lay" })
	add(flow.ScreenBusy, nil)
	ticket := flow.Ticket{Number: "A105", Service: svc.Code, ServiceName: svc.NameZH, Ahead: 12, Wait: 35 * time.Minute, Priority: true}
	add(flow.ScreenTicket, func(s *flow.State) { s.Ticket, s.Person, s.TakeCard, s.Countdown = ticket, "张*三", true, 9 })
	add(flow.ScreenPrintFailed, func(s *flow.State) { s.Ticket = ticket })
	add(flow.ScreenPrintFailed, func(s *flow.State) { s.Ticket = ticket; s.Faults.Printer = flow.PrinterPaper })
	for _, key := range []string{"msg.closed", "msg.lunch", "msg.cap", "msg.error", "msg.paperout",
		"msg.printerfault", "msg.readerfault", "invoice.unavailable", "scan.untrusted", "rate.notrateable", "appt.invalid"} {
		add(flow.ScreenMessage, func(s *flow.State) {
			s.Message = key
			switch key {
			case "msg.closed", "msg.lunch":
				s.Args = []any{i18n.At{T: time.Date(2026, 11, 26, 14, 0, 0, 0, time.Local), Now: time.Date(2026, 11, 25, 18, 0, 0, 0, time.Local)}}
			case "rate.notrateable":
				s.Args = []any{"A105"}
			}
		})
	}
	add(flow.ScreenAppointment, func(s *flow.State) { s.Message = "appt.how" })
	add(flow.ScreenScan, func(s *flow.State) { s.Message = "scan.how" })
	doc := flow.Document{Kind: flow.DocLicence, Title: "玉门市好味道餐饮管理服务有限责任公司第一分公司"}
	for i := range 9 {
		doc.Fields = append(doc.Fields, flow.Field{Label: "统一社会信用代码", Value: fmt.Sprintf("91620981MA74XXXX%dK 经营范围：餐饮服务；食品销售；预包装食品零售；酒类零售", i)})
	}
	for i := range 6 {
		doc.Permits = append(doc.Permits, flow.Permit{Kind: "食品经营许可证", Number: fmt.Sprintf("JY1620981000012%d", i), Valid: "2028-05-31"})
	}
	add(flow.ScreenDocument, func(s *flow.State) { s.Document = doc })
	add(flow.ScreenRating, func(s *flow.State) {
		s.Rating, s.RateTicket, s.Reasons = 1, "A105", append([]string(nil), s.ReasonChoices...)
	})
	add(flow.ScreenRating, func(s *flow.State) { s.Message = "rate.noserved" })
	add(flow.ScreenRated, nil)
	add(flow.ScreenInvoiceID, func(s *flow.State) { s.Message = "invoice.lay" })
	add(flow.ScreenInvoices, func(s *flow.State) {
		s.Person = "张*三"
		for i := range 14 {
			s.Invoices = append(s.Invoices, flow.Invoice{ID: fmt.Sprint(i), Number: fmt.Sprintf("246220000000123456%02d", i),
				Seller: "玉门市福康大药房连锁经营有限公司", Amount: "12800.00"})
			s.Selected = append(s.Selected, i%2 == 0)
		}
	})
	add(flow.ScreenInvoiceDone, nil)
	add(flow.ScreenPIN, func(s *flow.State) { s.PINLen, s.Message, s.Args = 3, "maint.pin.locked", []any{"10:35:00"} })
	add(flow.ScreenMaintenance, func(s *flow.State) {
		s.Health = []flow.DeviceStatus{{Name: "hall", OK: false, Detail: long}, {Name: "idcard", OK: false, Detail: long},
			{Name: "scanner", OK: true, Detail: "/dev/ttyACM0"}, {Name: "printer", OK: false, Detail: "paper out; " + long},
			{Name: "voice", OK: false, Detail: "no sound card"}}
		s.MaintOutput = []string{"maint.logs"}
		for range 20 {
			s.MaintOutput = append(s.MaintOutput, "2026-11-25T10:00:00 WARN "+long)
		}
	})
	return out
}

// show puts the screen for s on the window, laid out.
func (r *uiRig) show(s flow.State) *Screen {
	if s.Elder != r.k.theme.Elder {
		r.k.theme = &Theme{Elder: s.Elder}
		r.k.App.Settings().SetTheme(r.k.theme)
	}
	r.k.lang = s.Lang
	r.k.page = 0
	sc := r.k.build(s)
	r.k.cur = sc
	r.k.root.Objects = []fyne.CanvasObject{sc.Content}
	r.k.root.Refresh()
	r.k.Win.Resize(r.k.opt.Size())
	return sc
}

// TestEveryScreenFitsTheWindow builds every screen in Chinese and English,
// portrait 1080×1920 and landscape 1920×1080, standard and elder mode, and
// fails when a screen's minimum size exceeds the window. In elder mode it
// also checks 工信部 适老化: text at least 18 dp (1 unit = 1 dp on the
// kiosk's panel, see MinTouch), touch targets at least 60×60 dp.
func TestEveryScreenFitsTheWindow(t *testing.T) {
	for _, landscape := range []bool{false, true} {
		r := newUI(t, landscape)
		base := r.f.State()
		win := r.k.opt.Size()
		for _, lang := range []i18n.Lang{i18n.ZH, i18n.EN} {
			for _, elder := range []bool{false, true} {
				for i, s := range screenStates(base) {
					s.Lang, s.Elder = lang, elder
					name := fmt.Sprintf("%v/%s/%s/elder=%v/%d", s.Screen, lang, map[bool]string{false: "portrait", true: "landscape"}[landscape], elder, i)
					sc := r.show(s)
					if m := sc.Content.MinSize(); m.Width > win.Width || m.Height > win.Height {
						t.Errorf("%s: minimum size %v exceeds the window %v", name, m, win)
					}
					if c := r.k.Win.Canvas().Size(); c != win {
						t.Errorf("%s: canvas %v, window %v", name, c, win)
					}
					for _, o := range test.LaidOutObjects(sc.Content) {
						switch x := o.(type) {
						case *canvas.Text:
							if elder && x.Text != "" && x.TextSize < 18 {
								t.Errorf("%s: text %q at %.1f, want >= 18 in elder mode", name, x.Text, x.TextSize)
							}
						case *Button:
							if sz := x.Size(); elder && (sz.Width < 60 || sz.Height < 60) {
								t.Errorf("%s: button %q is %v, want >= 60x60 in elder mode", name, x.Text, sz)
							}
						case *Tile:
							if sz := x.Size(); elder && (sz.Width < 60 || sz.Height < 60) {
								t.Errorf("%s: tile %q is %v, want >= 60x60 in elder mode", name, x.Title, sz)
							}
						case *widget.Label, *widget.Entry:
							_ = x
						}
					}
				}
			}
		}
	}
}

// The journey: Home → English → 好差评 → 1 star → 取消 → 中文 left the
// Chinese home 60 px wider than the panel for every later citizen.
func TestLanguageSwitchDoesNotStick(t *testing.T) {
	r := newUI(t, false)
	win := r.k.opt.Size()
	r.tap(t, "lang")
	r.tap(t, "rate")
	r.tap(t, "rate:1")
	r.tap(t, "cancel")
	r.tap(t, "lang")
	if r.k.Current().Kind != flow.ScreenHome || r.f.State().Lang != i18n.ZH {
		t.Fatalf("screen %v lang %v", r.k.Current().Kind, r.f.State().Lang)
	}
	if m := r.k.Current().Content.MinSize(); m.Width > win.Width || m.Height > win.Height {
		t.Fatalf("home after the journey: minimum %v, window %v", m, win)
	}
	if c := r.k.Win.Canvas().Size(); c != win {
		t.Fatalf("canvas %v after the journey, want %v", c, win)
	}
	el := r.k.Current().Buttons["elder"]
	pos := fyne.CurrentApp().Driver().AbsolutePositionForObject(el)
	if pos.X+el.Size().Width > win.Width {
		t.Fatalf("长者模式 ends at %v, beyond the window's %v", pos.X+el.Size().Width, win.Width)
	}
}

// TestContrastOfEveryText walks every screen in elder mode and computes the
// contrast of each text against what lies behind it (the tile, the button,
// the status band or the paper background): at least 4.5:1.
func TestContrastOfEveryText(t *testing.T) {
	for _, landscape := range []bool{false, true} {
		r := newUI(t, landscape)
		for i, s := range screenStates(r.f.State()) {
			s.Elder = true
			sc := r.show(s)
			walkContrast(t, fmt.Sprintf("%v/%d", s.Screen, i), sc.Content, colBackground)
		}
	}
}

func walkContrast(t *testing.T, name string, o fyne.CanvasObject, bg color.Color) {
	t.Helper()
	check := func(txt string, fg color.Color) {
		if txt == "" {
			return
		}
		if c := contrast(fg, bg); c < 4.5 {
			t.Errorf("%s: %q contrast %.2f:1 (fg %v on %v), want >= 4.5", name, txt, c, fg, bg)
		}
	}
	switch x := o.(type) {
	case *canvas.Text:
		fg := x.Color
		if fg == nil {
			fg = colForeground
		}
		check(x.Text, fg)
	case *FitText:
		check(x.Text, x.Color)
	case *Tile:
		fill := x.fill
		if x.Disabled || x.Muted {
			fill = colDisabled
		}
		for _, c := range test.WidgetRenderer(x).Objects() {
			walkContrast(t, name, c, fill)
		}
	case *Button:
		r := test.WidgetRenderer(x).(*buttonRenderer)
		walkContrast(t, name, r.label, r.bg.FillColor)
	case *Strip:
		for i := range x.texts {
			if x.texts[i].Text != "" {
				walkContrast(t, name, x.texts[i], x.bands[i].FillColor)
			}
		}
	case *fyne.Container:
		cur := bg
		for _, c := range x.Objects {
			if rect, ok := c.(*canvas.Rectangle); ok {
				if _, _, _, a := rect.FillColor.RGBA(); rect.FillColor != nil && a == 0xFFFF {
					cur = rect.FillColor
				}
				continue
			}
			walkContrast(t, name, c, cur)
		}
	case fyne.Widget:
		for _, c := range test.WidgetRenderer(x).Objects() {
			walkContrast(t, name, c, bg)
		}
	}
}

var _ = strings.Contains
