package credential

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"hallkiosk/internal/codesign"
	"hallkiosk/internal/pii"
	"hallkiosk/internal/uscc"
)

// Kind is what a payload was recognised as.
type Kind int

// Kinds of payload.
const (
	Text Kind = iota
	URL
	BusinessLicence
	PropertyCertificate
	IDNumber
	Ticket
	Appointment
)

var kindNames = [...]string{"text", "url", "business_licence", "property_certificate", "id_number", "ticket", "appointment"}

// String returns the kind's name as used in JSON, e.g. "business_licence".
func (k Kind) String() string {
	if k < 0 || int(k) >= len(kindNames) {
		return fmt.Sprintf("kind(%d)", int(k))
	}
	return kindNames[k]
}

// MarshalText encodes the kind as its name.
func (k Kind) MarshalText() ([]byte, error) { return []byte(k.String()), nil }

// MaxPayload is the longest payload accepted, in bytes.
const MaxPayload = 4096

// Result is what Parse found.
type Result struct {
	Kind Kind `json:"kind"`
	// Valid is true when the payload is well formed and passed its checks
	// (check digits, signature, allow list); Warnings may still be set.
	Valid bool `json:"valid"`
	// Fields are the parsed parts, e.g. "uscc", "division", "serial".
	// Identity numbers appear only masked.
	Fields   map[string]string `json:"fields,omitempty"`
	Warnings []string          `json:"warnings,omitempty"`
	// Error says why the payload is not valid, in one line.
	Error string `json:"error,omitempty"`
}

// DefaultLicenceHosts are the hosts whose licence URLs are trusted: the
// national enterprise credit publicity system and its provincial
// sub-domains. An entry starting with "." matches any sub-domain.
var DefaultLicenceHosts = []string{"zzlz.gsxt.gov.cn", "www.gsxt.gov.cn", ".gsxt.gov.cn", "scjgj.gansu.gov.cn", "amr.gansu.gov.cn"}

// DefaultPropertyHosts are the hosts whose property-certificate query URLs
// are trusted.
var DefaultPropertyHosts = []string{".zrzyt.gansu.gov.cn", "bdc.gansu.gov.cn", ".bdc.gansu.gov.cn"}

// Parser recognises payloads. The zero value parses everything but cannot
// check signed codes (they are reported invalid).
type Parser struct {
	// Verifier checks our own signed codes; nil means none are trusted.
	Verifier *codesign.Verifier
	// Now is the clock for expiry; nil means time.Now.
	Now func() time.Time
	// LicenceHosts and PropertyHosts override the default allow lists.
	LicenceHosts  []string
	PropertyHosts []string
}

// Parse recognises text and checks it. It never fails: a refused payload
// comes back with Valid false and Error set.
func (p *Parser) Parse(text string) Result {
	if len(text) > MaxPayload {
		return refuse(Text, "credential: payload of %d bytes is longer than the %d allowed", len(text), MaxPayload)
	}
	if !utf8.ValidString(text) {
		return refuse(Text, "credential: payload is not valid UTF-8 text")
	}
	text = strings.TrimSpace(text)
	for i, r := range text {
		if isBidi(r) {
			return refuse(Text, "credential: payload holds a bidirectional control character U+%04X at byte %d (text could display differently from what it is)", r, i)
		}
		if unicode.IsControl(r) || r == utf8.RuneError || (unicode.Is(unicode.Cf, r) && r != '\u200d') {
			return refuse(Text, "credential: payload holds control character U+%04X at byte %d", r, i)
		}
	}
	if text == "" {
		return refuse(Text, "credential: empty payload")
	}
	if strings.HasPrefix(text, codesign.Prefix) || strings.Contains(text, "c="+codesign.Prefix) {
		return p.signed(text)
	}
	if scheme, ok := urlScheme(text); ok {
		return p.parseURL(text, scheme)
	}
	if r, ok := parseIDOrUSCC(text); ok {
		return r
	}
	if r, ok := ParseProperty(text); ok {
		return r
	}
	return Result{Kind: Text, Valid: true, Fields: map[string]string{"length": fmt.Sprint(utf8.RuneCountInString(text))}}
}

func refuse(k Kind, format string, a ...any) Result {
	return Result{Kind: k, Error: fmt.Sprintf(format, a...)}
}

// isBidi reports the Unicode bidirectional embedding, override and isolate
// controls and the directional marks.
func isBidi(r rune) bool {
	return (r >= '\u202a' && r <= '\u202e') || (r >= '\u2066' && r <= '\u2069') || r == '\u200e' || r == '\u200f' || r == '\u061c'
}

var schemeRe = regexp.MustCompile(`^([A-Za-z][A-Za-z0-9+.\-]{0,30}):`)

// urlScheme returns the lower-case scheme when text looks like a URL.
func urlScheme(text string) (string, bool) {
	m := schemeRe.FindStringSubmatch(text)
	if m == nil {
		return "", false
	}
	s := strings.ToLower(m[1])
	switch s {
	case "http", "https", "javascript", "file", "data", "vbscript", "ftp", "mailto", "tel", "sms", "weixin", "alipays", "intent":
		return s, true
	}
	// Anything else with "://" is a URL too.
	if strings.HasPrefix(text[len(m[0]):], "//") {
		return s, true
	}
	return "", false
}

func (p *Parser) now() time.Time {
	if p.Now != nil {
		return p.Now()
	}
	return time.Now()
}

// signed checks one of our own codes.
func (p *Parser) signed(text string) Result {
	kind := kindOfClaim(peekKind(text))
	if _, isURL := urlScheme(text); kind == Text && isURL {
		kind = URL
	}
	if p.Verifier == nil {
		return refuse(kind, "credential: no verification key configured; signed code not trusted")
	}
	c, err := p.Verifier.Verify(text, p.now())
	if err != nil {
		return refuse(kind, "credential: %v", err)
	}
	r := Result{Kind: kindOfClaim(c.Kind), Valid: true, Fields: map[string]string{
		"signed_kind": c.Kind,
		"key_id":      c.KeyID,
		"issued":      c.IssuedAt().UTC().Format(time.RFC3339),
	}}
	if !c.ExpiresAt().IsZero() {
		r.Fields["expires"] = c.ExpiresAt().UTC().Format(time.RFC3339)
	}
	for k, v := range c.Fields {
		if _, clash := r.Fields[k]; !clash {
			r.Fields[k] = v
		}
	}
	if r.Kind == Text {
		r.Valid = false
		r.Error = fmt.Sprintf("credential: signed code of kind %q is not one the kiosk accepts", c.Kind)
	}
	if r.Kind == BusinessLicence && r.Fields["uscc"] != "" {
		// A signature vouches for who issued the code, not for the credit
		// code in it: GB 32100 validity holds here too.
		if _, err := CheckUSCC(r.Fields["uscc"]); err != nil {
			r.Valid = false
			r.Error = err.Error()
		}
	}
	return r
}

func kindOfClaim(k string) Kind {
	switch k {
	case "ticket":
		return Ticket
	case "appointment":
		return Appointment
	case "permit", "licence":
		return BusinessLicence
	}
	return Text
}

// peekKind reads the kind of a signed code without trusting it, only to
// say what a refused code claimed to be.
func peekKind(text string) string {
	code, ok := codesign.Extract(text)
	if !ok {
		return ""
	}
	parts := strings.Split(code, ".")
	if len(parts) != 3 {
		return ""
	}
	b, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		return ""
	}
	var c struct {
		K string `json:"k"`
	}
	if json.Unmarshal(b, &c) != nil {
		return ""
	}
	return c.K
}

// hostAllowed matches host against an allow list (".x" = any sub-domain of x).
func hostAllowed(host string, list []string) bool {
	host = strings.ToLower(strings.TrimSuffix(host, "."))
	for _, h := range list {
		if strings.HasPrefix(h, ".") {
			if strings.HasSuffix(host, h) && len(host) > len(h) {
				return true
			}
		} else if host == h {
			return true
		}
	}
	return false
}

func (p *Parser) parseURL(text, scheme string) Result {
	switch scheme {
	case "javascript", "vbscript", "data":
		return refuse(URL, "credential: %s: URLs run code or carry hidden content and are refused", scheme)
	case "file":
		return refuse(URL, "credential: file: URLs point into the kiosk's own disk and are refused")
	case "http", "https":
	default:
		return refuse(URL, "credential: %s: links are not opened by the kiosk", scheme)
	}
	u, err := url.Parse(text)
	if err != nil {
		return refuse(URL, "credential: malformed URL")
	}
	if u.User != nil {
		return refuse(URL, "credential: URL with user credentials refused")
	}
	host := u.Hostname()
	fields := map[string]string{"scheme": scheme, "host": strings.ToLower(host)}
	licHosts := p.LicenceHosts
	if licHosts == nil {
		licHosts = DefaultLicenceHosts
	}
	propHosts := p.PropertyHosts
	if propHosts == nil {
		propHosts = DefaultPropertyHosts
	}
	q := u.Query()
	switch {
	case hostAllowed(host, licHosts):
		uscc := usccFromQuery(q)
		if uscc == "" {
			return Result{Kind: BusinessLicence, Fields: fields, Error: "credential: licence URL carries no unified social credit code"}
		}
		r := usccResult(uscc)
		for k, v := range fields {
			r.Fields[k] = v
		}
		if scheme == "http" {
			r.Warnings = append(r.Warnings, "licence URL uses plain http")
		}
		return r
	case hostAllowed(host, propHosts):
		for _, vs := range q {
			for _, v := range vs {
				if r, ok := ParseProperty(v); ok {
					for k, v := range fields {
						r.Fields[k] = v
					}
					return r
				}
			}
		}
		return Result{Kind: PropertyCertificate, Fields: fields, Error: "credential: property URL carries no certificate number"}
	}
	r := refuse(URL, "credential: host %q is not on the allow list; the kiosk does not open it", host)
	r.Fields = fields
	return r
}

// usccFromQuery finds the USCC in a licence URL's query: the part of
// "serial" before '-', or a parameter named like a credit code.
func usccFromQuery(q url.Values) string {
	if s := q.Get("serial"); s != "" {
		s, _, _ = strings.Cut(s, "-")
		if len(s) == 18 {
			return strings.ToUpper(s)
		}
	}
	for _, k := range []string{"uscc", "creditCode", "tyshxydm", "code"} {
		if v := q.Get(k); len(v) == 18 {
			return strings.ToUpper(v)
		}
	}
	return ""
}

// parseIDOrUSCC recognises an 18-character identity number or credit code.
func parseIDOrUSCC(text string) (Result, bool) {
	if len(text) != 18 {
		return Result{}, false
	}
	up := strings.ToUpper(text)
	if looksLikeID(up) {
		idErr := CheckIDNumber(up)
		_, usccErr := CheckUSCC(up)
		// An all-digit string can be both. A passing ID check wins, then a
		// passing credit-code check; otherwise it is read as an ID number
		// when it has an ID's region and birth date (a mistyped check
		// character), else as a credit code (which warns about its check).
		switch {
		case idErr == nil:
			return idResult(up, nil), true
		case usccErr == nil, !idShape(up):
			return usccResult(up), true
		}
		return idResult(up, idErr), true
	}
	if isUSCCCharset(up) {
		return usccResult(up), true
	}
	return Result{}, false
}

// idShape reports whether s has an ID number's province prefix and a
// possible birth date.
func idShape(s string) bool {
	if _, ok := provinces[s[:2]]; !ok {
		return false
	}
	b, err := time.Parse("20060102", s[6:14])
	return err == nil && b.Year() >= 1900 && !b.After(time.Now())
}

func looksLikeID(s string) bool {
	for i := 0; i < 17; i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return (s[17] >= '0' && s[17] <= '9') || s[17] == 'X'
}

func idResult(id string, err error) Result {
	r := Result{Kind: IDNumber, Valid: err == nil, Fields: map[string]string{"number_masked": pii.MaskID(id)}}
	if err != nil {
		r.Error = err.Error()
		return r
	}
	r.Fields["province"] = provinces[id[:2]]
	r.Fields["division"] = id[:6]
	r.Fields["birth_date"] = id[6:10] + "-" + id[10:12] + "-" + id[12:14]
	if (id[16]-'0')%2 == 1 {
		r.Fields["sex"] = "male"
	} else {
		r.Fields["sex"] = "female"
	}
	return r
}

// usccResult checks a credit code strictly (GB 32100): a code whose check
// character does not match is invalid, and Error names the wrong character.
// The parts are reported when the code has the shape of a credit code, so
// that staff can see what was scanned.
func usccResult(code string) Result {
	r := Result{Kind: BusinessLicence, Fields: map[string]string{"uscc": code}}
	checkOK, err := CheckUSCC(code)
	if !isUSCCCharset(code) {
		r.Error = err.Error()
		return r
	}
	r.Fields["registration_authority"] = code[0:1]
	r.Fields["organisation_type"] = code[1:2]
	r.Fields["division"] = code[2:8]
	r.Fields["organisation_code"] = code[8:17]
	want, _ := uscc.CheckChar(code[:17])
	r.Fields["check_ok"] = fmt.Sprint(want == code[17])
	r.Valid = checkOK
	if err != nil {
		r.Error = err.Error()
	}
	return r
}

var propertyRe = regexp.MustCompile(`^(\p{Han})[(（](\d{4})[)）](.+?)不动产(权|证明)第(\d+)号$`)

// ParseProperty recognises a real-estate certificate number such as
// 甘(2023)玉门市不动产权第0001234号 (full- or half-width brackets).
func ParseProperty(text string) (Result, bool) {
	m := propertyRe.FindStringSubmatch(text)
	if m == nil {
		return Result{}, false
	}
	r := Result{Kind: PropertyCertificate, Valid: true, Fields: map[string]string{
		"province": m[1], "year": m[2], "place": m[3], "serial": m[5],
		"number": m[1] + "(" + m[2] + ")" + m[3] + "不动产" + m[4] + "第" + m[5] + "号",
	}}
	if m[4] == "权" {
		r.Fields["type"] = "certificate"
	} else {
		r.Fields["type"] = "registration_proof"
	}
	year := int(m[2][0]-'0')*1000 + int(m[2][1]-'0')*100 + int(m[2][2]-'0')*10 + int(m[2][3]-'0')
	if year < 2007 || year > time.Now().Year()+1 {
		r.Valid = false
		r.Error = fmt.Sprintf("credential: certificate year %d is out of range", year)
	}
	if len(m[5]) > 12 {
		r.Valid = false
		r.Error = "credential: certificate serial is too long"
	}
	if utf8.RuneCountInString(m[3]) > 20 {
		r.Valid = false
		r.Error = "credential: certificate place name is too long"
	}
	return r, true
}
