// Package codesign makes and checks the signed payloads that our own QR codes
// carry: queue tickets, appointment bookings and permits registered at the
// hall. A forged, altered, expired or foreign code is refused.
//
// Format (ASCII, fits a QR code in byte mode):
//
//	HK1.<base64url(JSON claims)>.<base64url(ed25519 signature)>
//
// where the signature covers the text "HK1." + the first base64 part, and
// the claims are {"k": kind, "kid": key id, "iat": unix s, "exp": unix s,
// "f": {field: value}}. A code may also be embedded in a URL as the value of
// the query parameter "c" (for phones): Extract finds it.
package codesign

import (
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"
)

// Prefix starts every signed code.
const Prefix = "HK1."

// MaxLen bounds a code's length; longer input is refused before decoding.
const MaxLen = 2048

// Errors returned by Verify. They are wrapped with detail; test with errors.Is.
var (
	ErrFormat     = errors.New("codesign: not a signed code")
	ErrSignature  = errors.New("codesign: signature does not match (forged or altered)")
	ErrUnknownKey = errors.New("codesign: signed by an unknown key")
	ErrExpired    = errors.New("codesign: code expired")
	ErrNotYet     = errors.New("codesign: code not valid yet")
)

// Claims is what a code says.
type Claims struct {
	Kind    string            `json:"k"`
	KeyID   string            `json:"kid"`
	Issued  int64             `json:"iat"`
	Expires int64             `json:"exp,omitempty"`
	Fields  map[string]string `json:"f,omitempty"`
}

// IssuedAt returns the issue time.
func (c *Claims) IssuedAt() time.Time { return time.Unix(c.Issued, 0) }

// ExpiresAt returns the expiry, zero when the code does not expire.
func (c *Claims) ExpiresAt() time.Time {
	if c.Expires == 0 {
		return time.Time{}
	}
	return time.Unix(c.Expires, 0)
}

// Signer signs codes with one key.
type Signer struct {
	priv  ed25519.PrivateKey
	keyID string
}

// NewSigner returns a Signer for priv, named keyID in the codes it makes.
func NewSigner(priv ed25519.PrivateKey, keyID string) *Signer {
	return &Signer{priv: priv, keyID: keyID}
}

// KeyID returns the signer's key id.
func (s *Signer) KeyID() string { return s.keyID }

// Public returns the verification key.
func (s *Signer) Public() ed25519.PublicKey { return s.priv.Public().(ed25519.PublicKey) }

// Sign makes a code of kind with fields, issued at now and valid until
// expires (zero: no expiry).
func (s *Signer) Sign(kind string, fields map[string]string, now, expires time.Time) (string, error) {
	c := Claims{Kind: kind, KeyID: s.keyID, Issued: now.Unix(), Fields: fields}
	if !expires.IsZero() {
		c.Expires = expires.Unix()
	}
	b, err := json.Marshal(c)
	if err != nil {
		return "", fmt.Errorf("codesign: %w", err)
	}
	body := Prefix + base64.RawURLEncoding.EncodeToString(b)
	sig := ed25519.Sign(s.priv, []byte(body))
	code := body + "." + base64.RawURLEncoding.EncodeToString(sig)
	if len(code) > MaxLen {
		return "", fmt.Errorf("codesign: code of %d bytes is longer than %d", len(code), MaxLen)
	}
	return code, nil
}

// Verifier checks codes against known public keys.
type Verifier struct {
	keys map[string]ed25519.PublicKey
	// Skew is the clock tolerance for "not yet valid"; default 5 minutes.
	Skew time.Duration
}

// NewVerifier returns a Verifier trusting keys (key id → public key).
func NewVerifier(keys map[string]ed25519.PublicKey) *Verifier {
	k := make(map[string]ed25519.PublicKey, len(keys))
	for id, pub := range keys {
		k[id] = pub
	}
	return &Verifier{keys: k, Skew: 5 * time.Minute}
}

// Extract returns the signed code inside text: text itself when it starts
// with Prefix, or the "c" query parameter of a URL. ok is false otherwise.
func Extract(text string) (code string, ok bool) {
	text = strings.TrimSpace(text)
	if len(text) > MaxLen*2 {
		return "", false
	}
	if strings.HasPrefix(text, Prefix) {
		return text, true
	}
	if u, err := url.Parse(text); err == nil && (u.Scheme == "https" || u.Scheme == "http") {
		if c := u.Query().Get("c"); strings.HasPrefix(c, Prefix) {
			return c, true
		}
	}
	return "", false
}

// Verify checks code (a bare code or one inside a URL, see Extract) and
// returns its claims. now is the verifier's clock.
func (v *Verifier) Verify(code string, now time.Time) (*Claims, error) {
	code, ok := Extract(code)
	if !ok {
		return nil, ErrFormat
	}
	if len(code) > MaxLen {
		return nil, fmt.Errorf("%w: longer than %d bytes", ErrFormat, MaxLen)
	}
	dot := strings.LastIndexByte(code, '.')
	if dot <= len(Prefix) {
		return nil, fmt.Errorf("%w: no signature part", ErrFormat)
	}
	body, sigText := code[:dot], code[dot+1:]
	sig, err := base64.RawURLEncoding.DecodeString(sigText)
	if err != nil || len(sig) != ed25519.SignatureSize {
		return nil, fmt.Errorf("%w: bad signature encoding", ErrFormat)
	}
	raw, err := base64.RawURLEncoding.DecodeString(body[len(Prefix):])
	if err != nil {
		return nil, fmt.Errorf("%w: bad claims encoding", ErrFormat)
	}
	var c Claims
	if err := json.Unmarshal(raw, &c); err != nil {
		return nil, fmt.Errorf("%w: bad claims: %v", ErrFormat, err)
	}
	pub, ok := v.keys[c.KeyID]
	if !ok {
		return nil, fmt.Errorf("%w %q", ErrUnknownKey, c.KeyID)
	}
	if !ed25519.Verify(pub, []byte(body), sig) {
		return nil, ErrSignature
	}
	if c.Issued > now.Add(v.Skew).Unix() {
		return &c, ErrNotYet
	}
	if c.Expires != 0 && now.Unix() > c.Expires {
		return &c, fmt.Errorf("%w at %s", ErrExpired, c.ExpiresAt().Format(time.RFC3339))
	}
	return &c, nil
}
