package codesign

import (
	"crypto/ed25519"
	"errors"
	"net/url"
	"strings"
	"testing"
	"time"
)

func keys(t *testing.T) (*Signer, *Verifier) {
	seed := make([]byte, ed25519.SeedSize)
	copy(seed, "hall-test-seed-0123456789abcdef!")
	s := NewSigner(ed25519.NewKeyFromSeed(seed), "hall1")
	return s, NewVerifier(map[string]ed25519.PublicKey{"hall1": s.Public()})
}

func TestRoundTripAndRefusals(t *testing.T) {
	s, v := keys(t)
	now := time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)
	code, err := s.Sign("ticket", map[string]string{"n": "A001", "d": "2026-11-25"}, now, now.Add(12*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	c, err := v.Verify(code, now.Add(time.Hour))
	if err != nil || c.Kind != "ticket" || c.Fields["n"] != "A001" {
		t.Fatalf("verify: %v %+v", err, c)
	}
	inURL := "https://hall.example/t?c=" + url.QueryEscape(code)
	if _, err := v.Verify(inURL, now); err != nil {
		t.Fatalf("in URL: %v", err)
	}
	if _, err := v.Verify(code, now.Add(13*time.Hour)); !errors.Is(err, ErrExpired) {
		t.Fatalf("expired accepted: %v", err)
	}
	if _, err := v.Verify(code, now.Add(-time.Hour)); !errors.Is(err, ErrNotYet) {
		t.Fatalf("future code accepted: %v", err)
	}
	// Alter one claims character.
	i := len(Prefix) + 5
	repl := "A"
	if code[i] == 'A' {
		repl = "B"
	}
	alt := code[:i] + repl + code[i+1:]
	if _, err := v.Verify(alt, now); err == nil {
		t.Fatal("altered code accepted")
	}
	// Another key with the same id.
	other := NewSigner(ed25519.NewKeyFromSeed(make([]byte, 32)), "hall1")
	forged, _ := other.Sign("ticket", map[string]string{"n": "A001"}, now, time.Time{})
	if _, err := v.Verify(forged, now); !errors.Is(err, ErrSignature) {
		t.Fatalf("forged code: %v", err)
	}
	unknown := NewSigner(ed25519.NewKeyFromSeed(make([]byte, 32)), "x")
	fc, _ := unknown.Sign("ticket", nil, now, time.Time{})
	if _, err := v.Verify(fc, now); !errors.Is(err, ErrUnknownKey) {
		t.Fatalf("unknown key: %v", err)
	}
	for _, bad := range []string{"", "HK1.", "HK1..", "hello", "HK1.@@@.@@@", strings.Repeat("HK1.", 2000), "javascript:alert(1)"} {
		if _, err := v.Verify(bad, now); !errors.Is(err, ErrFormat) {
			t.Errorf("%.20q: %v", bad, err)
		}
	}
}

func FuzzVerify(f *testing.F) {
	s, v := keys(&testing.T{})
	now := time.Unix(1_800_000_000, 0)
	good, _ := s.Sign("appointment", map[string]string{"svc": "F"}, now, now.Add(time.Hour))
	f.Add(good)
	f.Add("HK1.e30.AAAA")
	f.Add("https://x/?c=HK1.e30.AAAA")
	f.Fuzz(func(t *testing.T, in string) {
		c, err := v.Verify(in, now)
		if err == nil && c == nil {
			t.Fatal("nil claims without error")
		}
	})
}
