package uscc_test

import (
	"errors"
	"strings"
	"testing"

	"hallkiosk/internal/uscc"
)

func TestCheck(t *testing.T) {
	for _, good := range []string{"91350100M000100Y43", "91620981MA72XXKL4F"} {
		if err := uscc.Check(good); err != nil {
			t.Errorf("%s: %v", good, err)
		}
	}
	for _, c := range []struct {
		code string
		pos  int
		msg  string
	}{
		{"91620981MA72XXKL4N", 18, "character 18 is 'N'"},
		{"91350100M0001TGQXM", 18, "call for"},
		{"91350100M000100Y4", 0, "18 characters"},
		{"91350100M000100YI3", 17, "character 17 ('I')"},
		{"B1350100M000100Y43", 1, "registration authority"},
		{"90350100M000100Y43", 2, "organisation type"},
		{"9135A100M000100Y43", 5, "division"},
		{"91350100m000100Y43", 9, "character 9 ('m')"},
	} {
		err := uscc.Check(c.code)
		var ue *uscc.Error
		if !errors.As(err, &ue) || ue.Pos != c.pos || !strings.Contains(err.Error(), c.msg) {
			t.Errorf("%s: %v (pos %v), want position %d and %q", c.code, err, ue, c.pos, c.msg)
		}
	}
	err := uscc.Check("91620981MA72XXKL4N")
	var ue *uscc.Error
	if !errors.Is(err, uscc.ErrCheck) || !errors.As(err, &ue) || ue.Want != 'F' {
		t.Errorf("check mismatch: %v %+v", err, ue)
	}
	if errors.Is(uscc.Check("9135A100M000100Y43"), uscc.ErrCheck) {
		t.Error("malformed code reported as a check mismatch")
	}
}

// TestEveryChangeDetected: any single wrong character of a valid code is
// refused.
func TestEveryChangeDetected(t *testing.T) {
	body := "91620981MA72AB3C4"
	c, err := uscc.CheckChar(body)
	if err != nil {
		t.Fatal(err)
	}
	code := body + string(c)
	if !uscc.Valid(code) {
		t.Fatalf("%s invalid", code)
	}
	for i := 0; i < uscc.Len; i++ {
		for _, r := range uscc.Alphabet {
			if byte(r) == code[i] {
				continue
			}
			m := code[:i] + string(r) + code[i+1:]
			if uscc.Valid(m) {
				t.Fatalf("change at %d to %c not detected: %s", i+1, r, m)
			}
		}
	}
}

func FuzzCheck(f *testing.F) {
	f.Add("91350100M000100Y43")
	f.Add("91620981MA72XXKL4N")
	f.Fuzz(func(t *testing.T, in string) {
		err := uscc.Check(in)
		if err == nil {
			c, cerr := uscc.CheckChar(in[:17])
			if cerr != nil || c != in[17] {
				t.Fatalf("%q accepted: check %c %v", in, c, cerr)
			}
			return
		}
		var ue *uscc.Error
		if !errors.As(err, &ue) || ue.Pos < 0 || ue.Pos > uscc.Len || (ue.Pos > 0 && in[ue.Pos-1] != ue.Got) {
			t.Fatalf("%q: %v %+v", in, err, ue)
		}
	})
}
