package wire

import (
	"bytes"
	"crypto/ed25519"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"
)

const good = `{"site":"hall-a","sent_at":1764633600000,"events":[{"seq":1,"at":1764633600000,"day":"2026-12-02","kind":"issue","ticket":"t1","label":"A001","service":"tax"},{"seq":2,"at":1764633660000,"day":"2026-12-02","kind":"call","ticket":"t1","window":3,"actor":"wang"}]}`

func TestDecodePush(t *testing.T) {
	p, err := DecodePush(strings.NewReader(good))
	if err != nil || len(p.Events) != 2 || p.Events[1].Window != 3 {
		t.Fatalf("good batch: %+v %v", p, err)
	}
	rated := strings.Replace(strings.Replace(good, `"kind":"call"`, `"kind":"rate"`, 1), `"actor":"wang"`, `"actor":"pad:pad","reasons":["等候时间长"],"text":"希望增加窗口"`, 1)
	if p, err := DecodePush(strings.NewReader(rated)); err != nil || len(p.Events[1].Reasons) != 1 || p.Events[1].Text != "希望增加窗口" {
		t.Fatalf("rating with reasons: %+v %v", p, err)
	}
	many := `{"site":"hall-a","sent_at":1,"events":[` + strings.Repeat(`{"seq":1,"at":1,"day":"2026-12-02","kind":"x"},`, MaxEvents) + `{"seq":1,"at":1,"day":"2026-12-02","kind":"x"}]}`
	for _, c := range []struct {
		name, body string
		want       error
	}{
		{"not json", `{"site":`, ErrMalformed},
		{"unknown field", strings.Replace(good, `"sent_at"`, `"evil":1,"sent_at"`, 1), ErrMalformed},
		{"trailing data", good + `{}`, ErrMalformed},
		{"bad site", strings.Replace(good, `hall-a`, `Hall A`, 1), ErrMalformed},
		{"no sent_at", strings.Replace(good, `"sent_at":1764633600000`, `"sent_at":0`, 1), ErrMalformed},
		{"seq zero", strings.Replace(good, `"seq":1`, `"seq":0`, 1), ErrMalformed},
		{"not consecutive", strings.Replace(good, `"seq":2`, `"seq":4`, 1), ErrMalformed},
		{"reordered", strings.Replace(strings.Replace(good, `"seq":1`, `"seq":9`, 1), `"seq":2`, `"seq":1`, 1), ErrMalformed},
		{"bad day", strings.Replace(good, `2026-12-02`, `2026-02-30`, 1), ErrMalformed},
		{"bad kind", strings.Replace(good, `"issue"`, `"DROP TABLE"`, 1), ErrMalformed},
		{"NUL", strings.Replace(good, `"wang"`, `"wa\u0000ng"`, 1), ErrMalformed},
		{"long detail", strings.Replace(good, `"actor":"wang"`, `"detail":"`+strings.Repeat("x", MaxDetail+1)+`"`, 1), ErrMalformed},
		{"too many events", many, ErrTooLarge},
		{"rater on a call", strings.Replace(good, `"actor":"wang"`, `"actor":"wang","rater":"5f1c0e9a7b3d2c4e5f1c0e9a7b3d2c4e5f1c0e9a7b3d2c4e5f1c0e9a7b3d2c4e"`, 1), ErrMalformed},
		{"rater not hex", strings.Replace(strings.Replace(good, `"kind":"call"`, `"kind":"rate"`, 1), `"actor":"wang"`, `"actor":"wang","rater":"110101199003071234"`, 1), ErrMalformed},
		{"reasons on a call", strings.Replace(good, `"actor":"wang"`, `"actor":"wang","reasons":["慢"]`, 1), ErrMalformed},
		{"text on a call", strings.Replace(good, `"actor":"wang"`, `"actor":"wang","text":"慢"`, 1), ErrMalformed},
		{"too many reasons", strings.Replace(strings.Replace(good, `"kind":"call"`, `"kind":"rate"`, 1), `"actor":"wang"`, `"actor":"wang","reasons":["a"`+strings.Repeat(`,"a"`, MaxReasons)+`]`, 1), ErrMalformed},
		{"long reason", strings.Replace(strings.Replace(good, `"kind":"call"`, `"kind":"rate"`, 1), `"actor":"wang"`, `"actor":"wang","reasons":["`+strings.Repeat("x", MaxField+1)+`"]`, 1), ErrMalformed},
		{"NUL in text", strings.Replace(strings.Replace(good, `"kind":"call"`, `"kind":"rate"`, 1), `"actor":"wang"`, `"actor":"wang","text":"a\u0000"`, 1), ErrMalformed},
		{"too large body", `{"site":"` + strings.Repeat("a", MaxBody) + `"}`, ErrTooLarge},
	} {
		t.Run(c.name, func(t *testing.T) {
			if _, err := DecodePush(strings.NewReader(c.body)); !errors.Is(err, c.want) {
				t.Fatalf("got %v, want %v", err, c.want)
			}
		})
	}
}

func TestSignVerify(t *testing.T) {
	pub, key, _ := ed25519.GenerateKey(nil)
	other, _, _ := ed25519.GenerateKey(nil)
	body := []byte(good)
	r, _ := http.NewRequest("POST", "https://city/api/v1/uplink/push", bytes.NewReader(body))
	if err := Sign(r, body, "hall-a", key, time.Now()); err != nil {
		t.Fatal(err)
	}
	s, err := ParseSigned(r)
	if err != nil {
		t.Fatal(err)
	}
	if !s.Verify(r, body, pub) {
		t.Fatal("good signature refused")
	}
	if s.Verify(r, append(body, ' '), pub) {
		t.Fatal("altered body accepted")
	}
	if s.Verify(r, body, other) {
		t.Fatal("another key accepted")
	}
	r.URL.Path = "/api/v1/uplink/enrol"
	if s.Verify(r, body, pub) {
		t.Fatal("altered path accepted")
	}
	r.Header.Del(HeaderSignature)
	if _, err := ParseSigned(r); !errors.Is(err, ErrUnsigned) {
		t.Fatalf("unsigned: %v", err)
	}
}

func FuzzDecodePush(f *testing.F) {
	f.Add([]byte(good))
	f.Add([]byte(`{"site":"a","sent_at":1,"events":[],"status":{"waiting":3,"kiosks":[{"device":"k-1","online":true}]}}`))
	f.Add([]byte(`{}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := DecodePush(bytes.NewReader(data))
		if err != nil {
			if p != nil {
				t.Fatal("refused batch returned")
			}
			return
		}
		if err := p.Check(); err != nil {
			t.Fatalf("accepted batch fails its own check: %v", err)
		}
		for i := 1; i < len(p.Events); i++ {
			if p.Events[i].Seq != p.Events[i-1].Seq+1 {
				t.Fatal("accepted non-consecutive batch")
			}
		}
	})
}

// TestParseErrorBothForms: the documented form and the flat one of older
// cities give the same code and message; other bodies give none.
func TestParseErrorBothForms(t *testing.T) {
	for _, c := range []struct{ body, code, msg string }{
		{`{"error":{"code":"clock_skew","message":"city: clock"}}`, "clock_skew", "city: clock"},
		{`{"code":"clock_skew","message":"city: clock"}`, "clock_skew", "city: clock"},
		{`{"error":"plain"}`, "", ""},
		{`not json`, "", ""},
	} {
		if e := ParseError([]byte(c.body)); e.Code != c.code || e.Message != c.msg {
			t.Errorf("%s: %+v", c.body, e)
		}
	}
}
