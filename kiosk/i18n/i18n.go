// Package i18n holds the kiosk's screen texts in Chinese and English. Flows
// speak in message keys; screens turn keys into text with Lang.T, so a
// language switch changes every visible string at once.
package i18n

import (
	"fmt"
	"time"
)

// Lang is a display language.
type Lang int

// The kiosk's languages. Chinese is the default.
const (
	ZH Lang = iota
	EN
)

// String returns the language's short code.
func (l Lang) String() string {
	if l == EN {
		return "en"
	}
	return "zh"
}

// ParseLang maps "zh"/"en" (and "中文"/"English") to a Lang.
func ParseLang(s string) (Lang, error) {
	switch s {
	case "zh", "zh-CN", "中文", "":
		return ZH, nil
	case "en", "English":
		return EN, nil
	}
	return ZH, fmt.Errorf("i18n: unknown language %q (zh or en)", s)
}

// T returns the text for key in language l, formatted with args like
// fmt.Sprintf. An unknown key is returned as is, so a missing text is
// visible rather than blank.
func (l Lang) T(key string, args ...any) string {
	pair, ok := texts[key]
	if !ok {
		return key
	}
	s := pair[0]
	if l == EN {
		s = pair[1]
	}
	if len(args) > 0 {
		for i, a := range args {
			if x, ok := a.(Localized); ok {
				args = append([]any(nil), args...)
				args[i] = x.In(l)
			}
		}
		return fmt.Sprintf(s, args...)
	}
	return s
}

// Localized is an argument of T that reads differently per language.
type Localized interface {
	In(l Lang) string
}

// At is a moment told relative to Now, in T's location: "14:00" today,
// "明天 08:30" / "tomorrow 08:30", else the weekday and the time.
type At struct {
	T, Now time.Time
}

// In tells the moment in language l.
func (a At) In(l Lang) string {
	t, now := a.T, a.Now.In(a.T.Location())
	hm := t.Format("15:04")
	day := func(x time.Time) time.Time { return time.Date(x.Year(), x.Month(), x.Day(), 0, 0, 0, 0, x.Location()) }
	days := int(day(t).Sub(day(now)).Hours()+12) / 24
	zhWeek := [...]string{"周日", "周一", "周二", "周三", "周四", "周五", "周六"}
	switch {
	case days <= 0:
		return hm
	case days == 1 && l == EN:
		return "tomorrow " + hm
	case days == 1:
		return "明天 " + hm
	case l == EN:
		return t.Format("Mon") + " " + hm
	}
	return zhWeek[t.Weekday()] + " " + hm
}

// Has reports whether key has a text.
func Has(key string) bool { _, ok := texts[key]; return ok }

// Keys returns every known key (for tests that check coverage).
func Keys() []string {
	out := make([]string, 0, len(texts))
	for k := range texts {
		out = append(out, k)
	}
	return out
}

// texts maps a key to its Chinese and English text.
var texts = map[string][2]string{
	"app.title":           {"自助服务终端", "Self-service kiosk"},
	"home.touch":          {"请点击要办理的业务", "Tap the service you need"},
	"home.take":           {"取号", "Take a ticket"},
	"home.appointment":    {"预约签到", "Appointment check-in"},
	"home.scan":           {"证照扫码查询", "Scan a licence or certificate"},
	"home.rate":           {"好差评", "Rate our service"},
	"home.invoice":        {"发票领取 (24小时)", "Tax invoice pickup (24 h)"},
	"home.elder.on":       {"长者模式", "Elder mode"},
	"home.elder.off":      {"标准模式", "Standard mode"},
	"home.lang":           {"English", "中文"},
	"home.closed":         {"大厅已下班，可办理24小时自助业务", "The hall is closed; 24-hour self-service is available"},
	"home.notices":        {"通知公告", "Notices"},
	"home.offline":        {"与大厅服务器的连接中断，取号照常进行", "Offline from the hall server; tickets are still issued"},
	"zone.pick":           {"请选择业务", "Choose a service"},
	"service.waiting":     {"等候 %d 人", "%d waiting"},
	"service.wait":        {"约 %d 分钟", "about %d min"},
	"service.closed":      {"暂停取号", "Not issuing now"},
	"nav.back":            {"返回", "Back"},
	"nav.home":            {"返回首页", "Home"},
	"nav.skip":            {"跳过", "Skip"},
	"nav.cancel":          {"取消", "Cancel"},
	"nav.ok":              {"确定", "OK"},
	"realname.title":      {"实名取号", "Ticket by ID card"},
	"realname.lay":        {"请将身份证放在感应区", "Please lay your ID card on the reader"},
	"realname.required":   {"此业务需要实名取号", "This service needs your ID card"},
	"realname.optional":   {"也可以不刷卡，点击“跳过”", "You may also tap “Skip”"},
	"realname.read":       {"已识别：%s", "Read: %s"},
	"realname.timeout":    {"未检测到身份证", "No ID card was detected"},
	"realname.failed":     {"身份证读取失败，请重新放置", "The ID card could not be read; please lay it again"},
	"realname.expired":    {"此身份证已过有效期，不能用于实名取号。请使用有效证件，或到服务台办理。", "This ID card has expired and cannot be used for a ticket by ID card. Please use a valid card or ask at the service desk."},
	"realname.invalid":    {"此身份证号码未通过校验，不能用于实名取号。请到服务台核实。", "This ID card's number failed its check and cannot be used for a ticket by ID card. Please ask at the service desk."},
	"issue.busy":          {"正在出票，请稍候…", "Printing your ticket…"},
	"ticket.title":        {"取号成功", "Your ticket"},
	"ticket.take":         {"请取走您的号票", "Please take your ticket"},
	"ticket.ahead":        {"前面还有 %d 人", "%d people ahead of you"},
	"ticket.wait":         {"预计等候约 %d 分钟", "Estimated wait about %d min"},
	"ticket.service":      {"业务：%s", "Service: %s"},
	"ticket.priority":     {"预约优先", "Appointment priority"},
	"print.failed.title":  {"打印失败", "Printing failed"},
	"print.failed.what":   {"号票 %s 未能打印。请点击“重新打印”，或到咨询台出示此屏幕。", "Ticket %s could not be printed. Tap “Print again”, or show this screen at the information desk."},
	"print.failed.void":   {"如果取消，此号码将作废。", "If you cancel, this number is voided."},
	"print.retry":         {"重新打印", "Print again"},
	"msg.closed":          {"该业务当前不在办理时间，请在办理时间内取号。", "This service is outside its hours; please come back during opening hours."},
	"msg.cap":             {"该业务今日号源已取完，请明日再来或在线预约。", "Today's tickets for this service are all taken; please come tomorrow or book online."},
	"msg.error":           {"暂时无法办理，请到咨询台寻求帮助。", "This cannot be done right now; please ask at the information desk."},
	"msg.voided":          {"号票已作废。", "The ticket was voided."},
	"appt.title":          {"预约签到", "Appointment check-in"},
	"appt.how":            {"请扫描预约二维码，或放置身份证", "Scan your appointment QR code or lay your ID card"},
	"appt.none":           {"没有找到今天的预约", "No appointment found for today"},
	"appt.early":          {"预约签到尚未开始，请稍后再来签到", "Check-in for your appointment has not opened yet; please come back a little later"},
	"appt.early.at":       {"%s 起可以签到", "Check-in opens at %s"},
	"appt.early.notime":   {"预约签到尚未开始，请在预约时段前后签到", "Check-in for your appointment has not opened yet"},
	"appt.late":           {"预约签到已截止，请现场取号或重新预约", "Check-in for your appointment has closed; please take a ticket or book again"},
	"appt.late.at":        {"签到已于 %s 截止", "Check-in closed at %s"},
	"appt.late.notime":    {"预约签到已截止，请现场取号或重新预约", "Check-in for your appointment has closed; please take a ticket or book again"},
	"appt.invalid":        {"预约码无效或已过期", "The appointment code is invalid or expired"},
	"scan.title":          {"证照扫码查询", "Scan a document"},
	"scan.how":            {"请将营业执照或不动产权证书上的二维码对准扫描口", "Hold the QR code of your business licence or property certificate to the scanner"},
	"scan.unknown":        {"无法识别此二维码，它不是本厅支持的证照。", "This QR code is not a document this hall can read."},
	"scan.untrusted":      {"此二维码未通过验证，可能是伪造的，请到窗口核实。", "This QR code failed verification and may be forged; please check at a window."},
	"scan.notfound":       {"证照库中没有找到此证照。", "This document is not in the registry."},
	"scan.offline":        {"暂时无法查询证照库，请稍后再试。", "The registry cannot be reached; please try again later."},
	"doc.licence":         {"营业执照", "Business licence"},
	"doc.property":        {"不动产权证书", "Real-estate certificate"},
	"doc.permits":         {"已加载许可证", "Permits on this licence"},
	"doc.nopermits":       {"未加载许可证", "No permits loaded"},
	"rate.title":          {"好差评", "Rate our service"},
	"rate.ticket":         {"评价号票：%s", "Rating ticket %s"},
	"rate.scan":           {"可扫描号票二维码关联您的办件", "Scan your ticket's QR code to link the rating"},
	"rate.reasons":        {"请选择不满意的原因（可多选）", "What went wrong? (choose any)"},
	"rate.submit":         {"提交评价", "Submit"},
	"rate.thanks":         {"感谢您的评价！", "Thank you for your rating!"},
	"rate.1":              {"非常不满意", "Very dissatisfied"},
	"rate.2":              {"不满意", "Dissatisfied"},
	"rate.3":              {"基本满意", "Acceptable"},
	"rate.4":              {"满意", "Satisfied"},
	"rate.5":              {"非常满意", "Very satisfied"},
	"reason.wait":         {"等候时间长", "Long wait"},
	"reason.attitude":     {"服务态度差", "Unfriendly staff"},
	"reason.again":        {"需要多次跑", "Had to come again"},
	"reason.docs":         {"材料要求不清楚", "Unclear documents"},
	"reason.system":       {"系统故障", "System failure"},
	"invoice.title":       {"发票领取", "Tax invoice pickup"},
	"invoice.lay":         {"请放置身份证以查询待领取的发票", "Lay your ID card to find invoices ready for pickup"},
	"invoice.none":        {"没有待领取的发票", "No invoices are ready for pickup"},
	"invoice.unavailable": {"发票领取暂时无法使用，请稍后再试或到税务窗口咨询", "Invoice pickup is not available right now. Please try again later or ask at a tax window"},
	"invoice.gone":        {"所选发票已被领取，请重新查询", "These invoices have already been collected. Please look them up again"},
	"invoice.pick":        {"请选择要领取的发票", "Choose the invoices to collect"},
	"invoice.collect":     {"打印领取单", "Print pickup slip"},
	"invoice.done":        {"请取走领取单，凭单到发票柜领取", "Take the slip and collect your invoices at the invoice locker"},
	"invoice.item":        {"%s  %s  ￥%s", "%s  %s  ￥%s"},
	"maint.pin":           {"维护密码", "Maintenance PIN"},
	"maint.pin.bad":       {"密码错误，还可尝试 %d 次", "Wrong PIN, %d tries left"},
	"maint.pin.locked":    {"错误次数过多，已锁定至 %s", "Too many wrong PINs; locked until %s"},
	"maint.title":         {"维护模式", "Maintenance"},
	"maint.devices":       {"设备状态", "Devices"},
	"maint.testprint":     {"测试打印", "Test print"},
	"maint.idtest":        {"读卡测试", "ID read test"},
	"maint.scantest":      {"扫码测试", "Scanner test"},
	"maint.sync":          {"同步状态", "Sync status"},
	"maint.logs":          {"最近日志", "Recent logs"},
	"maint.config":        {"配置", "Configuration"},
	"maint.exit":          {"退出维护", "Exit maintenance"},
	"maint.ok":            {"正常", "OK"},
	"maint.fault":         {"故障", "Fault"},
	"maint.waiting":       {"等待设备…", "Waiting for the device…"},

	"home.lunch":             {"午休中，%s 恢复办理；可办理24小时自助业务", "Lunch break until %s; 24-hour self-service is available"},
	"home.closed.until":      {"大厅已下班，%s 开始办理；可办理24小时自助业务", "The hall is closed until %s; 24-hour self-service is available"},
	"home.paperout":          {"暂停取号（缺纸），已通知维护人员", "No tickets for now (out of paper); maintenance has been called"},
	"home.printerfault":      {"暂停取号（打印机故障），已通知维护人员", "No tickets for now (printer fault); maintenance has been called"},
	"home.readerfault":       {"读卡器故障，暂不能实名办理", "ID card reader fault: no services by ID card for now"},
	"home.countdown":         {"%d 秒后返回首页，点击屏幕继续", "Back to the home screen in %d s; touch to stay"},
	"card.take":              {"请取回身份证", "Please take your ID card"},
	"service.opens":          {"%s 开始", "Opens %s"},
	"service.paused":         {"暂停取号（缺纸）", "Paused (out of paper)"},
	"service.paused.printer": {"暂停取号（打印机故障）", "Paused (printer fault)"},
	"service.reader":         {"读卡器故障", "Card reader fault"},
	"msg.closed.at":          {"%s 开始办理", "Opens %s"},
	"msg.lunch":              {"午休时间，该业务暂停办理。", "Lunch break: this service is paused."},
	"msg.lunch.at":           {"%s 恢复办理", "Resumes at %s"},
	"msg.paperout":           {"打印机缺纸，暂停取号。已通知维护人员，请稍后再来，或使用不需要打印的自助业务。", "The printer is out of paper: no tickets for now. Maintenance has been called; please come back later or use a self-service that needs no printing."},
	"msg.printerfault":       {"打印机故障，暂停取号。已通知维护人员，请稍后再来，或使用不需要打印的自助业务。", "The printer has a fault: no tickets for now. Maintenance has been called; please come back later or use a self-service that needs no printing."},
	"msg.readerfault":        {"读卡器故障，暂时无法读取身份证。已通知维护人员，请稍后再来。", "The ID card reader has a fault and cannot read cards now. Maintenance has been called; please come back later."},
	"print.paperout":         {"打印机缺纸，号票 %s 未能打印，此号码不会被叫到。已通知维护人员，请稍后再来。", "The printer is out of paper: ticket %s was not printed and will not be called. Maintenance has been called; please come back later."},
	"rate.how":               {"请扫描号票上的二维码，或放置已办结实名号票的身份证", "Scan the QR code on your ticket, or lay the ID card of a served ticket"},
	"rate.badcode":           {"这不是本厅的号票二维码", "That is not a ticket QR code of this hall"},
	"rate.noserved":          {"没有找到您今天已办结、未评价的号票", "No served, unrated ticket of yours today"},
	"rate.notrateable":       {"这张号票尚未办结或已经评价过，不能在此评价。", "This ticket is not served yet or already rated; it cannot be rated here."},
	"rate.notrateable.at":    {"号票 %s", "Ticket %s"},
	"page.prev":              {"上一页", "Previous"},
	"page.next":              {"下一页", "Next"},
	"page.of":                {"第 %d / %d 页", "Page %d of %d"},
	"maint.pin.typed":        {"已输入", "Entered"},
	"maint.pin.none":         {"请输入密码", "Enter the PIN"},
}
