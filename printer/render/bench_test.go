package render

import (
	"os"
	"path/filepath"
	"testing"
)

func BenchmarkRenderTicket(b *testing.B) {
	_, data := sample(b, "80mm")
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if _, err := Render(data, nil); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRenderSeeds renders every committed fuzz seed: the per-byte
// cost of the worst one bounds the renderer's time per input byte.
func BenchmarkRenderSeeds(b *testing.B) {
	files, _ := filepath.Glob("testdata/fuzz/FuzzRender/*")
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			b.Fatal(err)
		}
		data := seedBytes(b, raw)
		b.Run(filepath.Base(f), func(b *testing.B) {
			b.SetBytes(int64(len(data)))
			for b.Loop() {
				Render(data, &Options{Width: 384, MaxHeight: 4000})
			}
		})
	}
}
