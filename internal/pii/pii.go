// Package pii handles personal data from identity documents: masking for
// screens and tickets, and keyed hashing so that ID numbers are stored only
// as HMAC-SHA256 digests under a per-installation secret.
package pii

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"unicode/utf8"
)

// MaskName masks a personal name for screens, tickets and logs without
// revealing its length: the first character and two stars, whatever the
// name (张三, 张小三 and 张三丰之 all become 张**; "Alice Smith" A**). Masking
// a masked name changes nothing. Empty stays empty. This is the one rule;
// every mask of a name in the product is this function.
func MaskName(name string) string {
	name = strings.TrimSpace(name)
	if name == "" {
		return ""
	}
	r, _ := utf8.DecodeRuneInString(name)
	return string(r) + "**"
}

// MaskID masks an identity number, keeping the first four and last four
// characters: 620102199001011234 → 6201**********1234. Numbers of eight
// characters or fewer keep only the last two.
func MaskID(id string) string {
	id = strings.TrimSpace(id)
	n := utf8.RuneCountInString(id)
	r := []rune(id)
	if n <= 8 {
		if n <= 2 {
			return strings.Repeat("*", n)
		}
		return strings.Repeat("*", n-2) + string(r[n-2:])
	}
	return string(r[:4]) + strings.Repeat("*", n-8) + string(r[n-4:])
}

// Hasher makes keyed digests of identity numbers. The key is a secret of the
// installation (at least 16 bytes); the same number always gives the same
// digest under one key, so per-person limits work without storing numbers.
type Hasher struct{ key []byte }

// NewHasher returns a Hasher for key. It panics if key is shorter than 16
// bytes, a configuration error that must not run.
func NewHasher(key []byte) *Hasher {
	if len(key) < 16 {
		panic("pii: hash key shorter than 16 bytes")
	}
	return &Hasher{key: append([]byte(nil), key...)}
}

// Hash returns the hex HMAC-SHA256 of the normalised number (upper case,
// spaces removed).
func (h *Hasher) Hash(id string) string {
	m := hmac.New(sha256.New, h.key)
	m.Write([]byte(strings.ToUpper(strings.ReplaceAll(strings.TrimSpace(id), " ", ""))))
	return hex.EncodeToString(m.Sum(nil))
}
