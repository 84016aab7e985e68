package httpjson

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestWriteErrorShapeAndHeaders(t *testing.T) {
	rec := httptest.NewRecorder()
	WriteErrorDetail(rec, http.StatusConflict, "closed", "大厅已下班", "hall closed")
	if rec.Code != 409 {
		t.Fatalf("status %d", rec.Code)
	}
	if got := rec.Header().Get("Cache-Control"); got != "no-store" {
		t.Fatalf("Cache-Control %q", got)
	}
	if got := rec.Header().Get("Content-Type"); !strings.HasPrefix(got, "application/json") {
		t.Fatalf("Content-Type %q", got)
	}
	var body map[string]map[string]string
	if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil {
		t.Fatal(err)
	}
	e := body["error"]
	if e["code"] != "closed" || e["message"] != "大厅已下班" || e["detail"] != "hall closed" {
		t.Fatalf("body %s", rec.Body.String())
	}
}

func TestDecodeRefusesWhatIsNotOneKnownObject(t *testing.T) {
	type in struct {
		A int `json:"a"`
	}
	cases := []struct {
		name, ctype, body string
		ok                bool
		media             bool
	}{
		{"good", "application/json", `{"a":1}`, true, false},
		{"charset", "application/json; charset=utf-8", `{"a":1}`, true, false},
		{"no type", "", `{"a":1}`, false, true},
		{"form", "application/x-www-form-urlencoded", `a=1`, false, true},
		{"unknown field", "application/json", `{"a":1,"b":2}`, false, false},
		{"trailing", "application/json", `{"a":1}{"a":2}`, false, false},
		{"too large", "application/json", `{"a":1}` + strings.Repeat(" ", 100), false, false},
		{"broken", "application/json", `{"a":`, false, false},
	}
	for _, c := range cases {
		r := httptest.NewRequest("POST", "/", strings.NewReader(c.body))
		if c.ctype != "" {
			r.Header.Set("Content-Type", c.ctype)
		}
		var v in
		err := Decode(r, 64, &v)
		if (err == nil) != c.ok {
			t.Errorf("%s: err %v", c.name, err)
		}
		if c.media != errors.Is(err, ErrMediaType) {
			t.Errorf("%s: media type error %v", c.name, err)
		}
		if c.ok && v.A != 1 {
			t.Errorf("%s: decoded %+v", c.name, v)
		}
		if err != nil {
			rec := httptest.NewRecorder()
			WriteDecodeError(rec, err)
			want := 400
			if c.media {
				want = 415
			}
			if rec.Code != want {
				t.Errorf("%s: status %d, want %d", c.name, rec.Code, want)
			}
		}
	}
}
