package main

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"image"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	qrcode "github.com/skip2/go-qrcode"

	"hallkiosk/drivers/qrdecode/qrcorpus"
	"hallkiosk/internal/codesign"
)

func TestQRDecode(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "licence.png")
	if err := qrcode.WriteFile("91350100M000100Y43", qrcode.Medium, 256, good); err != nil {
		t.Fatal(err)
	}
	s := qrcorpus.GenerateOne(3, "several", 0, 9)
	several := filepath.Join(dir, "several.png")
	var buf bytes.Buffer
	png.Encode(&buf, s.Img)
	os.WriteFile(several, buf.Bytes(), 0o644)
	blank := filepath.Join(dir, "blank.png")
	buf.Reset()
	png.Encode(&buf, image.NewGray(image.Rect(0, 0, 320, 240)))
	os.WriteFile(blank, buf.Bytes(), 0o644)

	var out, errb bytes.Buffer
	if err := run(context.Background(), []string{"qr", "decode", "--json", good, several, blank}, &out, &errb); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 3 {
		t.Fatalf("lines: %q", out.String())
	}
	var l qrLine
	json.Unmarshal([]byte(lines[0]), &l)
	if l.File != good || len(l.Codes) != 1 || l.Codes[0] != "91350100M000100Y43" {
		t.Errorf("line 1: %s", lines[0])
	}
	json.Unmarshal([]byte(lines[1]), &l)
	if len(l.Codes) != len(s.Texts) {
		t.Errorf("several: %d codes, want %d", len(l.Codes), len(s.Texts))
	}
	if !strings.Contains(lines[2], `"codes":[]`) {
		t.Errorf("blank: %s", lines[2])
	}

	// A file that is not an image: every line still printed, non-zero exit.
	notImg := filepath.Join(dir, "notes.txt")
	os.WriteFile(notImg, []byte("hello"), 0o644)
	out.Reset()
	err := run(context.Background(), []string{"qr", "decode", good, notImg}, &out, &errb)
	if err == nil || !strings.Contains(err.Error(), "1 of 2") {
		t.Fatalf("err %v", err)
	}
	if !strings.Contains(out.String(), "91350100M000100Y43") || !strings.Contains(out.String(), "notes.txt: error") {
		t.Errorf("out %q", out.String())
	}
	if err := run(context.Background(), []string{"qr", "decode"}, &out, &errb); err == nil {
		t.Error("no files accepted")
	}
}

func TestCredentialParse(t *testing.T) {
	var out, errb bytes.Buffer
	if err := run(context.Background(), []string{"credential", "parse", "--json", "甘(2023)玉门市不动产权第0001234号"}, &out, &errb); err != nil {
		t.Fatal(err)
	}
	var r struct {
		Kind   string
		Valid  bool
		Fields map[string]string
	}
	if err := json.Unmarshal(out.Bytes(), &r); err != nil || r.Kind != "property_certificate" || !r.Valid || r.Fields["serial"] != "0001234" {
		t.Fatalf("%s %v", out.String(), err)
	}
	out.Reset()
	run(context.Background(), []string{"credential", "parse", "javascript:alert(1)"}, &out, &errb)
	if !strings.Contains(out.String(), "kind: url") || !strings.Contains(out.String(), "valid: false") || !strings.Contains(out.String(), "error:") {
		t.Errorf("%s", out.String())
	}

	// Signed ticket: invalid without keys, valid with the key file.
	pub, priv, _ := ed25519.GenerateKey(nil)
	code, _ := codesign.NewSigner(priv, "k1").Sign("ticket", map[string]string{"number": "B007"}, time.Now(), time.Now().Add(time.Hour))
	keyFile := filepath.Join(t.TempDir(), "keys")
	os.WriteFile(keyFile, []byte("# hall keys\nk1 "+base64.StdEncoding.EncodeToString(pub)+"\n"), 0o644)
	out.Reset()
	run(context.Background(), []string{"credential", "parse", code}, &out, &errb)
	if !strings.Contains(out.String(), "valid: false") {
		t.Errorf("no keys: %s", out.String())
	}
	out.Reset()
	if err := run(context.Background(), []string{"credential", "parse", "--keys", keyFile, code}, &out, &errb); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "kind: ticket\nvalid: true") || !strings.Contains(out.String(), "number: B007") {
		t.Errorf("with keys: %s", out.String())
	}
}

func TestQRScanDir(t *testing.T) {
	dir := t.TempDir()
	// The same licence code in three frames, then a property number: the
	// repeat is reported once.
	for i, text := range []string{"91350100M000100Y43", "91350100M000100Y43", "91350100M000100Y43", "甘(2023)玉门市不动产权第0001234号"} {
		if err := qrcode.WriteFile(text, qrcode.Medium, 256, filepath.Join(dir, "frame-000"+string(rune('1'+i))+".png")); err != nil {
			t.Fatal(err)
		}
	}
	var out, errb bytes.Buffer
	if err := run(context.Background(), []string{"qr", "scan", "--dir", dir, "--json", "--timeout", "20s"}, &out, &errb); err != nil {
		t.Fatal(err, errb.String())
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 2 {
		t.Fatalf("want 2 codes, got %q", out.String())
	}
	var l scanLine
	json.Unmarshal([]byte(lines[0]), &l)
	if l.Kind != "business_licence" || !l.Valid || l.Code != "91350100M000100Y43" {
		t.Errorf("%s", lines[0])
	}
	json.Unmarshal([]byte(lines[1]), &l)
	if l.Kind != "property_certificate" || l.Fields["serial"] != "0001234" {
		t.Errorf("%s", lines[1])
	}
	if err := run(context.Background(), []string{"qr", "scan", "--device", "/dev/nonexistent-video"}, &out, &errb); err == nil {
		t.Error("missing device accepted")
	}
}
