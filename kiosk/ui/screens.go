package ui

import (
	"fmt"
	"image/color"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/widget"

	"hallkiosk/kiosk/flow"
)

// Colours of the special tiles on the home screen.
var (
	colAppt    = color.NRGBA{R: 0x1B, G: 0x6E, B: 0x20, A: 0xFF} // green, 6.4:1 with white
	colScan    = color.NRGBA{R: 0x5B, G: 0x2C, B: 0x83, A: 0xFF} // purple, 9.8:1
	colRate    = color.NRGBA{R: 0x9A, G: 0x3B, B: 0x00, A: 0xFF} // brown-orange, 7.0:1
	colInvoice = color.NRGBA{R: 0x00, G: 0x5F, B: 0x66, A: 0xFF} // teal, 7.4:1
)

// build makes the screen for state s.
func (k *Kiosk) build(s flow.State) *Screen {
	sc := &Screen{Kind: s.Screen, Buttons: map[string]*Button{}, Tiles: map[string]*Tile{}}
	sc.Corner = NewGesture(fyne.NewSize(MinTouch, MinTouch), k.Flow.SecretTap)
	L := s.Lang
	var body, footer fyne.CanvasObject
	switch s.Screen {
	case flow.ScreenHome:
		body, footer = k.home(sc, s), k.notices(s)
	case flow.ScreenZone:
		body = k.zone(sc, s)
		footer = k.button(sc, "back", L.T("nav.back"), false, k.Flow.Back)
	case flow.ScreenRealName:
		body = k.realName(sc, s)
		footer = k.cancelRow(sc, s, s.CanSkip)
	case flow.ScreenBusy:
		body = k.centre(centred(L.T("issue.busy"), colForeground, k.theme.Size("headingText")))
	case flow.ScreenTicket:
		body = k.ticket(sc, s)
		footer = k.button(sc, "home", L.T("nav.home"), true, k.Flow.Home)
	case flow.ScreenPrintFailed:
		body = k.printFailed(s)
		footer = grid(2, k.button(sc, "cancel", L.T("nav.cancel"), false, k.Flow.CancelPrint),
			k.button(sc, "retry", L.T("print.retry"), true, k.Flow.RetryPrint))
	case flow.ScreenMessage:
		body = k.message(s, "")
		footer = k.button(sc, "home", L.T("nav.home"), true, k.Flow.Home)
	case flow.ScreenAppointment:
		body = k.wait(s, "appt.title", "▣", s.Message)
		footer = k.cancelRow(sc, s, false)
	case flow.ScreenScan:
		body = k.wait(s, "scan.title", "▣", s.Message)
		footer = k.cancelRow(sc, s, false)
	case flow.ScreenDocument:
		body = k.document(s)
		footer = grid(2, k.button(sc, "back", L.T("home.scan"), false, k.Flow.Back),
			k.button(sc, "home", L.T("nav.home"), true, k.Flow.Home))
	case flow.ScreenRating:
		body = k.rating(sc, s)
		footer = grid(2, k.button(sc, "cancel", L.T("nav.cancel"), false, k.Flow.Home),
			k.button(sc, "submit", L.T("rate.submit"), true, k.Flow.SubmitRating))
		if s.Rating == 0 {
			sc.Buttons["submit"].Disable()
		}
	case flow.ScreenRated:
		body = k.message(s, "rate.thanks")
		footer = k.button(sc, "home", L.T("nav.home"), true, k.Flow.Home)
	case flow.ScreenInvoiceID:
		body = k.wait(s, "invoice.title", "▤", s.Message)
		footer = k.cancelRow(sc, s, false)
	case flow.ScreenInvoices:
		body = k.invoices(sc, s)
		footer = grid(2, k.button(sc, "cancel", L.T("nav.cancel"), false, k.Flow.Home),
			k.button(sc, "collect", L.T("invoice.collect"), true, k.Flow.CollectInvoices))
	case flow.ScreenInvoiceDone:
		body = k.message(s, "invoice.done")
		footer = k.button(sc, "home", L.T("nav.home"), true, k.Flow.Home)
	case flow.ScreenPIN:
		body = k.pin(sc, s)
		footer = k.button(sc, "exit", L.T("nav.cancel"), false, k.Flow.MaintExit)
	case flow.ScreenMaintenance:
		body = k.maintenance(sc, s)
		footer = k.button(sc, "exit", L.T("maint.exit"), true, k.Flow.MaintExit)
	}
	if footer != nil {
		footer = container.NewPadded(footer)
	}
	bg := canvas.NewRectangle(colBackground)
	sc.Content = container.NewStack(bg, container.NewBorder(k.header(sc, s), footer, nil, nil, container.NewPadded(body)))
	return sc
}

// header is the red band with the hall name, the hidden maintenance corner
// and, on the home screen, the language and elder-mode switches.
func (k *Kiosk) header(sc *Screen, s flow.State) fyne.CanvasObject {
	L := s.Lang
	band := canvas.NewRectangle(colHeader)
	band.SetMinSize(fyne.NewSize(0, MinTouch+20))
	name := line(s.HallName, colWhite, k.theme.Size("subHeadingText"), fyne.TextAlignLeading)
	row := container.NewHBox(sc.Corner, container.NewCenter(name), layout.NewSpacer())
	if s.Screen == flow.ScreenHome {
		elder := "home.elder.on"
		if s.Elder {
			elder = "home.elder.off"
		}
		lb := NewButton(L.T("home.lang"), false, k.textSize(), k.Flow.ToggleLang)
		eb := NewButton(L.T(elder), false, k.textSize(), k.Flow.ToggleElder)
		sc.Buttons["lang"], sc.Buttons["elder"] = lb, eb
		row.Add(container.NewCenter(container.NewHBox(minHeight(lb, MinTouch-20), minHeight(eb, MinTouch-20))))
		row.Add(canvas.NewRectangle(color.Transparent))
	}
	return container.NewStack(band, container.NewPadded(row))
}

func (k *Kiosk) title(s string) fyne.CanvasObject {
	return line(s, colForeground, k.theme.Size("headingText"), fyne.TextAlignCenter)
}

// centre stacks objs in the middle of the body at full width (so that
// wrapping paragraphs get the whole width).
func (k *Kiosk) centre(objs ...fyne.CanvasObject) fyne.CanvasObject {
	all := append([]fyne.CanvasObject{layout.NewSpacer()}, objs...)
	return container.NewVBox(append(all, layout.NewSpacer())...)
}

func (k *Kiosk) cancelRow(sc *Screen, s flow.State, skip bool) fyne.CanvasObject {
	c := k.button(sc, "cancel", s.Lang.T("nav.cancel"), false, k.Flow.Home)
	if !skip {
		return c
	}
	return grid(2, c, k.button(sc, "skip", s.Lang.T("nav.skip"), true, k.Flow.SkipRealName))
}

// home: zones (first level), the 24 h and other self-service tiles, hints.
func (k *Kiosk) home(sc *Screen, s flow.State) fyne.CanvasObject {
	L := s.Lang
	box := container.NewVBox()
	if !s.Hall.Online {
		box.Add(k.banner(L.T("home.offline"), colWarn))
	}
	if !s.Hall.Open {
		box.Add(k.banner(L.T("home.closed"), colWarn))
	}
	if s.Has.Tickets {
		box.Add(k.title(L.T("home.touch")))
		var tiles []fyne.CanvasObject
		for _, z := range s.Zones {
			waiting := 0
			for _, svc := range z.Services {
				waiting += s.Hall.Services[svc.Code].Waiting
			}
			sub := L.T("service.waiting", waiting)
			z := z
			tiles = append(tiles, k.tile(sc, "zone:"+z.Code, z.Name(L), sub, colTile, func() { k.Flow.OpenZone(z.Code) }))
		}
		box.Add(grid(k.columns(s), tiles...))
	}
	var extra []fyne.CanvasObject
	if s.Has.Appointment {
		extra = append(extra, k.tile(sc, "appointment", L.T("home.appointment"), "", colAppt, k.Flow.StartAppointment))
	}
	if s.Has.Scan {
		extra = append(extra, k.tile(sc, "scan", L.T("home.scan"), "", colScan, k.Flow.StartScan))
	}
	if s.Has.Rating {
		extra = append(extra, k.tile(sc, "rate", L.T("home.rate"), "", colRate, k.Flow.StartRating))
	}
	if s.Has.Invoices {
		extra = append(extra, k.tile(sc, "invoice", L.T("home.invoice"), "", colInvoice, k.Flow.StartInvoices))
	}
	if len(extra) > 0 {
		cols := k.columns(s)
		if k.opt.Landscape && !s.Elder {
			cols = len(extra) // one row
		}
		box.Add(widget.NewSeparator())
		box.Add(grid(cols, extra...))
	}
	return container.NewVScroll(box)
}

func (k *Kiosk) banner(msg string, c color.NRGBA) fyne.CanvasObject {
	r := canvas.NewRectangle(c)
	r.CornerRadius = 8
	t := text(msg, colWhite, k.textSize())
	return container.NewStack(r, container.NewPadded(container.NewCenter(t)))
}

func (k *Kiosk) notices(s flow.State) fyne.CanvasObject {
	if len(s.Hall.Notices) == 0 {
		return nil
	}
	var items []fyne.CanvasObject
	for _, n := range s.Hall.Notices {
		items = append(items, paragraph("· "+n, colForeground, k.textSize(), fyne.TextAlignLeading))
	}
	cols := 1
	if k.opt.Landscape {
		cols = 2
	}
	return container.NewVBox(text(s.Lang.T("home.notices"), colPrimary, k.textSize()), grid(cols, items...))
}

func (k *Kiosk) zone(sc *Screen, s flow.State) fyne.CanvasObject {
	L := s.Lang
	box := container.NewVBox(k.title(s.Zone.Name(L)), centred(L.T("zone.pick"), colMuted, k.textSize()))
	var tiles []fyne.CanvasObject
	for _, svc := range s.Zone.Services {
		st, known := s.Hall.Services[svc.Code]
		sub := ""
		if known {
			sub = L.T("service.waiting", st.Waiting)
			if st.Wait > 0 {
				sub += " · " + L.T("service.wait", minutes(st.Wait))
			}
		}
		closed := known && !st.Open || !known && !s.Hall.Open
		if closed {
			sub = L.T("service.closed")
		}
		code := svc.Code
		t := k.tile(sc, "service:"+code, svc.Name(L), sub, colTile, func() { k.Flow.PickService(code) })
		t.Disabled = closed
		tiles = append(tiles, t)
	}
	box.Add(grid(k.columns(s), tiles...))
	return container.NewVScroll(box)
}

func (k *Kiosk) big(s string, c color.Color, scale float32) *canvas.Text {
	return centred(s, c, k.textSize()*scale)
}

func (k *Kiosk) realName(sc *Screen, s flow.State) fyne.CanvasObject {
	L := s.Lang
	objs := []fyne.CanvasObject{k.title(L.T("realname.title")), k.big(s.Service.Name(L), colTile, 1.3),
		k.big("▤", colPrimary, 6), para(L.T("realname.lay"))}
	if !s.CanSkip {
		objs = append(objs, centred(L.T("realname.required"), colWarn, k.textSize()))
	} else {
		objs = append(objs, centred(L.T("realname.optional"), colMuted, k.textSize()))
	}
	if s.Message != "" && s.Message != "realname.lay" {
		objs = append(objs, centred(L.T(s.Message, s.Args...), colWarn, k.textSize()))
	}
	return k.centre(objs...)
}

func (k *Kiosk) wait(s flow.State, titleKey, glyph, hint string) fyne.CanvasObject {
	L := s.Lang
	objs := []fyne.CanvasObject{k.title(L.T(titleKey)), k.big(glyph, colPrimary, 6)}
	if hint != "" {
		objs = append(objs, para(L.T(hint, s.Args...)))
	}
	return k.centre(objs...)
}

func (k *Kiosk) ticket(sc *Screen, s flow.State) fyne.CanvasObject {
	L := s.Lang
	t := s.Ticket
	name := t.ServiceName
	if svc, ok := s.Services[t.Service]; ok {
		name = svc.Name(L)
	}
	objs := []fyne.CanvasObject{
		k.title(L.T("ticket.title")),
		centred(L.T("ticket.service", name), colForeground, k.textSize()*1.2),
		k.big(t.Number, colPrimary, 6),
	}
	if t.Priority {
		objs = append(objs, centred(L.T("ticket.priority"), colAppt, k.textSize()))
	}
	if s.Person != "" {
		objs = append(objs, line(s.Person, colMuted, k.textSize(), fyne.TextAlignCenter))
	}
	if t.Ahead >= 0 { // negative: unknown (issued offline)
		objs = append(objs, centred(L.T("ticket.ahead", t.Ahead), colForeground, k.textSize()*1.3))
	}
	if t.Wait > 0 {
		objs = append(objs, centred(L.T("ticket.wait", minutes(t.Wait)), colForeground, k.textSize()*1.1))
	}
	objs = append(objs,
		widget.NewSeparator(),
		centred(L.T("ticket.take"), colPrimary, k.textSize()*1.5))
	_ = sc
	return k.centre(objs...)
}

func (k *Kiosk) printFailed(s flow.State) fyne.CanvasObject {
	L := s.Lang
	return k.centre(k.big("!", colWarn, 5), k.title(L.T("print.failed.title")),
		k.big(s.Ticket.Number, colPrimary, 3),
		para(L.T("print.failed.what", s.Ticket.Number)), para(L.T("print.failed.void")))
}

func (k *Kiosk) message(s flow.State, key string) fyne.CanvasObject {
	if key == "" {
		key = s.Message
	}
	L := s.Lang
	glyph, col := "i", colTile
	switch key {
	case "rate.thanks", "invoice.done":
		glyph, col = "✓", colOK
	case "msg.error", "scan.untrusted", "appt.invalid", "realname.timeout":
		glyph, col = "!", colWarn
	}
	return k.centre(k.big(glyph, col, 5), para(L.T(key, s.Args...)))
}

func (k *Kiosk) document(s flow.State) fyne.CanvasObject {
	L := s.Lang
	d := s.Document
	kind := "doc.licence"
	if d.Kind == flow.DocProperty {
		kind = "doc.property"
	}
	box := container.NewVBox(k.title(L.T(kind)), line(d.Title, colTile, k.textSize()*1.2, fyne.TextAlignCenter))
	form := container.New(layout.NewFormLayout())
	for _, f := range d.Fields {
		form.Add(text(f.Label, colMuted, k.textSize()))
		form.Add(paragraph(f.Value, colForeground, k.textSize(), fyne.TextAlignLeading))
	}
	box.Add(form)
	if d.Kind == flow.DocLicence {
		box.Add(widget.NewSeparator())
		box.Add(text(L.T("doc.permits"), colPrimary, k.textSize()*1.1))
		if len(d.Permits) == 0 {
			box.Add(widget.NewLabel(L.T("doc.nopermits")))
		}
		for _, p := range d.Permits {
			pl := p.Kind + "  " + p.Number
			if p.Valid != "" {
				pl += "  " + p.Valid
			}
			box.Add(paragraph("✓ "+pl, colForeground, k.textSize(), fyne.TextAlignLeading))
		}
	}
	return container.NewVScroll(box)
}

func (k *Kiosk) rating(sc *Screen, s flow.State) fyne.CanvasObject {
	L := s.Lang
	box := container.NewVBox(k.title(L.T("rate.title")))
	if s.RateTicket != "" {
		box.Add(centred(L.T("rate.ticket", s.RateTicket), colForeground, k.textSize()))
	} else {
		box.Add(centred(L.T("rate.scan"), colMuted, k.textSize()))
	}
	stars := func(n int) string { return strings.Repeat("★", n) + strings.Repeat("☆", 5-n) }
	for lvl := 5; lvl >= 1; lvl-- {
		lvl := lvl
		b := k.button(sc, fmt.Sprintf("rate:%d", lvl), stars(lvl)+"  "+L.T(fmt.Sprintf("rate.%d", lvl)), s.Rating == lvl,
			func() { k.Flow.SetRating(lvl) })
		box.Add(b)
	}
	if s.Rating > 0 && s.Rating <= 2 {
		box.Add(text(L.T("rate.reasons"), colPrimary, k.textSize()))
		var rs []fyne.CanvasObject
		for _, r := range s.ReasonChoices {
			r := r
			on := false
			for _, x := range s.Reasons {
				on = on || x == r
			}
			mark := "□ "
			if on {
				mark = "■ "
			}
			rs = append(rs, k.button(sc, "reason:"+r, mark+L.T(r), on, func() { k.Flow.ToggleReason(r) }))
		}
		box.Add(grid(2, rs...))
	}
	return container.NewVScroll(box)
}

func (k *Kiosk) invoices(sc *Screen, s flow.State) fyne.CanvasObject {
	L := s.Lang
	box := container.NewVBox(k.title(L.T("invoice.title")), line(s.Person, colMuted, k.textSize(), fyne.TextAlignCenter),
		centred(L.T("invoice.pick"), colForeground, k.textSize()))
	for i, inv := range s.Invoices {
		i := i
		mark := "□ "
		if i < len(s.Selected) && s.Selected[i] {
			mark = "■ "
		}
		label := mark + L.T("invoice.item", inv.Number, inv.Seller, inv.Amount)
		box.Add(k.button(sc, fmt.Sprintf("invoice:%d", i), label, false, func() { k.Flow.ToggleInvoice(i) }))
	}
	return container.NewVScroll(box)
}

func (k *Kiosk) pin(sc *Screen, s flow.State) fyne.CanvasObject {
	L := s.Lang
	dots := strings.Repeat("●", s.PINLen) + strings.Repeat("○", max(0, 4-s.PINLen))
	box := container.NewVBox(k.title(L.T("maint.pin")), k.big(dots, colForeground, 2))
	if s.Message != "" {
		box.Add(centred(L.T(s.Message, s.Args...), colWarn, k.textSize()))
	}
	var keys []fyne.CanvasObject
	for _, d := range "123456789C0✓" {
		d := d
		name, label := "pin:"+string(d), string(d)
		tap := func() { k.Flow.PINDigit(byte(d)) }
		switch d {
		case 'C':
			name, tap = "pin:clear", k.Flow.PINClear
		case '✓':
			name, tap = "pin:ok", k.Flow.PINSubmit
		}
		keys = append(keys, k.button(sc, name, label, d == '✓', tap))
	}
	box.Add(container.NewBorder(nil, nil, spacerW(k.pinMargin()), spacerW(k.pinMargin()), grid(3, keys...)))
	return box
}

func (k *Kiosk) maintenance(sc *Screen, s flow.State) fyne.CanvasObject {
	L := s.Lang
	box := container.NewVBox(k.title(L.T("maint.title")), text(L.T("maint.devices"), colPrimary, k.textSize()))
	for _, d := range s.Health {
		state, col := L.T("maint.ok"), colOK
		if !d.OK {
			state, col = L.T("maint.fault"), colWarn
		}
		row := container.NewHBox(text(d.Name, colForeground, k.textSize()), text(state, col, k.textSize()),
			text(d.Detail, colMuted, k.textSize()*0.8))
		box.Add(row)
	}
	var ops []fyne.CanvasObject
	for _, op := range []struct {
		key string
		fn  func()
	}{{"maint.testprint", k.Flow.MaintTestPrint}, {"maint.idtest", k.Flow.MaintIDTest}, {"maint.scantest", k.Flow.MaintScanTest},
		{"maint.sync", k.Flow.MaintSync}, {"maint.logs", k.Flow.MaintLogs}, {"maint.config", k.Flow.MaintConfig}} {
		ops = append(ops, k.button(sc, op.key, L.T(op.key), false, op.fn))
		if s.Busy {
			sc.Buttons[op.key].Disable()
		}
	}
	box.Add(grid(3, ops...))
	if len(s.MaintOutput) > 0 {
		out := append([]string{L.T(s.MaintOutput[0])}, s.MaintOutput[1:]...)
		if s.Busy {
			out = append(out, L.T("maint.waiting"))
		}
		t := widget.NewLabel(strings.Join(out, "\n"))
		t.Wrapping = fyne.TextWrapBreak
		box.Add(t)
	}
	return container.NewVScroll(box)
}

// spacerW is an empty object w wide.
func spacerW(w float32) fyne.CanvasObject {
	r := canvas.NewRectangle(color.Transparent)
	r.SetMinSize(fyne.NewSize(w, 0))
	return r
}

// pinMargin keeps the PIN pad about 700 units wide.
func (k *Kiosk) pinMargin() float32 {
	return (k.opt.Size().Width - 700) / 2
}
