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
	"hallkiosk/kiosk/i18n"
)

// Colours of the special tiles on the home screen.
var (
	colAppt    = color.NRGBA{R: 0x1B, G: 0x6E, B: 0x20, A: 0xFF} // green, 6.4:1 with white
	colScan    = color.NRGBA{R: 0x5B, G: 0x2C, B: 0x83, A: 0xFF} // purple, 9.8:1
	colRate    = color.NRGBA{R: 0x9A, G: 0x3B, B: 0x00, A: 0xFF} // brown-orange, 7.0:1
	colInvoice = color.NRGBA{R: 0x00, G: 0x5F, B: 0x66, A: 0xFF} // teal, 7.4:1
)

// Every screen is header, status strip, body and footer. Nothing scrolls
// (a finger cannot drag Fyne's scroll containers on a touchscreen): lists
// that do not fit are shown as pages with 上一页 / 下一页 buttons, and
// long texts wrap or shrink (FitText), so that no screen is ever larger
// than the window (TestEveryScreenFitsTheWindow).

// build makes the screen for state s.
func (k *Kiosk) build(s flow.State) *Screen {
	sc := &Screen{Kind: s.Screen, Buttons: map[string]*Button{}, Tiles: map[string]*Tile{}}
	sc.Corner = NewGesture(fyne.NewSize(MinTouch, MinTouch), k.act(flow.Act(flow.ActCorner)))
	L := s.Lang
	var footer fyne.CanvasObject
	switch s.Screen {
	case flow.ScreenHome:
		footer = k.notices(s)
	case flow.ScreenZone:
		footer = k.actButton(sc, flow.Act(flow.ActBack), L.T("nav.back"), false)
	case flow.ScreenRealName, flow.ScreenAppointment, flow.ScreenScan, flow.ScreenInvoiceID:
		footer = k.cancelRow(sc, s, s.Screen == flow.ScreenRealName && s.CanSkip)
	case flow.ScreenTicket, flow.ScreenMessage, flow.ScreenRated, flow.ScreenInvoiceDone:
		footer = k.actButton(sc, flow.Act(flow.ActHome), L.T("nav.home"), true)
	case flow.ScreenPrintFailed:
		if s.Faults.Printer == flow.PrinterOK {
			footer = grid(2, k.actButton(sc, flow.Act(flow.ActCancel), L.T("nav.cancel"), false),
				k.actButton(sc, flow.Act(flow.ActRetry), L.T("print.retry"), true))
		} else { // no paper: printing again cannot help
			footer = k.actButton(sc, flow.Act(flow.ActCancel), L.T("nav.home"), true)
		}
	case flow.ScreenDocument:
		footer = grid(2, k.actButton(sc, flow.Act(flow.ActBack), L.T("home.scan"), false),
			k.actButton(sc, flow.Act(flow.ActHome), L.T("nav.home"), true))
	case flow.ScreenRating:
		footer = grid(2, k.actButton(sc, flow.Act(flow.ActCancel), L.T("nav.cancel"), false),
			k.actButton(sc, flow.Act(flow.ActSubmit), L.T("rate.submit"), true))
		if s.Rating == 0 {
			sc.Buttons["submit"].Disable()
		}
	case flow.ScreenInvoices:
		footer = grid(2, k.actButton(sc, flow.Act(flow.ActCancel), L.T("nav.cancel"), false),
			k.actButton(sc, flow.Act(flow.ActCollect), L.T("invoice.collect"), true))
	case flow.ScreenPIN:
		footer = k.actButton(sc, flow.Act(flow.ActExit), L.T("nav.cancel"), false)
	case flow.ScreenMaintenance:
		footer = k.actButton(sc, flow.Act(flow.ActExit), L.T("maint.exit"), true)
	}
	if footer != nil {
		footer = container.NewPadded(footer)
	}
	header := k.header(sc, s)
	sc.Strip = k.strip(s)
	top := container.NewVBox(header, sc.Strip)
	// The body gets what is left of the window.
	k.bodySize = fyne.NewSize(k.opt.Size().Width-4*padding, k.opt.Size().Height-top.MinSize().Height-4*padding)
	if footer != nil {
		k.bodySize.Height -= footer.MinSize().Height + padding
	}
	var body fyne.CanvasObject
	switch s.Screen {
	case flow.ScreenHome:
		body = k.home(sc, s)
	case flow.ScreenZone:
		body = k.zone(sc, s)
	case flow.ScreenRealName:
		body = k.realName(sc, s)
	case flow.ScreenBusy:
		body = k.centre(k.title(L.T("issue.busy")))
	case flow.ScreenTicket:
		body = k.ticket(sc, s)
	case flow.ScreenPrintFailed:
		body = k.printFailed(s)
	case flow.ScreenMessage:
		body = k.message(s, "")
	case flow.ScreenAppointment:
		body = k.wait(s, "appt.title", "▣", s.Message)
	case flow.ScreenScan:
		body = k.wait(s, "scan.title", "▣", s.Message)
	case flow.ScreenDocument:
		body = k.document(sc, s)
	case flow.ScreenRating:
		body = k.rating(sc, s)
	case flow.ScreenRated:
		body = k.message(s, "rate.thanks")
	case flow.ScreenInvoiceID:
		body = k.wait(s, "invoice.title", "▤", s.Message)
	case flow.ScreenInvoices:
		body = k.invoices(sc, s)
	case flow.ScreenInvoiceDone:
		body = k.message(s, "invoice.done")
	case flow.ScreenPIN:
		body = k.pin(sc, s)
	case flow.ScreenMaintenance:
		body = k.maintenance(sc, s)
	}
	if body == nil {
		body = layout.NewSpacer()
	}
	bg := canvas.NewRectangle(colBackground)
	sc.Content = container.NewStack(bg, container.NewBorder(top, footer, nil, nil, container.NewPadded(body)))
	return sc
}

const padding = 10 // theme.SizeNamePadding

// header is the red band with the hall name, the hidden maintenance corner
// and, on the home screen, the language and elder-mode switches.
func (k *Kiosk) header(sc *Screen, s flow.State) fyne.CanvasObject {
	L := s.Lang
	band := canvas.NewRectangle(colHeader)
	band.SetMinSize(fyne.NewSize(0, MinTouch+20))
	hall := s.HallName
	if L == i18n.EN && s.HallNameEN != "" {
		hall = s.HallNameEN
	}
	name := NewFitText(hall, colWhite, k.theme.Size("subHeadingText"))
	name.Align = fyne.TextAlignLeading
	var right fyne.CanvasObject
	if s.Screen == flow.ScreenHome {
		elder := "home.elder.on"
		if s.Elder {
			elder = "home.elder.off"
		}
		lang, eld := flow.Act(flow.ActLang), flow.Act(flow.ActElder)
		lb := k.newButton(L.T("home.lang"), false, k.act(lang))
		eb := k.newButton(L.T(elder), false, k.act(eld))
		sc.Buttons[lang.String()], sc.Buttons[eld.String()] = lb, eb
		// Fixed widths: the switches stay where they are in both languages.
		w := float32(230)
		if s.Elder {
			w = 300
		}
		fixed := func(b *Button) fyne.CanvasObject {
			r := canvas.NewRectangle(color.Transparent)
			r.SetMinSize(fyne.NewSize(w, MinTouch-20))
			return container.NewStack(r, b)
		}
		right = container.NewCenter(container.NewHBox(fixed(lb), fixed(eb)))
	}
	row := container.NewBorder(nil, nil, sc.Corner, right, name)
	return container.NewStack(band, container.NewPadded(row))
}

// strip is the status line under the header, its height reserved on every
// screen so that a banner appearing moves nothing: home shows the hall's
// and the devices' state (two lines), every screen the idle countdown and
// the reminder to take the ID card.
func (k *Kiosk) strip(s flow.State) *Strip {
	lines := 1
	if s.Screen == flow.ScreenHome {
		lines = 2
	}
	st := NewStrip(lines, k.textSize())
	k.fillStrip(st, s)
	return st
}

// fillStrip sets the strip's lines for s (also when patching in place).
func (k *Kiosk) fillStrip(st *Strip, s flow.State) {
	L := s.Lang
	var msgs []StripLine
	if s.Countdown > 0 {
		msgs = append(msgs, StripLine{L.T("home.countdown", s.Countdown), colPrimary})
	}
	if s.TakeCard {
		msgs = append(msgs, StripLine{L.T("card.take"), colPrimary})
	}
	if s.Screen == flow.ScreenHome {
		switch s.Faults.Printer {
		case flow.PrinterPaper:
			msgs = append(msgs, StripLine{L.T("home.paperout"), colWarn})
		case flow.PrinterFailure:
			msgs = append(msgs, StripLine{L.T("home.printerfault"), colWarn})
		}
		if s.Faults.Reader {
			msgs = append(msgs, StripLine{L.T("home.readerfault"), colWarn})
		}
		if !s.Hall.Online {
			msgs = append(msgs, StripLine{L.T("home.offline"), colWarn})
		}
		if !s.Hall.Open {
			msgs = append(msgs, StripLine{k.closedText(s), colWarn})
		}
	}
	st.Set(msgs)
}

// closedText is the home banner of a closed hall, with the reopening time
// when known (lunch break or end of day).
func (k *Kiosk) closedText(s flow.State) string {
	L := s.Lang
	switch {
	case s.Reopen.IsZero():
		return L.T("home.closed")
	case s.Lunch:
		return L.T("home.lunch", i18n.At{T: s.Reopen, Now: k.now()})
	}
	return L.T("home.closed.until", i18n.At{T: s.Reopen, Now: k.now()})
}

func (k *Kiosk) title(s string) fyne.CanvasObject {
	return NewFitText(s, colForeground, k.theme.Size("headingText"))
}

// centre stacks objs in the middle of the body at full width.
func (k *Kiosk) centre(objs ...fyne.CanvasObject) fyne.CanvasObject {
	all := append([]fyne.CanvasObject{layout.NewSpacer()}, objs...)
	return container.NewVBox(append(all, layout.NewSpacer())...)
}

func (k *Kiosk) cancelRow(sc *Screen, s flow.State, skip bool) fyne.CanvasObject {
	c := k.actButton(sc, flow.Act(flow.ActCancel), s.Lang.T("nav.cancel"), false)
	if !skip {
		return c
	}
	return grid(2, c, k.actButton(sc, flow.Act(flow.ActSkip), s.Lang.T("nav.skip"), true))
}

// ticketsBlocked is the tile hint when no ticket can be printed ("" when
// tickets can be taken).
func ticketsBlocked(s flow.State) string {
	switch s.Faults.Printer {
	case flow.PrinterPaper:
		return s.Lang.T("service.paused")
	case flow.PrinterFailure:
		return s.Lang.T("service.paused.printer")
	}
	return ""
}

// home: zones (first level), the 24 h and other self-service tiles.
func (k *Kiosk) home(sc *Screen, s flow.State) fyne.CanvasObject {
	L := s.Lang
	blocked := ticketsBlocked(s)
	var zones, extra []fyne.CanvasObject
	if s.Has.Tickets {
		for _, z := range s.Zones {
			waiting, open := 0, false
			for _, svc := range z.Services {
				st, known := s.Hall.Services[svc.Code]
				waiting += st.Waiting
				open = open || known && st.Open || !known && s.Hall.Open
			}
			sub := L.T("service.waiting", waiting)
			if !open {
				sub = L.T("service.closed")
			}
			if blocked != "" {
				sub = blocked
			}
			t := k.actTile(sc, flow.ActText(flow.ActZone, z.Code), z.Name(L), sub, colTile)
			t.Disabled = blocked != ""
			zones = append(zones, t)
		}
	}
	if s.Has.Appointment {
		t := k.actTile(sc, flow.Act(flow.ActAppointment), L.T("home.appointment"), blocked, colAppt)
		t.Disabled = blocked != ""
		extra = append(extra, t)
	}
	if s.Has.Scan {
		extra = append(extra, k.actTile(sc, flow.Act(flow.ActScan), L.T("home.scan"), "", colScan))
	}
	if s.Has.Rating {
		extra = append(extra, k.actTile(sc, flow.Act(flow.ActRate), L.T("home.rate"), "", colRate))
	}
	if s.Has.Invoices {
		sub := blocked
		if sub == "" && s.Faults.Reader {
			sub = L.T("service.reader")
		}
		t := k.actTile(sc, flow.Act(flow.ActInvoices), L.T("home.invoice"), sub, colInvoice)
		t.Disabled = sub != ""
		extra = append(extra, t)
	}
	var head []fyne.CanvasObject
	if len(zones) > 0 {
		head = append(head, k.title(L.T("home.touch")))
	}
	cols := k.columns(s)
	// Zones and self-service in two groups when all fits; else one list in
	// pages.
	ecols := cols
	if k.opt.Landscape && !s.Elder && len(extra) > 0 {
		ecols = len(extra) // one row
	}
	whole := container.NewVBox(head...)
	if len(zones) > 0 {
		whole.Add(grid(cols, zones...))
	}
	if len(extra) > 0 {
		if len(zones) > 0 {
			whole.Add(widget.NewSeparator())
		}
		whole.Add(grid(ecols, extra...))
	}
	if whole.MinSize().Height <= k.bodySize.Height {
		return whole
	}
	return k.paged(sc, head, append(zones, extra...), cols)
}

// paged shows head, then as many items (of equal height, in cols columns)
// as fit the body, with 上一页 / 下一页 buttons when they do not all fit.
func (k *Kiosk) paged(sc *Screen, head, items []fyne.CanvasObject, cols int) fyne.CanvasObject {
	if cols < 1 {
		cols = 1
	}
	box := container.NewVBox(head...)
	avail := k.bodySize.Height - box.MinSize().Height
	if len(head) > 0 {
		avail -= padding
	}
	if len(items) == 0 {
		return box
	}
	ih := float32(0)
	for _, it := range items {
		ih = max(ih, it.MinSize().Height)
	}
	rows := func(h float32) int { return max(1, int((h+padding)/(ih+padding))) }
	per := rows(avail) * cols
	if len(items) > per {
		nav := k.newButton("", false, nil).MinSize().Height
		per = rows(avail-max(nav, MinTouch)-padding) * cols
	}
	if len(items) <= per {
		box.Add(grid(cols, items...))
		return box
	}
	pages := (len(items) + per - 1) / per
	p := min(max(k.page, 0), pages-1)
	k.page = p
	from, to := p*per, min(len(items), (p+1)*per)
	shown := items[from:to]
	// Hidden tiles of other pages are left out of the tile map: a test or
	// the control of the screen can only tap what a finger can.
	for name, t := range sc.Tiles {
		keep := false
		for _, o := range shown {
			keep = keep || o == fyne.CanvasObject(t)
		}
		if !keep {
			delete(sc.Tiles, name)
		}
	}
	for name, b := range sc.Buttons {
		for _, o := range items[:from] {
			if inObj(o, b) {
				delete(sc.Buttons, name)
			}
		}
		for _, o := range items[to:] {
			if inObj(o, b) {
				delete(sc.Buttons, name)
			}
		}
	}
	// Fill the page up so that rows keep their height.
	g := grid(cols, shown...)
	for i := len(shown); i < per; i++ {
		r := canvas.NewRectangle(color.Transparent)
		r.SetMinSize(fyne.NewSize(0, ih))
		g.Add(r)
	}
	prev := k.button(sc, "page:prev", "◀ "+k.lang.T("page.prev"), false, func() { k.turn(-1) })
	next := k.button(sc, "page:next", k.lang.T("page.next")+" ▶", true, func() { k.turn(1) })
	if p == 0 {
		sc.Buttons["page:prev"].Disable()
	}
	if p == pages-1 {
		sc.Buttons["page:next"].Disable()
	}
	of := NewFitText(k.lang.T("page.of", p+1, pages), colMuted, k.textSize())
	box.Add(g)
	box.Add(grid(3, prev, of, next))
	return box
}

// inObj reports whether b is o or inside o.
func inObj(o fyne.CanvasObject, b *Button) bool {
	if o == fyne.CanvasObject(b) {
		return true
	}
	if c, ok := o.(*fyne.Container); ok {
		for _, x := range c.Objects {
			if inObj(x, b) {
				return true
			}
		}
	}
	return false
}

func (k *Kiosk) notices(s flow.State) fyne.CanvasObject {
	if len(s.Hall.Notices) == 0 {
		return nil
	}
	cols := 1
	if k.opt.Landscape {
		cols = 2
	}
	w := (k.opt.Size().Width-4*padding)/float32(cols) - padding
	var items []fyne.CanvasObject
	for _, n := range s.Hall.NoticesIn(s.Lang == i18n.EN) {
		items = append(items, k.lines("· "+n, colForeground, k.textSize(), w, 2, fyne.TextAlignLeading))
	}
	head := NewFitText(s.Lang.T("home.notices"), colPrimary, k.textSize())
	head.Align = fyne.TextAlignLeading
	return container.NewVBox(head, grid(cols, items...))
}

func (k *Kiosk) zone(sc *Screen, s flow.State) fyne.CanvasObject {
	L := s.Lang
	head := []fyne.CanvasObject{k.title(s.Zone.Name(L)), NewFitText(L.T("zone.pick"), colMuted, k.textSize())}
	blocked := ticketsBlocked(s)
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
		muted := false
		switch {
		case blocked != "":
			sub = blocked
		case closed:
			sub = L.T("service.closed")
			if at, ok := s.Opens[svc.Code]; ok {
				sub = L.T("service.opens", i18n.At{T: at, Now: k.now()})
			}
			muted = true // tapped, it says why and when it opens
		case s.Faults.Reader && svc.RealName == flow.RealNameRequired:
			sub, muted = L.T("service.reader"), true
		}
		t := k.actTile(sc, flow.ActText(flow.ActService, svc.Code), svc.Name(L), sub, colTile)
		t.Disabled, t.Muted = blocked != "", muted
		tiles = append(tiles, t)
	}
	return k.paged(sc, head, tiles, k.columns(s))
}

func (k *Kiosk) big(s string, c color.Color, scale float32) fyne.CanvasObject {
	if k.opt.Landscape {
		scale *= 0.7 // 1080 units of height
	}
	return NewFitText(s, c, k.textSize()*scale)
}

// para is a paragraph wrapped to the body's width.
func (k *Kiosk) para(s string, c color.Color) fyne.CanvasObject {
	return k.lines(s, c, k.textSize(), k.bodySize.Width, 0, fyne.TextAlignCenter)
}

// lines wraps s to width w in lines of FitText (at most maxLines, 0: no
// limit; the last shortened with "…").
func (k *Kiosk) lines(s string, c color.Color, size, w float32, maxLines int, align fyne.TextAlign) fyne.CanvasObject {
	ls := wrapText(s, size, w)
	if maxLines > 0 && len(ls) > maxLines {
		ls = append(ls[:maxLines-1:maxLines-1], strings.Join(ls[maxLines-1:], ""))
	}
	box := container.NewVBox()
	box.Layout = layout.NewCustomPaddedVBoxLayout(0)
	for _, l := range ls {
		if !covered(l) {
			box.Add(line(l, c, size, align))
			continue
		}
		t := NewFitText(l, c, size)
		t.Align = align
		box.Add(t)
	}
	return box
}

func (k *Kiosk) realName(sc *Screen, s flow.State) fyne.CanvasObject {
	L := s.Lang
	objs := []fyne.CanvasObject{k.title(L.T("realname.title")), k.big(s.Service.Name(L), colTile, 1.3),
		k.big("▤", colPrimary, 5), k.para(L.T("realname.lay"), colForeground)}
	if !s.CanSkip {
		objs = append(objs, k.para(L.T("realname.required"), colWarn))
	} else {
		objs = append(objs, k.para(L.T("realname.optional"), colMuted))
	}
	if s.Message != "" && s.Message != "realname.lay" {
		objs = append(objs, k.para(L.T(s.Message, s.Args...), colWarn))
	}
	return k.centre(objs...)
}

func (k *Kiosk) wait(s flow.State, titleKey, glyph, hint string) fyne.CanvasObject {
	L := s.Lang
	objs := []fyne.CanvasObject{k.title(L.T(titleKey)), k.big(glyph, colPrimary, 5)}
	if hint != "" {
		objs = append(objs, k.para(L.T(hint, s.Args...), colForeground))
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
		NewFitText(L.T("ticket.service", name), colForeground, k.textSize()*1.2),
		k.big(t.Number, colPrimary, 5),
	}
	if t.Priority {
		objs = append(objs, NewFitText(L.T("ticket.priority"), colAppt, k.textSize()))
	}
	if s.Person != "" {
		objs = append(objs, line(s.Person, colMuted, k.textSize(), fyne.TextAlignCenter))
	}
	if t.Ahead >= 0 { // negative: unknown (issued offline)
		objs = append(objs, NewFitText(L.T("ticket.ahead", t.Ahead), colForeground, k.textSize()*1.3))
	}
	if t.Wait > 0 {
		objs = append(objs, NewFitText(L.T("ticket.wait", minutes(t.Wait)), colForeground, k.textSize()*1.1))
	}
	objs = append(objs, widget.NewSeparator(), NewFitText(L.T("ticket.take"), colPrimary, k.textSize()*1.5))
	return k.centre(objs...)
}

func (k *Kiosk) printFailed(s flow.State) fyne.CanvasObject {
	L := s.Lang
	what := k.para(L.T("print.failed.what", s.Ticket.Number), colForeground)
	void := k.para(L.T("print.failed.void"), colForeground)
	if s.Faults.Printer == flow.PrinterPaper {
		what, void = k.para(L.T("print.paperout", s.Ticket.Number), colForeground), layout.NewSpacer()
	}
	return k.centre(k.big("!", colWarn, 4), k.title(L.T("print.failed.title")),
		k.big(s.Ticket.Number, colPrimary, 3), what, void)
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
	case "msg.error", "scan.untrusted", "appt.invalid", "realname.timeout", "msg.paperout", "msg.printerfault",
		"msg.readerfault", "rate.notrateable":
		glyph, col = "!", colWarn
	}
	objs := []fyne.CanvasObject{k.big(glyph, col, 4), k.para(L.T(key), colForeground)}
	if len(s.Args) > 0 && i18n.Has(key+".at") {
		objs = append(objs, k.para(L.T(key+".at", s.Args...), colPrimary))
	} else if len(s.Args) > 0 {
		objs[1] = k.para(L.T(key, s.Args...), colForeground)
	}
	return k.centre(objs...)
}

// row is a label and a value on one line, the value shrinking to fit.
func (k *Kiosk) row(label, value string, vc color.Color) fyne.CanvasObject {
	l := text(label, colMuted, k.textSize())
	var v fyne.CanvasObject
	if covered(value) {
		ft := NewFitText(value, vc, k.textSize())
		ft.Align = fyne.TextAlignLeading
		v = ft
	} else {
		v = line(value, vc, k.textSize(), fyne.TextAlignLeading)
	}
	return container.NewBorder(nil, nil, l, nil, v)
}

func (k *Kiosk) document(sc *Screen, s flow.State) fyne.CanvasObject {
	L := s.Lang
	d := s.Document
	kind := "doc.licence"
	if d.Kind == flow.DocProperty {
		kind = "doc.property"
	}
	head := []fyne.CanvasObject{k.title(L.T(kind)), fitLine(d.Title, colTile, k.textSize()*1.2)}
	// Rows wrapped to the width (a permit's validity must not be cut off).
	var rows []fyne.CanvasObject
	add := func(label, value string, c color.Color) {
		if !covered(value) { // a character outside the theme font: one drawn line
			rows = append(rows, k.row(label, value, c))
			return
		}
		for i, l := range wrapText(label+value, k.textSize(), k.bodySize.Width-4*padding) {
			t := NewFitText(l, c, k.textSize())
			if i > 0 {
				t.Text = "    " + l // continuation, indented
			}
			t.Align = fyne.TextAlignLeading
			rows = append(rows, t)
		}
	}
	for _, f := range d.Fields {
		add(f.Label+"  ", f.Value, colForeground)
	}
	if d.Kind == flow.DocLicence {
		h := NewFitText(L.T("doc.permits"), colPrimary, k.textSize())
		h.Align = fyne.TextAlignLeading
		rows = append(rows, h)
		if len(d.Permits) == 0 {
			add("", L.T("doc.nopermits"), colMuted)
		}
		for _, p := range d.Permits {
			pl := p.Kind + "  " + p.Number
			if p.Valid != "" {
				pl += "  " + p.Valid
			}
			add("✓ ", pl, colForeground)
		}
	}
	return k.paged(sc, head, rows, 1)
}

func (k *Kiosk) rating(sc *Screen, s flow.State) fyne.CanvasObject {
	L := s.Lang
	head := []fyne.CanvasObject{k.title(L.T("rate.title"))}
	switch {
	case s.RateTicket != "":
		head = append(head, NewFitText(L.T("rate.ticket", s.RateTicket), colForeground, k.textSize()))
	case s.Message != "":
		head = append(head, k.lines(L.T(s.Message, s.Args...), colWarn, k.textSize(), k.bodySize.Width, 2, fyne.TextAlignCenter))
	default:
		head = append(head, k.lines(L.T("rate.how"), colMuted, k.textSize(), k.bodySize.Width, 2, fyne.TextAlignCenter))
	}
	stars := func(n int) string { return strings.Repeat("★", n) + strings.Repeat("☆", 5-n) }
	var levels []fyne.CanvasObject
	for lvl := 5; lvl >= 1; lvl-- {
		lvl := lvl
		col := colTile
		if s.Rating == lvl {
			col = colPrimary
		}
		a := flow.ActN(flow.ActRateLevel, lvl)
		t := k.tileH(sc, a.String(), stars(lvl), L.T(fmt.Sprintf("rate.%d", lvl)), col, MinTouch+10, k.act(a))
		levels = append(levels, t)
	}
	lcols := 1
	if k.opt.Landscape {
		lcols = 5
	}
	box := container.NewVBox(append(head, grid(lcols, levels...))...)
	if s.Rating > 0 && s.Rating <= 2 {
		h := NewFitText(L.T("rate.reasons"), colPrimary, k.textSize())
		box.Add(h)
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
			rs = append(rs, k.actButton(sc, flow.ActText(flow.ActReason, r), mark+L.T(r), on))
		}
		rcols := 2
		if k.opt.Landscape {
			rcols = 3
		}
		box.Add(grid(rcols, rs...))
	}
	return box
}

func (k *Kiosk) invoices(sc *Screen, s flow.State) fyne.CanvasObject {
	L := s.Lang
	head := []fyne.CanvasObject{k.title(L.T("invoice.title")), line(s.Person, colMuted, k.textSize(), fyne.TextAlignCenter),
		NewFitText(L.T("invoice.pick"), colForeground, k.textSize())}
	var items []fyne.CanvasObject
	for i, inv := range s.Invoices {
		i := i
		mark := "□ "
		if i < len(s.Selected) && s.Selected[i] {
			mark = "■ "
		}
		label := mark + L.T("invoice.item", inv.Number, inv.Seller, inv.Amount)
		items = append(items, k.actButton(sc, flow.ActN(flow.ActInvoice, i), label, false))
	}
	return k.paged(sc, head, items, 1)
}

func (k *Kiosk) pin(sc *Screen, s flow.State) fyne.CanvasObject {
	L := s.Lang
	// The PIN's length is never shown: only whether something was typed.
	typed := L.T("maint.pin.none")
	if s.PINLen > 0 {
		typed = L.T("maint.pin.typed") + "  ● ● ● ●"
	}
	box := container.NewVBox(k.title(L.T("maint.pin")), NewFitText(typed, colForeground, k.textSize()*1.3))
	if s.Message != "" {
		box.Add(k.para(L.T(s.Message, s.Args...), colWarn))
	}
	order, cols := "123456789C0✓", 3
	if k.opt.Landscape {
		order, cols = "123C4560789✓", 4
	}
	var keys []fyne.CanvasObject
	for _, d := range order {
		d := d
		a := flow.ActN(flow.ActPINDigit, int(d-'0'))
		switch d {
		case 'C':
			a = flow.Act(flow.ActPINClear)
		case '✓':
			a = flow.Act(flow.ActPINOK)
		}
		keys = append(keys, k.actButton(sc, a, string(d), d == '✓'))
	}
	margin := max(0, (k.bodySize.Width-700)/2)
	box.Add(container.NewBorder(nil, nil, spacerW(margin), spacerW(margin), grid(cols, keys...)))
	return box
}

func (k *Kiosk) maintenance(sc *Screen, s flow.State) fyne.CanvasObject {
	L := s.Lang
	h := NewFitText(L.T("maint.devices"), colPrimary, k.textSize())
	h.Align = fyne.TextAlignLeading
	var ops []fyne.CanvasObject
	for _, kind := range []flow.ActionKind{flow.ActTestPrint, flow.ActIDTest, flow.ActScanTest, flow.ActSync, flow.ActLogs, flow.ActConfig} {
		a := flow.Act(kind)
		key := a.String() // the button's name is also its label's i18n key
		ops = append(ops, k.actButton(sc, a, L.T(key), false))
		if s.Busy {
			sc.Buttons[key].Disable()
		}
	}
	ocols := 3
	if k.opt.Landscape {
		ocols = 6
	}
	head := []fyne.CanvasObject{k.title(L.T("maint.title")), grid(ocols, ops...), h}
	// Device lines and the output, wrapped to the width and paged.
	size := k.textSize() * 0.8
	var rows []fyne.CanvasObject
	add := func(s string, c color.Color) {
		for _, l := range wrapText(s, size, k.bodySize.Width) {
			t := NewFitText(l, c, size)
			t.Align = fyne.TextAlignLeading
			rows = append(rows, t)
		}
	}
	for _, d := range s.Health {
		state, col := L.T("maint.ok"), colOK
		if !d.OK {
			state, col = L.T("maint.fault"), colWarn
		}
		add(d.Name+"  "+state+"  "+d.Detail, col)
	}
	if len(s.MaintOutput) > 0 {
		add("—— "+L.T(s.MaintOutput[0]), colPrimary)
		for _, l := range s.MaintOutput[1:] {
			add(l, colForeground)
		}
		if s.Busy {
			add(L.T("maint.waiting"), colMuted)
		}
	}
	return k.paged(sc, head, rows, 1)
}

// spacerW is an empty object w wide.
func spacerW(w float32) fyne.CanvasObject {
	r := canvas.NewRectangle(color.Transparent)
	r.SetMinSize(fyne.NewSize(w, 0))
	return r
}
