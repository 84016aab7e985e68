// Package wire is the uplink protocol between a site (a hall server or a
// township box) and the city server: the batch format, its strict decoder
// and the request signature. Both sides import it, so they cannot drift.
//
// A site pushes its committed event log in batches of consecutive
// sequence numbers; the city keeps, per site, the highest contiguous
// sequence it holds (the checkpoint) and answers it, so a resent or
// duplicated batch is applied once and a gap is never filled by later
// events. Every request but enrolment and GET time is signed with the
// site's ed25519 key, as kiosks sign their requests to the hall
// (docs/SYNC.md), under its own domain tag so a kiosk signature can never
// pass for a site's.
package wire

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strconv"
	"time"
)

// Routes of the uplink API.
const (
	PathTime  = "/api/v1/uplink/time"
	PathEnrol = "/api/v1/uplink/enrol"
	PathPush  = "/api/v1/uplink/push"
)

// Limits of a push.
const (
	MaxBody      = 8 << 20 // bytes of one request body
	MaxEvents    = 5000    // events in one batch
	MaxField     = 256     // bytes of one short text field
	MaxDetail    = 4096    // bytes of an event's detail (and of a rating's text)
	MaxReasons   = 10      // reasons of a rating
	MaxStatusLen = 64 << 10
)

// Event is one committed event of the site's log (the hall engine's
// events: tickets through their lifecycle, calls, ratings, window changes;
// and device health and kiosk status). Seq is the site's log sequence,
// starting at 1 with no gaps; At is the site clock in unix milliseconds;
// Day the site-local day (YYYY-MM-DD). No personal data travels: tickets
// are named by id and label, staff by user name.
type Event struct {
	Seq     int64  `json:"seq"`
	At      int64  `json:"at"`
	Day     string `json:"day"`
	Kind    string `json:"kind"`
	Ticket  string `json:"ticket,omitempty"`
	Label   string `json:"label,omitempty"`
	Service string `json:"service,omitempty"`
	Window  int    `json:"window,omitempty"`
	Actor   string `json:"actor,omitempty"`
	State   string `json:"state,omitempty"`
	Detail  string `json:"detail,omitempty"`
	// Reasons and Text are a rating's chosen reasons and its words (a
	// rate event only; the site sends no other personal data of it).
	Reasons []string `json:"reasons,omitempty"`
	Text    string   `json:"text,omitempty"`
	// Rater is the hall's keyed hash of the rating person's ID number
	// (hex, never the number), when the ticket was taken by ID card; the
	// city keys it again for 评价人.
	Rater string `json:"rater,omitempty"`
}

// Status is the site's live state, sent with every push (not sequenced:
// the latest wins).
type Status struct {
	Waiting        int     `json:"waiting"`
	LongestWaitMin float64 `json:"longest_wait_min"`
	OpenWindows    int     `json:"open_windows"`
	KiosksOnline   int     `json:"kiosks_online"`
	KiosksFaulty   int     `json:"kiosks_faulty"`
	CatalogVersion string  `json:"catalog_version"`
	Software       string  `json:"software"`
	Kiosks         []Kiosk `json:"kiosks,omitempty"`
}

// Kiosk is one kiosk of a site as the fleet page shows it.
type Kiosk struct {
	Device    string `json:"device"`
	Name      string `json:"name,omitempty"`
	Software  string `json:"software,omitempty"`
	Health    string `json:"health,omitempty"` // free text or JSON of device states
	PaperOut  bool   `json:"paper_out,omitempty"`
	Faulty    bool   `json:"faulty,omitempty"`
	LastHeard int64  `json:"last_heard,omitempty"` // unix ms, site clock
	Online    bool   `json:"online"`
}

// Push is the body of POST push.
type Push struct {
	Site   string  `json:"site"`
	SentAt int64   `json:"sent_at"` // site clock, unix ms: the city measures the skew
	Events []Event `json:"events"`
	Status *Status `json:"status,omitempty"`
}

// PushReply answers a push: the highest contiguous sequence the city
// holds for the site, how many events were new and how many it already
// had, and whether the batch started beyond the checkpoint (a gap: the
// site resends from Acked+1).
type PushReply struct {
	Acked      int64 `json:"acked"`
	Applied    int   `json:"applied"`
	Duplicates int   `json:"duplicates"`
	Gap        bool  `json:"gap"`
	CityTime   int64 `json:"city_time"`
}

// Enrol is the body of POST enrol.
type Enrol struct {
	Code      string `json:"code"`
	PublicKey []byte `json:"public_key"`
	Software  string `json:"software,omitempty"`
	// Signature is ed25519 over "HK-CITY-ENROL-1\n" + code, by the key.
	Signature []byte `json:"signature"`
}

// EnrolReply answers an enrolment.
type EnrolReply struct {
	Site     string `json:"site"`
	Name     string `json:"name"`
	Kind     string `json:"kind"`
	CityTime int64  `json:"city_time"`
}

// Error is a refusal's code and message. The city writes refusals in the
// one error format of internal/httpjson ({"error": {"code", "message"}});
// older cities wrote this struct flat. ParseError reads both.
type Error struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

// ParseError reads a refusal's body in either form; a body in neither gives
// the zero Error.
func ParseError(body []byte) Error {
	var nested struct {
		Error json.RawMessage `json:"error"`
	}
	if json.Unmarshal(body, &nested) == nil && len(nested.Error) > 0 && nested.Error[0] == '{' {
		var e Error
		json.Unmarshal(nested.Error, &e)
		return e
	}
	var e Error
	json.Unmarshal(body, &e)
	return e
}

// Errors of decoding; the city answers 400 malformed / 413 too_large.
var (
	ErrMalformed = errors.New("wire: malformed batch")
	ErrTooLarge  = errors.New("wire: batch too large")
)

var (
	siteRe = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,39}$`)
	dayRe  = regexp.MustCompile(`^(20[2-9][0-9])-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$`)
	kindRe = regexp.MustCompile(`^[a-z][a-z0-9_.]{0,31}$`)
)

// ValidSite reports whether s is a well-formed site id: lowercase letters,
// digits and dashes, at most 40.
func ValidSite(s string) bool { return siteRe.MatchString(s) }

// DecodePush reads and checks one push body: strict JSON (unknown fields
// and trailing data refused), at most MaxBody bytes and MaxEvents events,
// sequences positive and consecutive, days well-formed, fields bounded.
func DecodePush(r io.Reader) (*Push, error) {
	data, err := io.ReadAll(io.LimitReader(r, MaxBody+1))
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	if len(data) > MaxBody {
		return nil, fmt.Errorf("%w: body over %d bytes", ErrTooLarge, MaxBody)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var p Push
	if err := dec.Decode(&p); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	if dec.More() {
		return nil, fmt.Errorf("%w: trailing data after the batch", ErrMalformed)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, fmt.Errorf("%w: trailing data after the batch", ErrMalformed)
	}
	if err := p.Check(); err != nil {
		return nil, err
	}
	return &p, nil
}

// Check validates a decoded push.
func (p *Push) Check() error {
	if !ValidSite(p.Site) {
		return fmt.Errorf("%w: bad site id", ErrMalformed)
	}
	if len(p.Events) > MaxEvents {
		return fmt.Errorf("%w: %d events, at most %d", ErrTooLarge, len(p.Events), MaxEvents)
	}
	if p.SentAt <= 0 {
		return fmt.Errorf("%w: sent_at missing", ErrMalformed)
	}
	for i := range p.Events {
		e := &p.Events[i]
		if e.Seq <= 0 {
			return fmt.Errorf("%w: event %d: seq %d, want > 0", ErrMalformed, i, e.Seq)
		}
		if i > 0 && e.Seq != p.Events[i-1].Seq+1 {
			return fmt.Errorf("%w: event %d: seq %d after %d, want consecutive", ErrMalformed, i, e.Seq, p.Events[i-1].Seq)
		}
		if e.At <= 0 {
			return fmt.Errorf("%w: event seq %d: time missing", ErrMalformed, e.Seq)
		}
		if !dayRe.MatchString(e.Day) {
			return fmt.Errorf("%w: event seq %d: bad day %q", ErrMalformed, e.Seq, e.Day)
		}
		if _, err := time.Parse(time.DateOnly, e.Day); err != nil {
			return fmt.Errorf("%w: event seq %d: bad day %q", ErrMalformed, e.Seq, e.Day)
		}
		if !kindRe.MatchString(e.Kind) {
			return fmt.Errorf("%w: event seq %d: bad kind", ErrMalformed, e.Seq)
		}
		for _, f := range []string{e.Ticket, e.Label, e.Service, e.Actor, e.State} {
			if len(f) > MaxField {
				return fmt.Errorf("%w: event seq %d: field over %d bytes", ErrMalformed, e.Seq, MaxField)
			}
		}
		if len(e.Detail) > MaxDetail {
			return fmt.Errorf("%w: event seq %d: detail over %d bytes", ErrMalformed, e.Seq, MaxDetail)
		}
		if e.Rater != "" && (e.Kind != "rate" || !hexRe.MatchString(e.Rater)) {
			return fmt.Errorf("%w: event seq %d: rater is 64 hex digits on a rate event", ErrMalformed, e.Seq)
		}
		if (len(e.Reasons) > 0 || e.Text != "") && e.Kind != "rate" {
			return fmt.Errorf("%w: event seq %d: reasons or text on a %s event", ErrMalformed, e.Seq, e.Kind)
		}
		if len(e.Reasons) > MaxReasons || len(e.Text) > MaxDetail {
			return fmt.Errorf("%w: event seq %d: over %d reasons or text over %d bytes", ErrMalformed, e.Seq, MaxReasons, MaxDetail)
		}
		for _, r := range e.Reasons {
			if len(r) > MaxField || !validText(r) {
				return fmt.Errorf("%w: event seq %d: bad rating reason", ErrMalformed, e.Seq)
			}
		}
		if !validText(e.Text) {
			return fmt.Errorf("%w: event seq %d: text with NUL or invalid UTF-8", ErrMalformed, e.Seq)
		}
		if e.Window < 0 || e.Window > 100000 {
			return fmt.Errorf("%w: event seq %d: bad window", ErrMalformed, e.Seq)
		}
		if !validText(e.Ticket) || !validText(e.Label) || !validText(e.Service) || !validText(e.Actor) || !validText(e.State) || !validText(e.Detail) {
			return fmt.Errorf("%w: event seq %d: text with NUL or invalid UTF-8", ErrMalformed, e.Seq)
		}
	}
	if p.Status != nil {
		if len(p.Status.Kiosks) > 1000 {
			return fmt.Errorf("%w: status lists over 1000 kiosks", ErrTooLarge)
		}
		if len(p.Status.CatalogVersion) > MaxField || len(p.Status.Software) > MaxField {
			return fmt.Errorf("%w: status field over %d bytes", ErrMalformed, MaxField)
		}
		for _, k := range p.Status.Kiosks {
			if len(k.Device) > MaxField || len(k.Name) > MaxField || len(k.Software) > MaxField || len(k.Health) > MaxDetail {
				return fmt.Errorf("%w: kiosk field too long", ErrMalformed)
			}
			if !validText(k.Device) || !validText(k.Name) || !validText(k.Software) || !validText(k.Health) {
				return fmt.Errorf("%w: kiosk text with NUL or invalid UTF-8", ErrMalformed)
			}
		}
	}
	return nil
}

// validText refuses NUL (PostgreSQL text cannot hold it) and invalid UTF-8.
func validText(s string) bool {
	for _, r := range s {
		if r == 0 || r == 0xFFFD {
			return false
		}
	}
	return true
}

// Request headers of a site-signed request.
const (
	HeaderSite      = "X-HK-Site"
	HeaderTime      = "X-HK-Time"
	HeaderNonce     = "X-HK-Nonce"
	HeaderSignature = "X-HK-Signature"
)

// SigningText is what a site signs: a domain tag distinct from the
// kiosks' (HK-SYNC-1), method, path, body hash, time, nonce and site id.
func SigningText(method, path string, bodyHash [32]byte, timeMS int64, nonce, site string) []byte {
	return fmt.Appendf(nil, "HK-CITY-1\n%s\n%s\n%x\n%d\n%s\n%s", method, path, bodyHash, timeMS, nonce, site)
}

// EnrolText is what a site signs to prove it holds the key it enrols.
func EnrolText(code string) []byte { return []byte("HK-CITY-ENROL-1\n" + code) }

// Sign adds the signature headers to r for body at time now.
func Sign(r *http.Request, body []byte, site string, key ed25519.PrivateKey, now time.Time) error {
	var nb [16]byte
	if _, err := rand.Read(nb[:]); err != nil {
		return fmt.Errorf("wire: nonce: %w", err)
	}
	nonce := hex.EncodeToString(nb[:])
	ms := now.UnixMilli()
	sig := ed25519.Sign(key, SigningText(r.Method, r.URL.Path, sha256.Sum256(body), ms, nonce, site))
	r.Header.Set(HeaderSite, site)
	r.Header.Set(HeaderTime, strconv.FormatInt(ms, 10))
	r.Header.Set(HeaderNonce, nonce)
	r.Header.Set(HeaderSignature, base64.StdEncoding.EncodeToString(sig))
	return nil
}

// Signed holds the parsed signature headers of a request.
type Signed struct {
	Site   string
	TimeMS int64
	Nonce  string
	Sig    []byte
}

// ErrUnsigned means the signature headers are missing or malformed.
var ErrUnsigned = errors.New("wire: request not signed")

// ParseSigned reads the signature headers of r.
func ParseSigned(r *http.Request) (*Signed, error) {
	s := &Signed{Site: r.Header.Get(HeaderSite), Nonce: r.Header.Get(HeaderNonce)}
	if !ValidSite(s.Site) {
		return nil, fmt.Errorf("%w: bad site header", ErrUnsigned)
	}
	var err error
	if s.TimeMS, err = strconv.ParseInt(r.Header.Get(HeaderTime), 10, 64); err != nil {
		return nil, fmt.Errorf("%w: bad time header", ErrUnsigned)
	}
	if b, err := hex.DecodeString(s.Nonce); err != nil || len(b) != 16 {
		return nil, fmt.Errorf("%w: bad nonce header", ErrUnsigned)
	}
	if s.Sig, err = base64.StdEncoding.DecodeString(r.Header.Get(HeaderSignature)); err != nil || len(s.Sig) != ed25519.SignatureSize {
		return nil, fmt.Errorf("%w: bad signature header", ErrUnsigned)
	}
	return s, nil
}

// Verify checks the signature of r over body with the site's key.
func (s *Signed) Verify(r *http.Request, body []byte, pub ed25519.PublicKey) bool {
	if len(pub) != ed25519.PublicKeySize {
		return false
	}
	return ed25519.Verify(pub, SigningText(r.Method, r.URL.Path, sha256.Sum256(body), s.TimeMS, s.Nonce, s.Site), s.Sig)
}

var hexRe = regexp.MustCompile(`^[0-9a-f]{64}$`)
