package render

import (
	"strconv"
	"strings"
	"testing"
)

// FuzzRender feeds arbitrary bytes to the renderer: it must not panic, the
// image must respect the bounds, and NextCommand must always make progress
// on complete input.
func FuzzRender(f *testing.F) {
	_, b := sample(f, "80mm")
	f.Add(b)
	_, b = sample(f, "58mm-raster")
	f.Add(b[:min(len(b), 2000)])
	f.Fuzz(func(t *testing.T, data []byte) {
		const maxH = 4000
		res, err := Render(data, &Options{Width: 384, MaxHeight: maxH})
		if err != nil {
			t.Fatal(err)
		}
		bd := res.Image.Bounds()
		if bd.Dx() != 384 || bd.Dy() < 1 || bd.Dy() > maxH {
			t.Fatalf("image %v", bd)
		}
		if len(res.Warnings) > MaxWarnings {
			t.Fatalf("%d warnings kept", len(res.Warnings))
		}
		for i := 0; i < len(data); {
			n := NextCommand(data[i:])
			if n < 0 || i+n > len(data) {
				t.Fatalf("NextCommand = %d at %d of %d", n, i, len(data))
			}
			if n == 0 {
				break
			}
			i += n
		}
	})
}

// seedBytes decodes a "go test fuzz v1" file holding one []byte.
func seedBytes(tb testing.TB, raw []byte) []byte {
	tb.Helper()
	s := strings.TrimSpace(string(raw))
	_, s, _ = strings.Cut(s, "\n")
	s = strings.TrimSuffix(strings.TrimPrefix(s, "[]byte("), ")")
	u, err := strconv.Unquote(s)
	if err != nil {
		tb.Fatalf("seed: %v", err)
	}
	return []byte(u)
}
