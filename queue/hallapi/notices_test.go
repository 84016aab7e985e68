package hallapi

import (
	"context"
	"reflect"
	"testing"
)

// TestBilingualNotices: a supervisor sets notices with English texts; the
// status the kiosks read carries both lists by position; the plain list
// (the board's, earlier clients') stays strings; the old all-Chinese form
// is still accepted; bad lists are refused.
func TestBilingualNotices(t *testing.T) {
	h := newHall(t, false)
	sup := h.login("super1", "super1-demo")
	var back []string
	if code := h.call("PUT", "/api/v1/notices", sup, []any{
		map[string]string{"zh": " 发票可7×24小时自助领取 ", "en": "Tax invoices: self-service pickup 24/7"},
		"午间不休息",
	}, &back); code != 200 || !reflect.DeepEqual(back, []string{"发票可7×24小时自助领取", "午间不休息"}) {
		t.Fatalf("put bilingual: %d %v", code, back)
	}
	var st StatusReply
	h.call("GET", "/api/v1/status", "", nil, &st)
	if !reflect.DeepEqual(st.Notices, []string{"发票可7×24小时自助领取", "午间不休息"}) ||
		!reflect.DeepEqual(st.NoticesEN, []string{"Tax invoices: self-service pickup 24/7", ""}) {
		t.Fatalf("status notices %q / %q", st.Notices, st.NoticesEN)
	}
	var plain []string
	h.call("GET", "/api/v1/notices", "", nil, &plain)
	if len(plain) != 2 || plain[1] != "午间不休息" {
		t.Errorf("plain notices %q", plain)
	}
	var full []notice
	h.call("GET", "/api/v1/notices?with=en", "", nil, &full)
	if len(full) != 2 || full[0].EN == "" || full[1].EN != "" {
		t.Errorf("notices with English %+v", full)
	}
	// A restart reads them back.
	s2, err := New(context.Background(), h.e, Config{Now: h.clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	if zh, en := s2.bilingualNotices(); len(zh) != 2 || len(en) != 2 || en[0] == "" {
		t.Errorf("after restart %q / %q", zh, en)
	}
	// All Chinese, as earlier versions sent: no English list in the status.
	h.call("PUT", "/api/v1/notices", sup, []string{"今日办理不动产登记"}, nil)
	st = StatusReply{}
	h.call("GET", "/api/v1/status", "", nil, &st)
	if len(st.Notices) != 1 || st.NoticesEN != nil {
		t.Errorf("Chinese-only notices: %q / %q", st.Notices, st.NoticesEN)
	}
	for _, bad := range []any{
		[]any{map[string]string{"en": "English only"}},
		[]any{map[string]any{"zh": "x", "colour": "red"}},
		[]any{42},
		map[string]string{"zh": "not a list"},
	} {
		if code := h.call("PUT", "/api/v1/notices", sup, bad, nil); code != 400 {
			t.Errorf("bad notices %v: %d", bad, code)
		}
	}
}
