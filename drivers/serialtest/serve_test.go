package serialtest_test

import (
	"context"
	"io"
	"net"
	"runtime"
	"testing"
	"time"

	"hallkiosk/drivers/evaluator/evaluatorsim"
	"hallkiosk/drivers/idcard/idcardsim"
	"hallkiosk/drivers/scanner/scannersim"
	"hallkiosk/drivers/serialtest"
)

// settledGoroutines waits until the number of goroutines is at most want and
// returns the last count seen.
func settledGoroutines(want int) int {
	n := runtime.NumGoroutine()
	for i := 0; i < 100 && n > want; i++ {
		time.Sleep(20 * time.Millisecond)
		n = runtime.NumGoroutine()
	}
	return n
}

// TestSimulatorsLeaveNoReader runs each simulator on an open pty master and
// on a TCP connection, cancels it and checks that once Run has returned no
// goroutine of it is left, while the port is still open (its Read is not
// woken by anything but the simulator itself). printersim has no reader of
// its own (it polls on Run's goroutine, serialtest.Waiter).
func TestSimulatorsLeaveNoReader(t *testing.T) {
	sims := []struct {
		name string
		run  func(ctx context.Context, port io.ReadWriter) error
	}{
		{"evaluatorsim", evaluatorsim.New(1).Run},
		{"scannersim", scannersim.New(0).Run},
		{"idcardsim", idcardsim.New(0).Run},
	}
	ports := []struct {
		name string
		open func(t *testing.T) io.ReadWriter
	}{
		{"pty", func(t *testing.T) io.ReadWriter {
			p, err := serialtest.OpenPTY()
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { p.Close() })
			return p.Master
		}},
		{"tcp", func(t *testing.T) io.ReadWriter {
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			defer ln.Close()
			far, err := net.Dial("tcp", ln.Addr().String())
			if err != nil {
				t.Fatal(err)
			}
			near, err := ln.Accept()
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { near.Close(); far.Close() })
			return near
		}},
	}
	for _, s := range sims {
		for _, p := range ports {
			t.Run(s.name+"/"+p.name, func(t *testing.T) {
				port := p.open(t)
				before := runtime.NumGoroutine()
				ctx, cancel := context.WithCancel(context.Background())
				done := make(chan error, 1)
				go func() { done <- s.run(ctx, port) }()
				time.Sleep(50 * time.Millisecond) // let it block in its read
				cancel()
				select {
				case err := <-done:
					if err != nil {
						t.Fatalf("Run: %v", err)
					}
				case <-time.After(5 * time.Second):
					t.Fatal("Run did not return after cancel")
				}
				if n := settledGoroutines(before); n > before {
					buf := make([]byte, 1<<16)
					buf = buf[:runtime.Stack(buf, true)]
					t.Fatalf("%d goroutines before Run, %d after it returned:\n%s", before, n, buf)
				}
			})
		}
	}
}
