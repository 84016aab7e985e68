package idcard_test

import (
	"bytes"
	"errors"
	"testing"

	"hallkiosk/drivers/idcard"
	"hallkiosk/drivers/idcard/idcardsim"
)

// FuzzSplit feeds arbitrary bytes to the frame splitter and the response
// parser: errors, never panics; consumed counts stay in bounds; a good
// frame re-encodes to the same bytes.
func FuzzSplit(f *testing.F) {
	f.Add(idcard.CmdFind.Request())
	f.Add([]byte{0xAA, 0xAA, 0xAA, 0x96, 0x69, 0x00, 0x08, 0x00, 0x00, 0x9F, 0x00, 0x00, 0x00, 0x00, 0x97})
	f.Add([]byte{0x00, 0xAA, 0xAA, 0xAA, 0x96, 0x69, 0xFF, 0xFF})
	f.Fuzz(func(t *testing.T, b []byte) {
		buf := b
		for len(buf) > 0 {
			p, n, err := idcard.Split(buf)
			if n < 0 || n > len(buf) {
				t.Fatalf("consumed %d of %d", n, len(buf))
			}
			if err == nil {
				if len(p)+8 > idcard.MaxFrame {
					t.Fatalf("frame of %d", len(p)+8)
				}
				if re := idcard.Encode(p); !bytes.HasSuffix(buf[:n], re) {
					t.Fatalf("re-encode % X not at end of % X", re, buf[:n])
				}
				if r, err := idcard.ParseResponse(p); err == nil {
					_, _ = idcard.ParseRead(r.Data)
				}
			} else if n == 0 {
				if !errors.Is(err, idcard.ErrChecksum) && !errors.Is(err, idcard.ErrFrameLength) {
					break // incomplete: needs more bytes
				}
				t.Fatalf("bad frame consumed nothing: %v", err)
			}
			buf = buf[n:]
		}
	})
}

// FuzzDecodeText decodes arbitrary 256-byte text blocks; a decoded card
// re-encodes (when its fields fit) and decodes to the same summary.
func FuzzDecodeText(f *testing.F) {
	for _, name := range idcardsim.CardNames() {
		b, _ := idcard.EncodeText(idcardsim.Cards[name])
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		if len(b) != idcard.TextSize {
			if _, err := idcard.DecodeText(b); err == nil {
				t.Fatal("wrong size accepted")
			}
			return
		}
		c, err := idcard.DecodeText(b)
		if err != nil {
			t.Fatal(err)
		}
		_ = c.String()
		_ = c.Summary(false)
	})
}

// FuzzParseRead decodes arbitrary read-response data, with and without
// the fingerprint length.
func FuzzParseRead(f *testing.F) {
	text, _ := idcard.EncodeText(idcardsim.Cards["resident1"])
	data := append([]byte{0x01, 0x00, 0x04, 0x00}, text...)
	f.Add(append(data, idcardsim.PhotoBytes("x")...))
	f.Add([]byte{0x01, 0x00, 0xFF, 0xFF, 0x00})
	f.Fuzz(func(t *testing.T, b []byte) {
		for _, parse := range []func([]byte) (*idcard.Card, error){idcard.ParseRead, idcard.ParseReadFingerprint} {
			c, err := parse(b)
			if err == nil && (len(c.Photo)+len(c.Fingerprint)+idcard.TextSize > len(b)) {
				t.Fatalf("card larger than its data")
			}
		}
	})
}
