package credential_test

import (
	"crypto/ed25519"
	"fmt"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"hallkiosk/internal/codesign"
	"hallkiosk/kiosk/credential"
)

var now = time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)

func keys(t testing.TB) (*codesign.Signer, *credential.Parser) {
	seed := make([]byte, ed25519.SeedSize)
	copy(seed, "hall-test-key-seed-0123456789abc")
	s := codesign.NewSigner(ed25519.NewKeyFromSeed(seed), "hall1")
	v := codesign.NewVerifier(map[string]ed25519.PublicKey{"hall1": s.Public()})
	return s, &credential.Parser{Verifier: v, Now: func() time.Time { return now }}
}

// validUSCC makes a credit code with a correct check character.
func validUSCC(t testing.TB, body string) string {
	c, err := credential.USCCCheckChar(body)
	if err != nil {
		t.Fatal(err)
	}
	return body + string(c)
}

func TestUSCC(t *testing.T) {
	// 91350100M000100Y43 is the code printed on sample licences.
	if ok, err := credential.CheckUSCC("91350100M000100Y43"); !ok || err != nil {
		t.Fatalf("sample code: %v %v", ok, err)
	}
	// The documented pilot code fails the check but is well formed.
	ok, err := credential.CheckUSCC("91350100M0001TGQXM")
	if ok || err == nil {
		t.Fatalf("pilot code: %v %v", ok, err)
	}
	// GB 32100 makes the check character part of validity: a code whose
	// check fails is invalid, whatever its origin, and the error says
	// which character is wrong.
	_, p := keys(t)
	r := p.Parse("91350100M0001TGQXM")
	if r.Kind != credential.BusinessLicence || r.Valid || r.Fields["check_ok"] != "false" || !strings.Contains(r.Error, "character 18 is 'M'") {
		t.Fatalf("pilot parse: %+v", r)
	}
	r = p.Parse("91620981MA72XXKL4N")
	if r.Valid || !strings.Contains(r.Error, "character 18 is 'N'") || !strings.Contains(r.Error, "'F'") {
		t.Fatalf("wrong check character: %+v", r)
	}
	if r := p.Parse("91620981MA72XXKL4F"); !r.Valid || r.Fields["check_ok"] != "true" {
		t.Fatalf("corrected code: %+v", r)
	}
	if r := p.Parse("9162A981MA72XXKL4F"); r.Valid || !strings.Contains(r.Error, "character 5") {
		t.Fatalf("letter in the division: %+v", r)
	}
	r = p.Parse("91350100M000100Y43")
	if r.Kind != credential.BusinessLicence || !r.Valid || len(r.Warnings) != 0 || r.Fields["division"] != "350100" {
		t.Fatalf("good parse: %+v", r)
	}
	for _, bad := range []string{"91350100M000100Y4", "91350100M000100YI3", "91350100M000100Y4O"} {
		if ok, err := credential.CheckUSCC(bad); ok || err == nil {
			t.Errorf("%s: accepted", bad)
		}
	}
	// Every single-character change of a valid code is detected.
	code := validUSCC(t, "91620981MA72AB3C4")
	for i := 0; i < 17; i++ {
		for _, c := range "0123456789ABCDEFGHJKLMNPQRTUWXY" {
			if byte(c) == code[i] {
				continue
			}
			m := code[:i] + string(c) + code[i+1:]
			if ok, _ := credential.CheckUSCC(m); ok {
				t.Fatalf("change at %d to %c not detected: %s", i, c, m)
			}
		}
	}
}

func TestIDNumber(t *testing.T) {
	_, p := keys(t)
	// 11010519491231002X is the example in GB 11643.
	r := p.Parse("11010519491231002x")
	if r.Kind != credential.IDNumber || !r.Valid || r.Fields["birth_date"] != "1949-12-31" || r.Fields["sex"] != "female" || r.Fields["province"] != "北京" {
		t.Fatalf("%+v", r)
	}
	if strings.Contains(fmt.Sprint(r), "11010519491231002") {
		t.Fatal("identity number appears unmasked")
	}
	for _, c := range []struct{ id, err string }{
		{"110105194912310021", "check character"},
		{"990105194912310023", "province"},
		{"110105194913310025", "birth date"},
		{"110105299912310029", "birth date"},
	} {
		err := credential.CheckIDNumber(c.id)
		if err == nil || !strings.Contains(err.Error(), c.err) {
			t.Errorf("%s: %v, want %q", c.id, err, c.err)
		}
	}
	body := "62098119900101123"
	ch, _ := credential.IDCheckChar(body)
	if err := credential.CheckIDNumber(body + string(ch)); err != nil {
		t.Fatal(err)
	}
	if r := p.Parse(body + string(ch)); r.Kind != credential.IDNumber || r.Fields["province"] != "甘肃" || r.Fields["sex"] != "male" {
		t.Fatalf("%+v", r)
	}
}

func TestProperty(t *testing.T) {
	_, p := keys(t)
	for _, s := range []string{"甘(2023)玉门市不动产权第0001234号", "甘（2023）玉门市不动产权第0001234号"} {
		r := p.Parse(s)
		if r.Kind != credential.PropertyCertificate || !r.Valid || r.Fields["place"] != "玉门市" || r.Fields["serial"] != "0001234" || r.Fields["type"] != "certificate" {
			t.Errorf("%s: %+v", s, r)
		}
		if r.Fields["number"] != "甘(2023)玉门市不动产权第0001234号" {
			t.Errorf("normalised number %q", r.Fields["number"])
		}
	}
	r := p.Parse("甘(2021)酒泉市不动产证明第0000042号")
	if !r.Valid || r.Fields["type"] != "registration_proof" {
		t.Errorf("%+v", r)
	}
	if r := p.Parse("甘(1888)玉门市不动产权第0001234号"); r.Valid {
		t.Errorf("year 1888 accepted: %+v", r)
	}
	r = p.Parse("https://bdc.gansu.gov.cn/query?zh=" + "%E7%94%98%282023%29%E7%8E%89%E9%97%A8%E5%B8%82%E4%B8%8D%E5%8A%A8%E4%BA%A7%E6%9D%83%E7%AC%AC0001234%E5%8F%B7")
	if r.Kind != credential.PropertyCertificate || !r.Valid || r.Fields["serial"] != "0001234" {
		t.Errorf("property URL: %+v", r)
	}
}

func TestLicenceURL(t *testing.T) {
	_, p := keys(t)
	uscc := validUSCC(t, "91620981MA72AB3C4")
	good := "https://zzlz.gsxt.gov.cn/businessCheck/verifKey.do?showType=p&serial=" + uscc + "-SAIC_SHOW_1000009162098100000123&signData=MEUCIQD"
	r := p.Parse(good)
	if r.Kind != credential.BusinessLicence || !r.Valid || r.Fields["uscc"] != uscc || r.Fields["host"] != "zzlz.gsxt.gov.cn" {
		t.Fatalf("%+v", r)
	}
	if r := p.Parse(strings.Replace(good, "zzlz.gsxt.gov.cn", "gs.gsxt.gov.cn", 1)); !r.Valid {
		t.Errorf("provincial sub-domain: %+v", r)
	}
	for _, bad := range []string{
		strings.Replace(good, "zzlz.gsxt.gov.cn", "zzlz.gsxt.gov.cn.evil.example", 1),
		strings.Replace(good, "zzlz.gsxt.gov.cn", "evilgsxt.gov.cn", 1),
		strings.Replace(good, "https://zzlz.gsxt.gov.cn", "https://zzlz.gsxt.gov.cn@evil.example", 1),
		"https://example.com/?serial=" + uscc,
	} {
		r := p.Parse(bad)
		if r.Valid || r.Kind == credential.BusinessLicence && r.Fields["uscc"] != "" {
			t.Errorf("%s accepted: %+v", bad, r)
		}
		if r.Error == "" {
			t.Errorf("%s: no message", bad)
		}
	}
	// A licence URL whose credit code fails its check is not a valid
	// licence, even on a trusted host.
	wrong := strings.Replace(good, uscc, uscc[:17]+"N", 1)
	if uscc[17] == 'N' {
		wrong = strings.Replace(good, uscc, uscc[:17]+"0", 1)
	}
	r = p.Parse(wrong)
	if r.Kind != credential.BusinessLicence || r.Valid || !strings.Contains(r.Error, "character 18") {
		t.Errorf("licence URL with a wrong check character: %+v", r)
	}
	r = p.Parse("https://zzlz.gsxt.gov.cn/businessCheck/verifKey.do?showType=p")
	if r.Valid || !strings.Contains(r.Error, "no unified social credit code") {
		t.Errorf("no serial: %+v", r)
	}
}

func TestRefused(t *testing.T) {
	_, p := keys(t)
	for _, c := range []struct{ in, msg string }{
		{strings.Repeat("A", credential.MaxPayload+1), "longer than"},
		{"abc\x00def", "control character"},
		{"abc\x1b[2Jdef", "control character"},
		{"invoice \u202egnp.exe", "bidirectional"},
		{"\u2067hidden", "bidirectional"},
		{"javascript:alert(1)", "javascript"},
		{" JavaScript:alert(1)", "javascript"},
		{"file:///etc/passwd", "file: URLs"},
		{"data:text/html;base64,PHNjcmlwdD4=", "data"},
		{"bad \xff utf8", "UTF-8"},
		{"", "empty"},
	} {
		r := p.Parse(c.in)
		if r.Valid || !strings.Contains(r.Error, c.msg) {
			t.Errorf("%.40q: %+v, want error with %q", c.in, r, c.msg)
		}
	}
}

func TestSigned(t *testing.T) {
	s, p := keys(t)
	ticket, err := s.Sign("ticket", map[string]string{"number": "A101", "service": "tax"}, now.Add(-time.Minute), now.Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	r := p.Parse(ticket)
	if r.Kind != credential.Ticket || !r.Valid || r.Fields["number"] != "A101" || r.Fields["key_id"] != "hall1" {
		t.Fatalf("ticket: %+v", r)
	}
	appt, _ := s.Sign("appointment", map[string]string{"slot": "2026-11-25T10:30"}, now, time.Time{})
	if r := p.Parse("https://hall.example.cn/a?c=" + appt); r.Kind != credential.Appointment || !r.Valid || r.Fields["slot"] == "" {
		t.Fatalf("appointment in URL: %+v", r)
	}
	// Forged: a changed claim with the old signature.
	parts := strings.Split(ticket, ".")
	forged, _ := s.Sign("ticket", map[string]string{"number": "A001", "service": "tax"}, now, now.Add(time.Hour))
	fp := strings.Split(forged, ".")
	if r := p.Parse(fp[0] + "." + fp[1] + "." + parts[2]); r.Valid || r.Kind != credential.Ticket || !strings.Contains(r.Error, "forged") {
		t.Fatalf("forged: %+v", r)
	}
	// Signed by a key we don't know.
	other := codesign.NewSigner(ed25519.NewKeyFromSeed(make([]byte, 32)), "evil")
	alien, _ := other.Sign("ticket", map[string]string{"number": "A101"}, now, now.Add(time.Hour))
	if r := p.Parse(alien); r.Valid || !strings.Contains(r.Error, "unknown key") {
		t.Fatalf("alien: %+v", r)
	}
	// Expired.
	old, _ := s.Sign("appointment", nil, now.Add(-48*time.Hour), now.Add(-24*time.Hour))
	if r := p.Parse(old); r.Valid || r.Kind != credential.Appointment || !strings.Contains(r.Error, "expired") {
		t.Fatalf("expired: %+v", r)
	}
	// Without a verifier nothing signed is trusted.
	var bare credential.Parser
	if r := bare.Parse(ticket); r.Valid {
		t.Fatalf("no verifier: %+v", r)
	}
	// A signed permit carries a licence.
	uscc := validUSCC(t, "91620981MA72AB3C4")
	permit, _ := s.Sign("permit", map[string]string{"uscc": uscc, "permit": "food_sale"}, now, time.Time{})
	if r := p.Parse(permit); r.Kind != credential.BusinessLicence || !r.Valid || r.Fields["uscc"] != uscc {
		t.Fatalf("permit: %+v", r)
	}
}

func TestTextAndURL(t *testing.T) {
	_, p := keys(t)
	if r := p.Parse("A101"); r.Kind != credential.Text || !r.Valid {
		t.Errorf("%+v", r)
	}
	if r := p.Parse("weixin://dl/business"); r.Kind != credential.URL || r.Valid {
		t.Errorf("%+v", r)
	}
	if r := p.Parse("https://example.com/"); r.Kind != credential.URL || r.Valid || r.Fields["host"] != "example.com" {
		t.Errorf("%+v", r)
	}
	// 18 digits without an ID's birth date: a credit code, invalid when its
	// check character is wrong (it was only warned about before GB 32100
	// validity was made strict).
	if r := p.Parse("916209810488735921"); r.Kind != credential.BusinessLicence || r.Valid || !strings.Contains(r.Error, "character 18") {
		t.Errorf("digits credit code: %+v", r)
	}
	// An ID with a mistyped check digit stays an invalid ID.
	if r := p.Parse("110105194912310021"); r.Kind != credential.IDNumber || r.Valid {
		t.Errorf("mistyped ID: %+v", r)
	}
	// A URL carrying something that only looks like our code.
	if r := p.Parse("https://hall.example.cn/q?c=HK1.garbage.x"); r.Kind != credential.URL || r.Valid {
		t.Errorf("fake signed URL: %+v", r)
	}
	if credential.Kind(99).String() != "kind(99)" || credential.IDNumber.String() != "id_number" {
		t.Error("kind names")
	}
}

// checkInvariants holds for every result, whatever the input.
func checkInvariants(t *testing.T, in string, r credential.Result) {
	if !r.Valid && r.Error == "" {
		t.Fatalf("%q: invalid without a message: %+v", in, r)
	}
	if r.Valid {
		for _, c := range in {
			if (c >= 0x202a && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069) {
				t.Fatalf("%q: bidi control accepted", in)
			}
		}
		if len(in) > credential.MaxPayload || !utf8.ValidString(in) {
			t.Fatalf("%q: accepted", in)
		}
		low := strings.ToLower(strings.TrimSpace(in))
		if strings.HasPrefix(low, "javascript:") || strings.HasPrefix(low, "file:") {
			t.Fatalf("%q: accepted", in)
		}
	}
	if r.Kind.String() == fmt.Sprintf("kind(%d)", int(r.Kind)) {
		t.Fatalf("%q: unknown kind %d", in, r.Kind)
	}
	if r.Kind == credential.IDNumber {
		for _, v := range r.Fields {
			if len(v) == 18 && strings.Contains(in, v) {
				t.Fatalf("%q: identity number unmasked", in)
			}
		}
	}
	if r.Valid && r.Kind == credential.BusinessLicence && r.Fields["uscc"] != "" {
		if _, err := credential.CheckUSCC(r.Fields["uscc"]); err != nil {
			t.Fatalf("%q: invalid credit code accepted: %v", in, err)
		}
	}
}

func FuzzParse(f *testing.F) {
	s, p := keys(f)
	ticket, _ := s.Sign("ticket", map[string]string{"number": "A101"}, now, now.Add(time.Hour))
	for _, seed := range []string{"A101", ticket, "91350100M000100Y43", "11010519491231002X",
		"甘(2023)玉门市不动产权第0001234号", "javascript:alert(1)",
		"https://zzlz.gsxt.gov.cn/businessCheck/verifKey.do?showType=p&serial=91350100M000100Y43-SAIC_SHOW_1"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, in string) {
		checkInvariants(t, in, p.Parse(in))
	})
}

func FuzzCheckUSCC(f *testing.F) {
	f.Add("91350100M000100Y43")
	f.Add("91350100M0001TGQXM")
	f.Fuzz(func(t *testing.T, in string) {
		ok, err := credential.CheckUSCC(in)
		if ok != (err == nil) {
			t.Fatalf("%q: ok %v err %v", in, ok, err)
		}
		if ok {
			c, err := credential.USCCCheckChar(in[:17])
			if err != nil || c != in[17] {
				t.Fatalf("%q: check %c %v", in, c, err)
			}
		}
	})
}

func FuzzCheckIDNumber(f *testing.F) {
	f.Add("11010519491231002X")
	f.Add("620981199001011234")
	f.Fuzz(func(t *testing.T, in string) {
		if err := credential.CheckIDNumber(in); err == nil {
			c, _ := credential.IDCheckChar(in[:17])
			if len(in) != 18 || (in[17] != c && !(in[17] == 'x' && c == 'X')) {
				t.Fatalf("%q accepted", in)
			}
		}
	})
}

func FuzzParseProperty(f *testing.F) {
	f.Add("甘(2023)玉门市不动产权第0001234号")
	f.Add("甘（2021）酒泉市不动产证明第0000042号")
	f.Fuzz(func(t *testing.T, in string) {
		r, ok := credential.ParseProperty(in)
		if ok && (r.Kind != credential.PropertyCertificate || r.Fields["serial"] == "" || !strings.HasSuffix(in, "号")) {
			t.Fatalf("%q: %+v", in, r)
		}
	})
}

func ExampleParser_Parse() {
	var p credential.Parser
	r := p.Parse("甘（2023）玉门市不动产权第0001234号")
	fmt.Println(r.Kind, r.Valid, r.Fields["place"], r.Fields["serial"])
	// Output: property_certificate true 玉门市 0001234
}
