package camera_test

import (
	"bytes"
	"context"
	"errors"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	"hallkiosk/drivers/camera"
)

func TestYUYV(t *testing.T) {
	// 4×2 pixels: Y values 10..80, chroma bytes 128.
	var data []byte
	for i := 0; i < 8; i += 2 {
		data = append(data, byte(10*(i+1)), 128, byte(10*(i+2)), 128)
	}
	g, err := camera.YUYVToGray(data, 4, 2)
	if err != nil {
		t.Fatal(err)
	}
	for i, v := range g.Pix {
		if v != byte(10*(i+1)) {
			t.Fatalf("pixel %d = %d", i, v)
		}
	}
	for _, c := range []struct{ n, w, h int }{{15, 4, 2}, {16, 3, 2}, {16, 0, 2}, {16, 1 << 16, 1 << 16}} {
		if _, err := camera.YUYVToGray(make([]byte, c.n), c.w, c.h); !errors.Is(err, camera.ErrFormat) {
			t.Errorf("%+v: %v", c, err)
		}
	}
}

func testImage() *image.Gray {
	g := image.NewGray(image.Rect(0, 0, 64, 48))
	for y := 0; y < 48; y++ {
		for x := 0; x < 64; x++ {
			g.SetGray(x, y, color.Gray{uint8((x * 4) ^ (y * 5))})
		}
	}
	return g
}

// stripDHT removes every DHT segment from a JPEG, as UVC cameras send it.
func stripDHT(t *testing.T, j []byte) []byte {
	out := append([]byte(nil), j[:2]...)
	i := 2
	for {
		m := j[i+1]
		if m == 0xda {
			return append(out, j[i:]...)
		}
		n := int(j[i+2])<<8 | int(j[i+3])
		if m != 0xc4 {
			out = append(out, j[i:i+2+n]...)
		}
		i += 2 + n
	}
}

func TestMJPEG(t *testing.T) {
	var buf bytes.Buffer
	src := image.NewYCbCr(image.Rect(0, 0, 64, 48), image.YCbCrSubsampleRatio422)
	copy(src.Y, testImage().Pix)
	for i := range src.Cb {
		src.Cb[i], src.Cr[i] = 128, 128
	}
	if err := jpeg.Encode(&buf, src, &jpeg.Options{Quality: 90}); err != nil {
		t.Fatal(err)
	}
	full := buf.Bytes()
	want, err := camera.MJPEGToGray(full)
	if err != nil {
		t.Fatal(err)
	}
	bare := stripDHT(t, full)
	if bytes.Contains(bare, []byte{0xff, 0xc4}) || len(bare) >= len(full) {
		t.Fatal("DHT not stripped")
	}
	if _, err := jpeg.Decode(bytes.NewReader(bare)); err == nil {
		t.Fatal("stdlib decoded a JPEG without Huffman tables; the test proves nothing")
	}
	got, err := camera.MJPEGToGray(bare)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got.Pix, want.Pix) {
		t.Fatal("frame without DHT decodes differently")
	}
	// Close to the original (lossy).
	var diff int
	for i, v := range want.Pix {
		d := int(v) - int(testImage().Pix[i])
		diff += d * d
	}
	if diff/len(want.Pix) > 100 {
		t.Errorf("mean squared error %d", diff/len(want.Pix))
	}
	if _, err := camera.MJPEGToGray([]byte{0xff, 0xd8, 0xff, 0xda, 0, 2}); !errors.Is(err, camera.ErrFormat) {
		t.Errorf("garbage: %v", err)
	}
}

func writePNG(t *testing.T, path string, v uint8) {
	g := image.NewGray(image.Rect(0, 0, 8, 8))
	for i := range g.Pix {
		g.Pix[i] = v
	}
	var buf bytes.Buffer
	png.Encode(&buf, g)
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestDir(t *testing.T) {
	dir := t.TempDir()
	for i, name := range []string{"frame-0003.png", "frame-0001.png", "frame-0002.png"} {
		writePNG(t, filepath.Join(dir, name), uint8(30-10*i))
	}
	os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("x"), 0o644)
	src, err := camera.NewDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	ctx := context.Background()
	for i, want := range []uint8{20, 10, 30} {
		f, err := src.Next(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if f.Img.Pix[0] != want || f.Seq != uint64(i+1) {
			t.Fatalf("frame %d: value %d seq %d", i, f.Img.Pix[0], f.Seq)
		}
	}
	if _, err := src.Next(ctx); err != io.EOF {
		t.Fatalf("after last: %v", err)
	}
	if _, err := camera.NewDir(t.TempDir()); err == nil {
		t.Fatal("empty dir accepted")
	}
	bad := camera.NewFiles(filepath.Join(dir, "notes.txt"), filepath.Join(dir, "frame-0001.png"))
	if _, err := bad.Next(ctx); err == nil {
		t.Fatal("text file read as image")
	}
	if f, err := bad.Next(ctx); err != nil || f.Img.Pix[0] != 20 {
		t.Fatalf("after a bad file: %v", err)
	}
	bad.Close()
	if _, err := bad.Next(ctx); !errors.Is(err, camera.ErrClosed) {
		t.Fatalf("closed: %v", err)
	}
}

func TestLatestDropsOldFrames(t *testing.T) {
	dir := t.TempDir()
	for i := 0; i < 4; i++ {
		writePNG(t, filepath.Join(dir, "f"+string(rune('a'+i))+".png"), uint8(i))
	}
	files, _ := camera.NewDir(dir)
	files.Loop = true
	files.Interval = 2 * time.Millisecond
	l := camera.NewLatest(files)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	var last uint64
	gaps := 0
	for i := 0; i < 5; i++ {
		f, err := l.Next(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if f.Seq <= last {
			t.Fatalf("frame %d after %d: not newer", f.Seq, last)
		}
		if f.Seq > last+1 {
			gaps++
		}
		last = f.Seq
		time.Sleep(20 * time.Millisecond) // a slow decoder
	}
	if gaps == 0 || l.Dropped() == 0 {
		t.Fatalf("slow consumer saw every frame (gaps %d, dropped %d)", gaps, l.Dropped())
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := l.Next(ctx); err == nil {
		t.Fatal("next after close")
	}
}

func TestLatestEnd(t *testing.T) {
	dir := t.TempDir()
	writePNG(t, filepath.Join(dir, "one.png"), 7)
	files, _ := camera.NewDir(dir)
	l := camera.NewLatest(files)
	defer l.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	f, err := l.Next(ctx)
	if err != nil || f.Img.Pix[0] != 7 {
		t.Fatalf("%v", err)
	}
	if _, err := l.Next(ctx); err != io.EOF {
		t.Fatalf("end: %v", err)
	}
}

// TestV4L2 runs against a real camera when one is present.
func TestV4L2(t *testing.T) {
	dev := os.Getenv("CAMERA_DEVICE")
	if dev == "" {
		dev = "/dev/video0"
	}
	if _, err := os.Stat(dev); err != nil {
		t.Skip("no video device:", dev)
	}
	cam, err := camera.OpenV4L2(dev, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer cam.Close()
	f, err := cam.Next(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if f.Img.Rect.Dx() == 0 {
		t.Fatal("empty frame")
	}
}

func FuzzMJPEGToGray(f *testing.F) {
	var buf bytes.Buffer
	jpeg.Encode(&buf, testImage(), nil)
	f.Add(buf.Bytes())
	f.Add([]byte{0xff, 0xd8, 0xff, 0xda, 0, 2})
	f.Fuzz(func(t *testing.T, data []byte) {
		g, err := camera.MJPEGToGray(data)
		if err == nil && g.Rect.Dx()*g.Rect.Dy() > camera.MaxPixels {
			t.Fatal("oversized frame accepted")
		}
	})
}

func FuzzYUYVToGray(f *testing.F) {
	f.Add([]byte{1, 2, 3, 4, 5, 6, 7, 8}, 2, 2)
	f.Add([]byte{1, 2}, 1, 1)
	f.Fuzz(func(t *testing.T, data []byte, w, h int) {
		g, err := camera.YUYVToGray(data, w, h)
		if err == nil && (g.Rect.Dx() != w || g.Rect.Dy() != h || len(data) < 2*w*h) {
			t.Fatal("inconsistent frame")
		}
	})
}

func ExampleNewLatest() {
	src := camera.NewFiles("testdata/frames/frame-0001.png")
	l := camera.NewLatest(src)
	defer l.Close()
	f, err := l.Next(context.Background())
	if err != nil {
		panic(err)
	}
	_ = f.Img // hand to the QR decoder
}
