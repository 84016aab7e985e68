package ticket

import (
	"crypto/ed25519"
	"crypto/sha256"
	"time"

	"hallkiosk/internal/codesign"
)

// SampleKeyID names the key that signs sample tickets' QR codes. The key is
// derived from a public string: sample codes prove nothing.
const SampleKeyID = "sample"

// SampleSigner returns the signer used for sample tickets.
func SampleSigner() *codesign.Signer {
	seed := sha256.Sum256([]byte("hallkiosk sample ticket key, not secret"))
	return codesign.NewSigner(ed25519.NewKeyFromSeed(seed[:]), SampleKeyID)
}

// SampleURL is the progress page prefix used in sample tickets' QR codes.
const SampleURL = "https://zwfw.example.gov.cn/q?c="

// Sample returns a realistic queue ticket issued at now, with a QR code
// signed by SampleSigner inside a progress URL, marked 测试 (Test) so that
// it cannot pass for a real ticket. It is what "kioskctl ticket sample",
// "kioskctl print test" and the kiosk's maintenance test print print.
func Sample(now time.Time) (Ticket, error) {
	code, err := SampleSigner().Sign("ticket", map[string]string{
		"n": "A105", "s": "tax-invoice", "d": "k03", "q": "1842",
	}, now, now.Add(12*time.Hour))
	if err != nil {
		return Ticket{}, err
	}
	return Ticket{
		Hall:    "玉门市政务服务中心",
		Number:  "A105",
		Service: "税务·发票领取",
		Zone:    "一楼 税务服务专区",
		Windows: "19–20",
		Loc:     time.FixedZone("CST", 8*3600),
		Test:    true,
		Issued:  now,
		Ahead:   12,
		Wait:    25 * time.Minute,
		Name:    "张小三",
		QR:      SampleURL + code,
		Notice:  "请留意叫号，过号请重新取号",
	}, nil
}
