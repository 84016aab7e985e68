package render

import (
	"bytes"
	"image"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"hallkiosk/printer/escpos"
	"hallkiosk/printer/ticket"
)

var now = time.Date(2026, 11, 25, 9, 41, 0, 0, time.FixedZone("CST", 8*3600))

func sample(t testing.TB, prof string) (ticket.Ticket, []byte) {
	t.Helper()
	tk, err := ticket.Sample(now)
	if err != nil {
		t.Fatal(err)
	}
	b, err := tk.Encode(escpos.Profiles[prof])
	if err != nil {
		t.Fatal(err)
	}
	return tk, b
}

func writePNG(t *testing.T, res *Result) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "out.png")
	var buf bytes.Buffer
	if err := res.WritePNG(&buf); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	if dir := os.Getenv("RENDER_OUT"); dir != "" {
		_ = os.WriteFile(filepath.Join(dir, strings.ReplaceAll(t.Name(), "/", "_")+".png"), buf.Bytes(), 0o644)
	}
	return p
}

// zbar decodes the QR codes in a PNG with zbarimg.
func zbar(t *testing.T, path string) []string {
	t.Helper()
	if _, err := exec.LookPath("zbarimg"); err != nil {
		t.Skip("zbarimg not installed (apt install zbar-tools)")
	}
	out, err := exec.Command("zbarimg", "--quiet", "--raw", "-Sbinary", path).Output()
	if err != nil {
		t.Fatalf("zbarimg: %v (%s)", err, out)
	}
	var codes []string
	for _, l := range strings.Split(strings.TrimRight(string(out), "\n"), "\n") {
		if l != "" {
			codes = append(codes, l)
		}
	}
	return codes
}

func TestTicketQRReadsBack(t *testing.T) {
	for _, prof := range []string{"80mm", "58mm", "58mm-raster"} {
		t.Run(prof, func(t *testing.T) {
			tk, b := sample(t, prof)
			p := escpos.Profiles[prof]
			res, err := Render(b, &Options{Width: p.Width})
			if err != nil {
				t.Fatal(err)
			}
			if len(res.Warnings) > 0 {
				t.Errorf("warnings: %v", res.Warnings)
			}
			if res.Image.Bounds().Dx() != p.Width {
				t.Errorf("width %d, want %d", res.Image.Bounds().Dx(), p.Width)
			}
			codes := zbar(t, writePNG(t, res))
			if len(codes) != 1 || codes[0] != tk.QR {
				t.Errorf("zbarimg read %q, want [%q]", codes, tk.QR)
			}
		})
	}
}

func ink(img *image.Gray, r image.Rectangle) int {
	n := 0
	r = r.Intersect(img.Bounds())
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			if img.GrayAt(x, y).Y < 128 {
				n++
			}
		}
	}
	return n
}

func TestLayoutCommands(t *testing.T) {
	e := escpos.NewEncoder(escpos.Profiles["80mm"])
	e.Init().Align(escpos.Right).Line("AB")
	e.Align(escpos.Left).Size(2, 2).Line("AB").Size(1, 1)
	e.Underline(2).Line("__").Underline(0)
	e.Align(escpos.Center).Line("号").Feed(2).Cut(false)
	b, _ := e.Bytes()
	res, err := Render(b, nil)
	if err != nil {
		t.Fatal(err)
	}
	img := res.Image
	if res.Cuts != 1 || len(res.Warnings) != 0 {
		t.Errorf("cuts %d warnings %v", res.Cuts, res.Warnings)
	}
	// Line 1 (rows 0..24): right aligned, 24 dots wide.
	if ink(img, image.Rect(0, 0, 576-24, 24)) != 0 || ink(img, image.Rect(576-24, 0, 576, 24)) == 0 {
		t.Error("right alignment wrong")
	}
	// Line 2 (rows 30..78): double size, left, 48 dots wide.
	if ink(img, image.Rect(0, 30, 48, 78)) == 0 || ink(img, image.Rect(48, 30, 576, 78)) != 0 {
		t.Error("double size wrong")
	}
	// Centred Chinese character after the underlined line.
	y := 78 + 30
	if ink(img, image.Rect(276, y, 300, y+24)) == 0 || ink(img, image.Rect(0, y, 270, y+24)) != 0 {
		t.Error("centred 号 wrong")
	}
	if img.Bounds().Dy() < y+30+60 {
		t.Errorf("height %d: feed missing", img.Bounds().Dy())
	}
}

func TestUnknownCommandsWarn(t *testing.T) {
	in := []byte("A\x1b\x7fB\x1d\x28\x41\x02\x00xxC\n\x1b")
	res, err := Render(in, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Warnings) != 3 {
		t.Errorf("warnings %q, want 3 (ESC 7F, GS ( A, truncated ESC)", res.Warnings)
	}
	// A, B and C are printed on one line.
	if ink(res.Image, image.Rect(0, 0, 36, 24)) == 0 || ink(res.Image, image.Rect(36, 0, 576, 24)) != 0 {
		t.Error("text around unknown commands not printed")
	}
}

func TestReplacementVisible(t *testing.T) {
	e := escpos.NewEncoder(escpos.Profiles["80mm"])
	e.Line("😀")
	b, _ := e.Bytes()
	res, _ := Render(b, nil)
	if ink(res.Image, image.Rect(0, 0, 12, 24)) == 0 {
		t.Error("replacement character not visible")
	}
}

func TestBounded(t *testing.T) {
	// 255-line feeds repeated: 3 bytes each would be 7650 rows each.
	in := bytes.Repeat([]byte{0x1b, 'd', 255}, 100)
	res, _ := Render(in, &Options{MaxHeight: 5000})
	if !res.Truncated || res.Image.Bounds().Dy() > 5000 {
		t.Errorf("truncated=%v height=%d", res.Truncated, res.Image.Bounds().Dy())
	}
	// A raster image far wider than the paper is cropped.
	r := append([]byte{0x1d, 'v', '0', 0, 0xff, 0x00, 2, 0}, bytes.Repeat([]byte{0xff}, 255*2)...)
	res, _ = Render(r, &Options{Width: 384})
	if res.Image.Bounds().Dx() != 384 || ink(res.Image, res.Image.Bounds()) != 384*2 {
		t.Errorf("raster: %v ink %d", res.Image.Bounds(), ink(res.Image, res.Image.Bounds()))
	}
}

func TestNextCommand(t *testing.T) {
	_, b := sample(t, "80mm")
	// Walking the stream command by command ends exactly at its end, and
	// the only cut is the last command.
	cuts := 0
	for i := 0; i < len(b); {
		n := NextCommand(b[i:])
		if n == 0 {
			t.Fatalf("incomplete command at %d", i)
		}
		if IsCut(b[i : i+n]) {
			cuts++
			if i+n != len(b) {
				t.Errorf("cut at %d of %d", i, len(b))
			}
		}
		i += n
	}
	if cuts != 1 {
		t.Errorf("cuts = %d", cuts)
	}
	for _, part := range [][]byte{{0x1d, 'V'}, {0x1d, '(', 'k', 9, 0, 49}, {0x10, 0x04}} {
		if n := NextCommand(part); n != 0 {
			t.Errorf("NextCommand(% X) = %d, want 0 (incomplete)", part, n)
		}
	}
	if n, ok := IsStatusRequest([]byte{0x10, 0x04, 2}); !ok || n != 2 {
		t.Error("IsStatusRequest")
	}
}
