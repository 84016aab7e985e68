package pii

import "testing"

func TestMask(t *testing.T) {
	for in, want := range map[string]string{"张三": "张**", "张小三": "张**", "欧阳小明": "欧**", "": "", "李": "李**", "张**": "张**", " Alice Smith": "A**"} {
		if got := MaskName(in); got != want {
			t.Errorf("MaskName(%q) = %q, want %q", in, got, want)
		}
	}
	for in, want := range map[string]string{"620102199001011234": "6201**********1234", "12345678": "******78", "": ""} {
		if got := MaskID(in); got != want {
			t.Errorf("MaskID(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestHash(t *testing.T) {
	h := NewHasher([]byte("0123456789abcdef"))
	a, b := h.Hash("62010219900101123x"), h.Hash(" 62010219900101123X")
	if a != b || len(a) != 64 {
		t.Fatalf("normalisation: %s %s", a, b)
	}
	if NewHasher([]byte("fedcba9876543210")).Hash("62010219900101123X") == a {
		t.Fatal("key ignored")
	}
}
