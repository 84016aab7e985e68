package idnumber

import (
	"errors"
	"testing"
	"time"
)

func TestCheck(t *testing.T) {
	now := time.Date(2026, 12, 2, 0, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		id   string
		r    Rules
		want error
	}{
		{"11010519491231002X", Rules{}, nil},
		{"11010519491231002x", Rules{}, nil},
		{"110105194912310021", Rules{}, ErrCheckChar},
		{"1101051949123100", Rules{}, ErrLength},
		{"11010519491231A02X", Rules{}, ErrChar},
		{"991052194912310023", Rules{}, ErrRegion},
		{"110105194902300020", Rules{}, ErrBirth},
		{"110105203001010018", Rules{Now: now}, ErrBirth},
		{"110105180001010018", Rules{}, ErrBirth},
	} {
		if err := Check(c.id, c.r); !errors.Is(err, c.want) || (c.want == nil) != (err == nil) {
			t.Errorf("Check(%s, %+v) = %v, want %v", c.id, c.r, err, c.want)
		}
	}
	// The foreign-card prefixes: a valid body with a 9 prefix.
	body := "96272419920304002"
	ch, _ := CheckChar(body)
	id := body + string(ch)
	if err := Check(id, Rules{}); !errors.Is(err, ErrRegion) {
		t.Errorf("9 prefix without Foreign: %v", err)
	}
	if err := Check(id, Rules{Foreign: true}); err != nil {
		t.Errorf("9 prefix with Foreign: %v", err)
	}
	if err := Check(id, Rules{Foreign91: true}); !errors.Is(err, ErrRegion) {
		t.Errorf("96 prefix with Foreign91: %v", err)
	}
}

func FuzzCheck(f *testing.F) {
	f.Add("11010519491231002X")
	f.Add("962724199203040025")
	f.Fuzz(func(t *testing.T, id string) {
		if Check(id, Rules{Foreign: true}) == nil {
			if ch, _ := CheckChar(id[:17]); ch != id[17] && !(ch == 'X' && id[17] == 'x') {
				t.Fatalf("accepted %q with a wrong check character", id)
			}
		}
	})
}
