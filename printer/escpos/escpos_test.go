package escpos

import (
	"bytes"
	"encoding/hex"
	"image"
	"image/color"
	"strings"
	"testing"
)

func mustBytes(t *testing.T, e *Encoder) []byte {
	t.Helper()
	b, err := e.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func h(s string) []byte {
	b, err := hex.DecodeString(strings.ReplaceAll(s, " ", ""))
	if err != nil {
		panic(err)
	}
	return b
}

func TestGolden(t *testing.T) {
	p := Profiles["80mm"]
	tests := []struct {
		name string
		enc  func(e *Encoder)
		want []byte
	}{
		{"init chinese", func(e *Encoder) { e.Init() }, h("1B40 1C26")},
		{"size 2x3", func(e *Encoder) { e.Size(2, 3) }, h("1D2112")},
		{"size clamps", func(e *Encoder) { e.Size(0, 99) }, h("1D2107")},
		{"align center", func(e *Encoder) { e.Align(Center) }, h("1B6101")},
		{"bold on off", func(e *Encoder) { e.Bold(true).Bold(false) }, h("1B4501 1B4500")},
		{"underline", func(e *Encoder) { e.Underline(1) }, h("1B2D01 1C2D01")},
		{"feed", func(e *Encoder) { e.Feed(3) }, h("1B6403")},
		{"cut", func(e *Encoder) { e.Cut(false) }, h("1D564103")},
		{"partial cut", func(e *Encoder) { e.Cut(true) }, h("1D564203")},
		// 请取号 in GB18030/GBK: C7EB C8A1 BAC5.
		{"chinese line", func(e *Encoder) { e.Line("请取号 A1") }, h("C7EB C8A1 BAC5 20 4131 0A")},
		{"native qr", func(e *Encoder) { e.QR("HK1.ab", 6, QRLevelM) }, h(
			"1D286B 0400 3141 3200" + "1D286B 0300 3143 06" + "1D286B 0300 3145 31" +
				"1D286B 0900 3150 30 484B312E6162" + "1D286B 0300 3151 30")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := NewEncoder(p)
			tt.enc(e)
			if got := mustBytes(t, e); !bytes.Equal(got, tt.want) {
				t.Errorf("got  % X\nwant % X", got, tt.want)
			}
		})
	}
}

func TestNoCutterFeeds(t *testing.T) {
	e := NewEncoder(Profiles["58mm"])
	e.Cut(false)
	if got := mustBytes(t, e); !bytes.Equal(got, h("1B6404")) {
		t.Errorf("got % X", got)
	}
}

func TestTextReplacement(t *testing.T) {
	tests := []struct {
		name     string
		prof     string
		in       string
		want     []byte
		replaced int
	}{
		{"control chars cannot inject commands", "80mm", "a\x1b@\x1dV", []byte("a?@?V"), 2},
		{"invalid utf8", "80mm", "a\xffb", []byte("a?b"), 1},
		{"emoji outside gbk", "80mm", "号😀", append(h("BAC5"), '?'), 1},
		{"four-byte allowed", "kiosk-80", "😀", h("9439FC36"), 0},
		{"rare hanzi ext-b outside gbk", "80mm", "𠀀", []byte("?"), 1},
		{"c1 control", "80mm", "\u0085", []byte("?"), 1},
		{"euro sign in gbk", "80mm", "€", h("A2E3"), 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := NewEncoder(Profiles[tt.prof])
			e.Text(tt.in)
			if got := mustBytes(t, e); !bytes.Equal(got, tt.want) {
				t.Errorf("got % X want % X", got, tt.want)
			}
			if e.Replaced() != tt.replaced {
				t.Errorf("replaced %d, want %d", e.Replaced(), tt.replaced)
			}
		})
	}
}

func TestRasterQRWhenNoNativeQR(t *testing.T) {
	e := NewEncoder(Profiles["58mm-raster"])
	e.QR("HK1.payload", 4, QRLevelM)
	b := mustBytes(t, e)
	if !bytes.HasPrefix(b, h("1D7630 00")) {
		t.Fatalf("want GS v 0 raster, got % X", b[:min(8, len(b))])
	}
	xb := int(b[4]) | int(b[5])<<8
	rows := int(b[6]) | int(b[7])<<8
	if xb*8 < rows || rows%4 != 0 || len(b) != 8+xb*rows {
		t.Errorf("raster %d bytes wide, %d rows, %d total", xb, rows, len(b))
	}
}

func TestQRTooLong(t *testing.T) {
	e := NewEncoder(Profiles["80mm"])
	e.QR(strings.Repeat("x", MaxQRData+1), 4, QRLevelM)
	if _, err := e.Bytes(); err == nil || !strings.HasPrefix(err.Error(), "escpos: ") {
		t.Fatalf("err = %v", err)
	}
}

func TestImage(t *testing.T) {
	img := image.NewGray(image.Rect(0, 0, 10, 2))
	for i := range img.Pix {
		img.Pix[i] = 255
	}
	img.SetGray(0, 0, color.Gray{0})
	img.SetGray(9, 1, color.Gray{0})
	e := NewEncoder(Profiles["80mm"])
	e.Image(img)
	want := h("1D7630 00 0200 0200 80 00 00 40")
	if got := mustBytes(t, e); !bytes.Equal(got, want) {
		t.Errorf("got % X want % X", got, want)
	}
}

func TestStatus(t *testing.T) {
	for _, s := range []Status{{}, {PaperNearEnd: true}, {PaperOut: true}, {CoverOpen: true}, {Offline: true}, {CutterError: true}} {
		b := s.Encode()
		for _, c := range b {
			if !ValidStatusByte(c) {
				t.Errorf("%v: invalid status byte %02X", s, c)
			}
		}
		got := DecodeStatus(b)
		if got.PaperOut != s.PaperOut || got.CoverOpen != s.CoverOpen || got.PaperNearEnd != s.PaperNearEnd ||
			got.CutterError != s.CutterError || got.Offline != (s.Offline || s.CoverOpen || s.PaperOut) {
			t.Errorf("%v: decoded %v", s, got)
		}
	}
	// Bytes from a printer with paper near end (Xprinter manual example).
	s := DecodeStatus([4]byte{0x16, 0x12, 0x12, 0x1E})
	if !s.PaperNearEnd || s.PaperOut || !s.Ready() || s.String() != "paper-near-end" {
		t.Errorf("near end: %v ready=%v", s, s.Ready())
	}
	s = DecodeStatus([4]byte{0x1E, 0x32, 0x12, 0x72})
	if s.Ready() || s.Problem() != "paper out" {
		t.Errorf("paper out: %v problem=%q", s, s.Problem())
	}
}

func TestLookupProfile(t *testing.T) {
	if p, err := LookupProfile(""); err != nil || p.Width != 576 {
		t.Errorf("default: %v %v", p, err)
	}
	if _, err := LookupProfile("nope"); err == nil || !strings.Contains(err.Error(), "58mm") {
		t.Errorf("err = %v", err)
	}
}
