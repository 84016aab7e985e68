package ticket

import (
	"bytes"
	"image"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"golang.org/x/text/encoding/simplifiedchinese"

	"hallkiosk/printer/escpos"
)

func gb(t *testing.T, s string) []byte {
	t.Helper()
	b, err := simplifiedchinese.GB18030.NewEncoder().Bytes([]byte(s))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

var now = time.Date(2026, 11, 25, 9, 41, 0, 0, time.FixedZone("CST", 8*3600))

func TestTicketNativeQRSize(t *testing.T) {
	tk, err := Sample(now)
	if err != nil {
		t.Fatal(err)
	}
	tk.Test = false // a real ticket: the sample's 测试 bands are not sent to citizens
	for _, prof := range []string{"80mm", "58mm"} {
		b, err := tk.Encode(escpos.Profiles[prof])
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("%s: ticket with native QR (payload %d bytes) is %d bytes", prof, len(tk.QR), len(b))
		if len(b) > 600 {
			t.Errorf("%s: ticket is %d bytes, want <= 600", prof, len(b))
		}
		if !bytes.Contains(b, []byte(tk.QR)) {
			t.Errorf("%s: QR payload not stored verbatim", prof)
		}
	}
	raster, err := tk.Encode(escpos.Profiles["58mm-raster"])
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("58mm-raster: %d bytes", len(raster))
	if len(raster) < 2000 {
		t.Errorf("raster ticket only %d bytes: QR not rastered?", len(raster))
	}
}

func TestTicketContent(t *testing.T) {
	tk, err := Sample(now)
	if err != nil {
		t.Fatal(err)
	}
	b, err := tk.Encode(escpos.Profiles["80mm"])
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"玉门市政务服务中心", "A105", "税务·发票领取", "取号时间：2026-11-25 09:41",
		"前面等候：12 人", "预计等待：约 25 分钟", "实名取号：张**", "请留意叫号，过号请重新取号",
		"一楼 税务服务专区", "19–20 号窗口", "测试 测试", "【测试 TEST · 不能办理业务】"} {
		if !bytes.Contains(b, gb(t, want)) {
			t.Errorf("ticket lacks %q", want)
		}
	}
	if bytes.Contains(b, gb(t, "张小三")) {
		t.Error("ticket prints the full name")
	}
	if !bytes.HasPrefix(b, []byte{0x1B, '@', 0x1C, '&'}) || !bytes.HasSuffix(b, []byte{0x1D, 'V', 65, 3}) {
		t.Errorf("ticket must start with init and end with a cut: % X ... % X", b[:4], b[len(b)-4:])
	}

	// Optional lines disappear.
	tk.Ahead, tk.Wait, tk.Name, tk.QR, tk.Test, tk.Windows = -1, 0, "", "", false, ""
	b, _ = tk.Encode(escpos.Profiles["80mm"])
	for _, gone := range []string{"前面等候", "预计等待", "实名取号", "扫码", "测试", "号窗口", "Ticket"} {
		if bytes.Contains(b, gb(t, gone)) {
			t.Errorf("ticket still has %q", gone)
		}
	}
}

func TestLogo(t *testing.T) {
	tk, _ := Sample(now)
	plain, _ := tk.Encode(escpos.Profiles["80mm"])
	tk.Logo = image.NewGray(image.Rect(0, 0, 96, 48))
	withLogo, err := tk.Encode(escpos.Profiles["80mm"])
	if err != nil {
		t.Fatal(err)
	}
	// GS v 0 header (8 bytes) and 12×48 bytes of raster.
	if len(withLogo)-len(plain) != 8+12*48 || !bytes.Contains(withLogo, []byte{0x1D, 'v', '0', 0, 12, 0, 48, 0}) {
		t.Errorf("logo adds %d bytes", len(withLogo)-len(plain))
	}
}

func TestLayoutErrors(t *testing.T) {
	p := escpos.Profiles["80mm"]
	for name, l := range map[string]Layout{
		"no number":  Ticket{},
		"bad rating": EvaluationReceipt{Rating: 9},
		"no count":   InvoicePickup{},
		"qr too big": Ticket{Number: "A1", QR: strings.Repeat("x", 4000)},
	} {
		if _, err := l.Encode(p); err == nil {
			t.Errorf("%s: no error", name)
		} else if !strings.HasPrefix(err.Error(), "ticket: ") && !strings.HasPrefix(err.Error(), "escpos: ") {
			t.Errorf("%s: error %q lacks package prefix", name, err)
		}
	}
}

func TestReceipts(t *testing.T) {
	p := escpos.Profiles["58mm"]
	b, err := EvaluationReceipt{Hall: "玉门市政务服务中心", Number: "A105", Service: "营业执照办理", Window: "12号窗口",
		Staff: "工号 0315", Rating: 5, Rated: now}.Encode(p)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"服务评价凭证", "评价结果：", "非常满意", "12号窗口"} {
		if !bytes.Contains(b, gb(t, want)) {
			t.Errorf("receipt lacks %q", want)
		}
	}
	b, err = InvoicePickup{Hall: "玉门市政务服务中心", Taxpayer: "玉门市某某商贸有限公司", USCC: "91620981MA74XXXX1K",
		Kind: "增值税普通发票", Count: 25, Collected: now, Terminal: "自助终端 03", QR: "HK1.x.y"}.Encode(p)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"发票领取凭单", "25 份", "91620981MA74XXXX1K"} {
		if !bytes.Contains(b, gb(t, want)) {
			t.Errorf("slip lacks %q", want)
		}
	}
}

func TestMinutes(t *testing.T) {
	for d, want := range map[time.Duration]string{time.Minute: "1 分钟", 90 * time.Second: "2 分钟", 75 * time.Minute: "1 小时 15 分钟"} {
		if got := minutes(d); got != want {
			t.Errorf("minutes(%v) = %q, want %q", d, got, want)
		}
	}
}

// TestTicketHallLocalTime: the issue time is printed in the hall's zone,
// whatever zone the time value carries (the kiosk's clock runs in UTC).
func TestTicketHallLocalTime(t *testing.T) {
	utc := time.Date(2026, 11, 25, 1, 41, 0, 0, time.UTC) // 09:41 in Gansu
	tk := Ticket{Number: "A001", Issued: utc, Ahead: -1}
	b, _ := tk.Encode(escpos.Profiles["80mm"])
	if !bytes.Contains(b, gb(t, "取号时间：2026-11-25 09:41")) {
		t.Error("default zone: time not printed as China Standard Time")
	}
	tk.Loc = time.FixedZone("XJT", 6*3600)
	b, _ = tk.Encode(escpos.Profiles["80mm"])
	if !bytes.Contains(b, gb(t, "取号时间：2026-11-25 07:41")) {
		t.Error("catalogue zone not used")
	}
}

// TestMaskNameFixedWidth: the mask never reveals the name's length.
func TestMaskNameFixedWidth(t *testing.T) {
	for _, n := range []string{"张三", "张小三", "张三丰之", "Alice Smith"} {
		got := MaskName(n)
		first, _ := utf8.DecodeRuneInString(n)
		if got != string(first)+"**" {
			t.Errorf("MaskName(%q) = %q", n, got)
		}
	}
	if MaskName("") != "" {
		t.Error("empty name masked to something")
	}
}

// TestTicketEnglish: an English session's ticket has English lines, and
// the Chinese ones stay.
func TestTicketEnglish(t *testing.T) {
	tk, _ := Sample(now)
	tk.Test, tk.English, tk.ServiceEN, tk.ZoneEN = false, true, "Tax: invoices", "Ground floor, tax area"
	b, err := tk.Encode(escpos.Profiles["58mm"])
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"Ticket", "Tax: invoices", "Ticket A105", "windows 19", "12 ahead", "about 25 min",
		"Scan to follow your place in the queue", "税务·发票领取"} {
		if !bytes.Contains(b, gb(t, want)) {
			t.Errorf("English ticket lacks %q", want)
		}
	}
}

// TestInvoiceSlipExactNumbers: the slip lists the invoices collected, not a
// range, each number whole on one line, and the pickup code in large type.
func TestInvoiceSlipExactNumbers(t *testing.T) {
	p := escpos.Profiles["58mm"]
	nums := []string{"26622000000012345701", "26622000000012345703"}
	b, err := InvoicePickup{Taxpayer: "张**", Kind: "发票", Count: 2, Numbers: nums, PickupCode: "483920", Collected: now}.Encode(p)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(b, gb(t, " - ")) {
		t.Error("slip prints a range")
	}
	for _, n := range nums {
		// The whole number on one line: no LF inside it.
		if !bytes.Contains(b, []byte(n+"\n")) {
			t.Errorf("number %s not printed whole on its own line", n)
		}
	}
	if bytes.Contains(b, []byte("26622000000012345702")) {
		t.Error("slip names an invoice not collected")
	}
	// Pickup code at triple size (GS ! 0x22) right before the code.
	if !bytes.Contains(b, append([]byte{0x1D, '!', 0x22}, "483920"...)) {
		t.Error("pickup code not in large type")
	}
	// A range that does not fit goes on its own line, never cut mid-number.
	b, _ = InvoicePickup{Count: 3, FirstNo: nums[0], LastNo: nums[1]}.Encode(p)
	if !bytes.Contains(b, []byte("\n"+nums[0]+" - "+nums[1]+"\n")) {
		t.Error("long range not on a line of its own")
	}
}
