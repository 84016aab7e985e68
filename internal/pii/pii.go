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

// MaskName masks a personal name for display: 张三 → 张*, 张小三 → 张*三,
// 欧阳小明 → 欧**明, "Alice Smith" → A*********h. Empty stays empty.
func MaskName(name string) string {
	r := []rune(strings.TrimSpace(name))
	switch len(r) {
	case 0:
		return ""
	case 1:
		return "*"
	case 2:
		return string(r[0]) + "*"
	}
	return string(r[0]) + strings.Repeat("*", len(r)-2) + string(r[len(r)-1])
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
