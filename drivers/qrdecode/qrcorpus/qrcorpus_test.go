package qrcorpus_test

import (
	"bytes"
	"testing"

	"hallkiosk/drivers/qrdecode/qrcorpus"
)

func TestDeterministic(t *testing.T) {
	for ci, cat := range qrcorpus.Categories {
		a := qrcorpus.GenerateOne(42, cat, 1, ci)
		b := qrcorpus.GenerateOne(42, cat, 1, ci)
		if !bytes.Equal(a.Img.Pix, b.Img.Pix) || len(a.Texts) == 0 || a.Texts[0] != b.Texts[0] {
			t.Fatalf("%s: not deterministic", cat)
		}
		if a.Img.Rect.Dx() != qrcorpus.Width || a.Img.Rect.Dy() != qrcorpus.Height {
			t.Fatalf("%s: size %v", cat, a.Img.Rect)
		}
		c := qrcorpus.GenerateOne(43, cat, 1, ci)
		if bytes.Equal(a.Img.Pix, c.Img.Pix) {
			t.Fatalf("%s: seed ignored", cat)
		}
	}
	if n := len(qrcorpus.Generate(1, 2)); n != 2*len(qrcorpus.Categories) {
		t.Fatalf("%d samples", n)
	}
	s := qrcorpus.GenerateOne(1, "several", 0, 9)
	if len(s.Texts) < 2 {
		t.Fatalf("several: %d codes", len(s.Texts))
	}
}
