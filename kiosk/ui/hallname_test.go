package ui

import (
	"strings"
	"testing"

	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/test"

	"hallkiosk/kiosk/flow"
)

// screenText is every text drawn on the window, joined by newlines.
func screenText(k *Kiosk) string {
	var b strings.Builder
	for _, o := range test.LaidOutObjects(k.Win.Canvas().Content()) {
		switch x := o.(type) {
		case *canvas.Text:
			b.WriteString(x.Text + "\n")
		case *FitText:
			b.WriteString(x.Text + "\n")
		}
	}
	return b.String()
}

// TestEnglishHeaderShowsEnglishHallName: an English session's header names
// the hall in English (the catalogue's name_en), and back in Chinese.
func TestEnglishHeaderShowsEnglishHallName(t *testing.T) {
	a := test.NewTempApp(t)
	f := flow.New(flow.Deps{Catalogue: testCatalogue, Status: staticStatus{Open: true, Online: true}},
		flow.Options{HallName: "玉门市民中心", HallNameEN: "Yumen Citizen Centre"})
	t.Cleanup(f.Close)
	k := New(a, f, Options{Do: func(fn func()) { fn() }})
	k.Win.Resize(k.opt.Size())
	k.Refresh()
	if s := screenText(k); !strings.Contains(s, "玉门市民中心") || strings.Contains(s, "Yumen Citizen Centre") {
		t.Fatalf("Chinese header:\n%s", s)
	}
	f.ToggleLang()
	k.Refresh()
	if s := screenText(k); !strings.Contains(s, "Yumen Citizen Centre") || strings.Contains(s, "玉门市民中心") {
		t.Fatalf("English header:\n%s", s)
	}
}
