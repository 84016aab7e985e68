// Package ticket lays out the slips a kiosk prints: queue tickets,
// evaluation receipts and tax-invoice pickup slips. Each layout is a plain
// struct whose Encode method returns ESC/POS bytes for a printer profile;
// the printer package sends them.
package ticket

import (
	"fmt"
	"image"
	"strings"
	"time"

	"hallkiosk/internal/pii"
	"hallkiosk/printer/escpos"
)

// Layout is anything that encodes to ESC/POS bytes for a printer profile.
type Layout interface {
	Encode(p escpos.Profile) ([]byte, error)
}

var (
	_ Layout = Ticket{}
	_ Layout = EvaluationReceipt{}
	_ Layout = InvoicePickup{}
)

// TimeLayout is how times are printed.
const TimeLayout = "2006-01-02 15:04"

// Ticket is a queue ticket.
type Ticket struct {
	// Logo is an optional black-and-white image printed centred at the
	// top as a raster image; it costs width×height/8 bytes, so keep it
	// small (a 96×48 logo is 576 bytes) or leave it nil on slow links.
	Logo    image.Image
	Hall    string // hall name, e.g. "玉门市政务服务中心"
	Number  string // ticket number, e.g. "A105"
	Service string // service name, e.g. "税务·发票领取"
	Zone    string // optional area (the catalogue's zone) or a hint, e.g. "二楼 税务专区"
	// Windows is the range of windows that serve the service, e.g.
	// "19–21" (printed "办理窗口：19–21 号窗口"); empty omits the line.
	Windows string
	Issued  time.Time
	// Loc is the hall's time zone (the catalogue's); the issue time is
	// printed in it. Nil means China Standard Time (UTC+8).
	Loc *time.Location
	// Ahead is the number of tickets waiting before this one; negative
	// means unknown and omits the line.
	Ahead int
	// Wait is the estimated wait; zero omits the line.
	Wait time.Duration
	// Name is the citizen's name for a real-name ticket (by ID card), or
	// empty. It is always printed masked to a fixed width that does not
	// reveal its length: the first character and two stars (张**).
	Name string
	// English adds English lines (for a session held in English): the
	// service's English name and a summary line.
	English   bool
	ServiceEN string // the service's English name
	ZoneEN    string // the area's English name
	// Test marks a technician's test print: 测试 across the slip (top,
	// middle and bottom) so that it cannot pass for a real ticket.
	Test bool
	// QR is the payload for the QR code (a signed code from
	// internal/codesign, possibly inside a URL); empty omits the QR.
	QR string
	// QRCaption is printed under the QR code; default "微信扫码查看排队进度".
	QRCaption string
	// Notice is a line of advice at the bottom, e.g. "过号请重新取号".
	Notice string
}

// Encode lays the ticket out for profile p.
func (t Ticket) Encode(p escpos.Profile) ([]byte, error) {
	if t.Number == "" {
		return nil, fmt.Errorf("ticket: no ticket number")
	}
	e := escpos.NewEncoder(p)
	e.Init().Align(escpos.Center)
	if t.Test {
		testMark(e, p)
	}
	if t.Logo != nil {
		e.Image(t.Logo)
	}
	if t.Hall != "" {
		e.Bold(true).Size(1, 2).Line(t.Hall).Size(1, 1).Bold(false)
	}
	if t.English {
		e.Line("排队号 Ticket")
	} else {
		e.Line("排队号")
	}
	big := 4
	if p.Width >= 576 {
		big = 5
	}
	e.Bold(true).Size(big, big).Line(t.Number).Size(1, 1)
	if t.Service != "" {
		e.Size(1, 2).Line(t.Service).Size(1, 1)
	}
	e.Bold(false)
	if t.English && t.ServiceEN != "" {
		e.Line(t.ServiceEN)
	}
	if t.Zone != "" {
		e.Line(t.Zone)
	}
	if t.Windows != "" {
		e.Line(t.Windows + " 号窗口")
	}
	if t.Test {
		e.Bold(true).Line("【测试 TEST · 不能办理业务】").Bold(false)
	}
	// A dot feed, not a dashed rule: a rule costs a line of bytes and the
	// ticket must stay small for slow serial links.
	e.Align(escpos.Left).Raw(escpos.ESC, 'J', 16).Raw(escpos.GS, 'L', 24, 0)
	if !t.Issued.IsZero() {
		e.Line("取号时间：" + t.Issued.In(t.loc()).Format(TimeLayout))
	}
	if t.Ahead >= 0 {
		e.Line(fmt.Sprintf("前面等候：%d 人", t.Ahead))
	}
	if t.Wait > 0 {
		e.Line("预计等待：约 " + minutes(t.Wait))
	}
	if t.Name != "" {
		e.Line("实名取号：" + MaskName(t.Name))
	}
	if t.English {
		for _, l := range wrapParts(t.englishParts(), p.Columns()) {
			e.Line(l)
		}
	}
	e.Raw(escpos.GS, 'L', 0, 0)
	if t.QR != "" {
		e.Raw(escpos.ESC, 'J', 12)
		module := 4
		if p.Width >= 576 {
			module = 5
		}
		caption := t.QRCaption
		if caption == "" {
			caption = "微信扫码查看排队进度"
		}
		e.Align(escpos.Center).QR(t.QR, module, escpos.QRLevelM).Raw(escpos.LF).Line(caption)
		if t.English {
			e.Line("Scan to follow your place in the queue")
		}
	}
	if t.Notice != "" {
		e.Align(escpos.Center).Line(t.Notice)
	}
	if t.Test {
		e.Align(escpos.Center)
		testMark(e, p)
	}
	e.Feed(2).Cut(false)
	return e.Bytes()
}

func (t Ticket) loc() *time.Location {
	if t.Loc != nil {
		return t.Loc
	}
	return cst
}

var cst = time.FixedZone("CST", 8*3600)

// englishParts summarise the ticket in English for an English session.
func (t Ticket) englishParts() []string {
	parts := []string{"Ticket " + t.Number}
	if t.Windows != "" {
		parts = append(parts, "windows "+t.Windows)
	}
	if t.ZoneEN != "" {
		parts = append(parts, t.ZoneEN)
	}
	if t.Ahead >= 0 {
		parts = append(parts, fmt.Sprintf("%d ahead", t.Ahead))
	}
	if t.Wait > 0 {
		parts = append(parts, fmt.Sprintf("about %d min", int((t.Wait+time.Minute-1)/time.Minute)))
	}
	if !t.Issued.IsZero() {
		parts = append(parts, "issued "+t.Issued.In(t.loc()).Format("15:04"))
	}
	return append(parts, "please wait for your call")
}

// testMark prints the 测试 band of a test print, as wide as the paper.
func testMark(e *escpos.Encoder, p escpos.Profile) {
	n := max(1, (p.Columns()+2)/10) // "测试 " is 5 columns, 10 at double width
	e.Bold(true).Size(2, 2).Line(strings.TrimSpace(strings.Repeat("测试 ", n))).Size(1, 1).Bold(false)
}

// MaskName masks a name to a fixed width that does not reveal its length
// (pii.MaskName: 张三, 张小三 and 欧阳小明 become 张** / 欧**).
func MaskName(name string) string { return pii.MaskName(name) }

// width is the number of printer columns s takes: two for a Chinese
// character, one for ASCII.
func width(s string) int {
	n := 0
	for _, r := range s {
		if r < 0x80 {
			n++
		} else {
			n += 2
		}
	}
	return n
}

// wrapParts joins parts with " · " into lines of at most cols columns,
// breaking only between parts (a part longer than a line stays whole on
// its own line: numbers are never cut).
func wrapParts(parts []string, cols int) []string {
	var out []string
	line := ""
	for _, w := range parts {
		switch {
		case line == "":
			line = w
		case width(line)+3+width(w) <= cols:
			line += " · " + w
		default:
			out = append(out, line)
			line = w
		}
	}
	if line != "" {
		out = append(out, line)
	}
	return out
}

// Rating is a 好差评 rating, 1 (非常不满意) to 5 (非常满意).
type Rating int

// String returns the rating's Chinese label.
func (r Rating) String() string {
	switch r {
	case 5:
		return "非常满意"
	case 4:
		return "满意"
	case 3:
		return "基本满意"
	case 2:
		return "不满意"
	case 1:
		return "非常不满意"
	}
	return fmt.Sprintf("Rating(%d)", int(r))
}

// EvaluationReceipt confirms a 好差评 rating given for a served ticket.
type EvaluationReceipt struct {
	Hall    string
	Number  string // the served ticket's number
	Service string
	Window  string // e.g. "12号窗口"
	Staff   string // staff number (工号), not a name
	Rating  Rating
	Rated   time.Time
	// QR is an optional payload to follow up or amend the rating.
	QR     string
	Notice string
}

// Encode lays the receipt out for profile p.
func (r EvaluationReceipt) Encode(p escpos.Profile) ([]byte, error) {
	if r.Rating < 1 || r.Rating > 5 {
		return nil, fmt.Errorf("ticket: rating %d out of range 1..5", int(r.Rating))
	}
	e := escpos.NewEncoder(p)
	e.Init().Align(escpos.Center)
	if r.Hall != "" {
		e.Bold(true).Line(r.Hall).Bold(false)
	}
	e.Size(2, 2).Bold(true).Line("服务评价凭证").Size(1, 1).Bold(false)
	e.Align(escpos.Left).Line(rule(p))
	kv(e, "办件号码", r.Number)
	kv(e, "办理事项", r.Service)
	kv(e, "服务窗口", r.Window)
	kv(e, "工作人员", r.Staff)
	e.Text("评价结果：").Bold(true).Line(r.Rating.String()).Bold(false)
	if !r.Rated.IsZero() {
		kv(e, "评价时间", r.Rated.Format(TimeLayout))
	}
	e.Line(rule(p))
	if r.QR != "" {
		e.Align(escpos.Center).QR(r.QR, 4, escpos.QRLevelM).Raw(escpos.LF).Line("扫码补充评价或投诉建议")
	}
	notice := r.Notice
	if notice == "" {
		notice = "感谢您的评价，我们将持续改进服务"
	}
	e.Align(escpos.Center).Line(notice)
	e.Feed(2).Cut(false)
	return e.Bytes()
}

// InvoicePickup is a slip handed out when a taxpayer collects invoices at
// a 24-hour self-service tax terminal.
type InvoicePickup struct {
	Hall     string
	Taxpayer string // company or taxpayer name
	USCC     string // unified social credit code (统一社会信用代码)
	Kind     string // e.g. "增值税普通发票（卷票）"
	Count    int    // number of invoices (份) or rolls
	Unit     string // counting word, default "份"
	// Numbers are the numbers of exactly the invoices collected, each
	// printed whole on its own line (never as a range, never cut).
	Numbers []string
	// FirstNo and LastNo print a range instead, for a caller that knows
	// the numbers are contiguous; Numbers wins when set.
	FirstNo   string
	LastNo    string
	Collected time.Time
	// Loc is the hall's time zone; nil means China Standard Time.
	Loc *time.Location
	// PickupCode is printed large, for the desk or the locker.
	PickupCode string
	Terminal   string // terminal id, e.g. "自助终端 03"
	QR         string // optional verification payload
	Notice     string
}

// Encode lays the slip out for profile p.
func (s InvoicePickup) Encode(p escpos.Profile) ([]byte, error) {
	if s.Count <= 0 {
		return nil, fmt.Errorf("ticket: invoice count %d", s.Count)
	}
	unit := s.Unit
	if unit == "" {
		unit = "份"
	}
	e := escpos.NewEncoder(p)
	e.Init().Align(escpos.Center)
	if s.Hall != "" {
		e.Bold(true).Line(s.Hall).Bold(false)
	}
	e.Size(2, 2).Bold(true).Line("发票领取凭单").Size(1, 1).Bold(false)
	e.Align(escpos.Left).Line(rule(p))
	kv(e, "纳税人", s.Taxpayer)
	kv(e, "信用代码", s.USCC)
	kv(e, "发票种类", s.Kind)
	e.Text("领取数量：").Bold(true).Line(fmt.Sprintf("%d %s", s.Count, unit)).Bold(false)
	switch {
	case len(s.Numbers) > 0:
		e.Line("发票号码：")
		for i, n := range s.Numbers {
			e.Line(fmt.Sprintf("%2d. %s", i+1, n))
		}
	case s.FirstNo != "" && s.LastNo != "":
		fitKV(e, p, "发票号码", s.FirstNo+" - "+s.LastNo)
	}
	if !s.Collected.IsZero() {
		loc := s.Loc
		if loc == nil {
			loc = cst
		}
		kv(e, "领取时间", s.Collected.In(loc).Format(TimeLayout))
	}
	kv(e, "领取终端", s.Terminal)
	e.Line(rule(p))
	if s.PickupCode != "" {
		e.Align(escpos.Center).Line("取件码").Bold(true).Size(3, 3).Line(s.PickupCode).Size(1, 1).Bold(false).Align(escpos.Left)
		e.Line(rule(p))
	}
	if s.QR != "" {
		e.Align(escpos.Center).QR(s.QR, 4, escpos.QRLevelM).Raw(escpos.LF).Line("扫码核验领取记录")
	}
	notice := s.Notice
	if notice == "" {
		notice = "请当面核对发票，妥善保管本凭单"
	}
	e.Align(escpos.Center).Line(notice)
	e.Feed(2).Cut(false)
	return e.Bytes()
}

func kv(e *escpos.Encoder, k, v string) {
	if v != "" {
		e.Line(k + "：" + v)
	}
}

// fitKV prints "k：v" on one line when it fits, else k on one line and v
// on the next, so that a number is never broken across lines.
func fitKV(e *escpos.Encoder, p escpos.Profile, k, v string) {
	if width(k)+2+width(v) <= p.Columns() {
		e.Line(k + "：" + v)
		return
	}
	e.Line(k + "：")
	e.Line(v)
}

func rule(p escpos.Profile) string { return strings.Repeat("-", p.Columns()) }

func minutes(d time.Duration) string {
	m := int((d + time.Minute - 1) / time.Minute)
	if m < 60 {
		return fmt.Sprintf("%d 分钟", m)
	}
	return fmt.Sprintf("%d 小时 %d 分钟", m/60, m%60)
}
