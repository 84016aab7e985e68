package printer

import (
	"context"
	"net"
	"testing"
	"time"

	"hallkiosk/drivers/serialtest"
	"hallkiosk/printer/printersim"
)

// TestTCP prints to the simulator behind a loopback TCP listener, like a
// network printer on port 9100.
func TestTCP(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	sim := printersim.New(nil)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		c, err := ln.Accept()
		if err != nil {
			return
		}
		go func() { <-ctx.Done(); c.Close() }()
		sim.Run(ctx, c)
	}()
	defer func() { cancel(); <-done }()

	conn, err := Open(context.Background(), "tcp://"+ln.Addr().String(), 0)
	if err != nil {
		t.Fatal(err)
	}
	p := New(conn, &Opts{StatusTimeout: time.Second})
	defer p.Close()
	if err := p.PrintTicket(context.Background(), "tcp-1", sampleTicket(t)); err != nil {
		t.Fatal(err)
	}
	if jobs := waitJobs(t, sim, 1); len(jobs) != 1 {
		t.Fatalf("%d jobs", len(jobs))
	}
	sim.Set(func(s *printersim.State) { s.Unplugged = true })
	if _, err := p.Status(context.Background()); err == nil {
		t.Fatal("status from an unplugged printer")
	}
}

// TestUSBDevicePath opens the link the way /dev/usb/lp* is opened (a
// non-blocking character device); a pty slave stands in for the device.
func TestUSBDevicePath(t *testing.T) {
	pt, err := serialtest.OpenPTY()
	if err != nil {
		t.Fatal(err)
	}
	sim := printersim.New(nil)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); sim.Run(ctx, pt.Master) }()
	defer func() { cancel(); <-done; pt.Close() }()

	conn, err := OpenUSB(pt.SlavePath)
	if err != nil {
		t.Fatal(err)
	}
	p := New(conn, &Opts{StatusTimeout: time.Second})
	if err := p.PrintTicket(context.Background(), "usb-1", sampleTicket(t)); err != nil {
		t.Fatal(err)
	}
	if jobs := waitJobs(t, sim, 1); len(jobs) != 1 {
		t.Fatalf("%d jobs", len(jobs))
	}
	// Close interrupts the pending read of the reader goroutine.
	closed := make(chan error, 1)
	go func() { closed <- p.Close() }()
	select {
	case <-closed:
	case <-time.After(2 * time.Second):
		t.Fatal("Close did not return")
	}
	if err := p.PrintTicket(context.Background(), "usb-2", sampleTicket(t)); err == nil {
		t.Fatal("printed on a closed printer")
	}
}

func TestOpenErrors(t *testing.T) {
	ctx := context.Background()
	for _, target := range []string{"/dev/usb/lp99", "/nonexistent/tty", "tcp://127.0.0.1:1"} {
		if _, err := Open(ctx, target, 0); err == nil || err.Error()[:9] != "printer: " {
			t.Errorf("Open(%q) = %v", target, err)
		}
	}
}
