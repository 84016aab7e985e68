package scanner_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"hallkiosk/drivers/scanner"
	"hallkiosk/drivers/scanner/scannersim"
	"hallkiosk/drivers/serialport"
	"hallkiosk/drivers/serialtest"
)

// plugScanner starts a simulated scanner on a new pty linked at link.
func plugScanner(t *testing.T, link string) (*scannersim.Sim, func()) {
	t.Helper()
	p, err := serialtest.OpenPTY()
	if err != nil {
		t.Fatal(err)
	}
	sim := scannersim.New(0)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); sim.Run(ctx, p.Master) }()
	os.Remove(link)
	if err := os.Symlink(p.SlavePath, link); err != nil {
		t.Fatal(err)
	}
	return sim, func() { os.Remove(link); cancel(); p.Close(); <-done }
}

func TestScannerAcrossReplug(t *testing.T) {
	link := filepath.Join(t.TempDir(), "scanner")
	sim, unplug := plugScanner(t, link)
	conn := serialport.Dial(serialport.Spec{Path: link, Baud: 9600}, nil)
	defer conn.Close()
	d, err := scanner.New(conn, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	if !conn.WaitConnected(3 * time.Second) {
		t.Fatal("not connected")
	}
	ctx := context.Background()
	sim.Scan(ctx, "before")
	if got := next(t, d); got != "before" {
		t.Fatal(got)
	}
	unplug()
	time.Sleep(300 * time.Millisecond)
	sim, unplug = plugScanner(t, link)
	defer unplug()
	if !conn.WaitConnected(5 * time.Second) {
		t.Fatalf("not back: %+v", conn.Health())
	}
	sim.Scan(ctx, "after")
	if got := next(t, d); got != "after" {
		t.Fatal(got)
	}
}
