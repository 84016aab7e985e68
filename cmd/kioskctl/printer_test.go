package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"hallkiosk/drivers/serialtest"
	"hallkiosk/printer/printersim"
)

// startPrinterSim runs a simulated printer on a pty and returns it and the
// port path.
func startPrinterSim(t *testing.T) (*printersim.Sim, string) {
	t.Helper()
	p, err := serialtest.OpenPTY()
	if err != nil {
		t.Fatal(err)
	}
	s := printersim.New(nil)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); s.Run(ctx, p.Master) }()
	t.Cleanup(func() { cancel(); <-done; p.Close() })
	return s, p.SlavePath
}

func TestPrintTestAndStatus(t *testing.T) {
	s, path := startPrinterSim(t)
	ctx := context.Background()
	var out, errb bytes.Buffer
	if err := run(ctx, []string{"print", "test", "--port", path, "--profile", "58mm"}, &out, &errb); err != nil {
		t.Fatal(err, errb.String())
	}
	if !strings.Contains(out.String(), "printed and confirmed") {
		t.Errorf("output %q", out.String())
	}
	out.Reset()
	s.Set(func(st *printersim.State) { st.PaperNearEnd = true })
	if err := run(ctx, []string{"printer", "status", "--port", path, "--json"}, &out, &errb); err != nil {
		t.Fatal(err)
	}
	var st statusJSON
	if err := json.Unmarshal(out.Bytes(), &st); err != nil || !st.Ready || !st.PaperNearEnd || st.Summary != "paper-near-end" {
		t.Errorf("status %s (%v)", out.String(), err)
	}
	s.Set(func(st *printersim.State) { st.CoverOpen = true })
	err := run(ctx, []string{"print", "test", "--port", path}, &out, &errb)
	if err == nil || !strings.Contains(err.Error(), "cover open before printing") {
		t.Errorf("cover open: %v", err)
	}
	if n := len(s.Jobs()); n != 1 {
		t.Errorf("%d jobs printed, want 1", n)
	}
	if err := run(ctx, []string{"print", "test", "--port", path, "--profile", "nope"}, &out, &errb); !errors.Is(err, errUsage) {
		t.Errorf("bad profile: %v", err)
	}
}

func TestTicketSampleRender(t *testing.T) {
	dir := t.TempDir()
	bin, img := filepath.Join(dir, "t.bin"), filepath.Join(dir, "t.png")
	var out, errb bytes.Buffer
	ctx := context.Background()
	if err := run(ctx, []string{"ticket", "sample", "-o", bin, "--profile", "58mm"}, &out, &errb); err != nil {
		t.Fatal(err)
	}
	// The sample is a marked test print (测试 bands, window line), so it is
	// larger than a real ticket, whose ≤ 600 bytes printer/ticket's
	// TestTicketNativeQRSize pins.
	if fi, err := os.Stat(bin); err != nil || fi.Size() > 800 {
		t.Fatalf("sample: %v %v", fi, err)
	}
	if err := run(ctx, []string{"escpos", "render", "-o", img, "--width", "384", bin}, &out, &errb); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(img)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	cfg, err := png.DecodeConfig(f)
	if err != nil || cfg.Width != 384 || cfg.Height < 400 {
		t.Errorf("png %+v %v", cfg, err)
	}
	if errb.Len() != 0 {
		t.Errorf("warnings: %s", errb.String())
	}
	if err := run(ctx, []string{"escpos", "render", bin}, &out, &errb); !errors.Is(err, errUsage) {
		t.Errorf("missing -o: %v", err)
	}
}
