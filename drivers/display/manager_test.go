package display_test

import (
	"context"
	"testing"
	"time"

	"hallkiosk/drivers/display"
	"hallkiosk/drivers/serialport"
	"hallkiosk/drivers/serialtest"
)

// TestManagerOverPTY drives the simulator through a real pseudo-terminal
// opened by the real serial port code, with both protocols on two buses.
func TestManagerOverPTY(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	bus := func(codec display.Codec) (*display.Dev, *display.Sim) {
		p, err := serialtest.OpenPTY()
		if err != nil {
			t.Fatal(err)
		}
		port, err := serialport.Open(p.SlavePath, 9600)
		if err != nil {
			p.Close()
			t.Fatal(err)
		}
		sim := display.NewSim(display.GB18030)
		done := make(chan struct{})
		go func() { defer close(done); sim.Run(ctx, p.Master) }()
		// With every slave descriptor closed the master's blocked Read
		// fails (EIO), which ends the simulator.
		t.Cleanup(func() { cancel(); port.Close(); p.Close(); <-done })
		// A short gap keeps the test fast; pacing itself is tested with a fake clock.
		dev, err := display.New(port, &display.Opts{Codec: codec, Gap: 5 * time.Millisecond})
		if err != nil {
			t.Fatal(err)
		}
		return dev, sim
	}
	strips, stripSim := bus(display.NewLine(display.GB18030))
	board, boardSim := bus(display.NewFramed(display.GB18030))
	now := time.Date(2026, 11, 25, 10, 0, 0, 0, time.Local)
	m := display.NewManager(display.ManagerOpts{
		Windows:   map[int]display.Target{3: {Dev: strips, Addr: 3}, 12: {Dev: strips, Addr: 12}},
		Board:     []display.Target{{Dev: board, Addr: 0x81}, {Dev: board, Addr: 0x82}},
		IdleAfter: time.Minute,
		Now:       func() time.Time { return now },
	})
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(m.ShowWindow(3, "A001"))
	must(m.PushBoard("A001 → 3号窗口"))
	must(m.ShowWindow(12, "请B017"))
	must(m.PushBoard("B017 → 12号窗口"))
	must(m.SetBrightness(9))
	stripSim.WaitCount(ctx, 2)
	boardSim.WaitCount(ctx, 3+2) // rows: 1 + 2, brightness: 2
	st := stripSim.State()
	if st[3].Text != "A001" || st[12].Text != "请B017" || st[3].Protocol != "line" {
		t.Fatalf("strips show %+v", st)
	}
	bs := boardSim.State()
	if bs[0x81].Text != "B017 → 12号窗口" || bs[0x82].Text != "A001 → 3号窗口" || bs[0x81].Brightness != 9 || bs[0x81].Protocol != "framed" {
		t.Fatalf("board shows %+v", bs)
	}
	// A finished ticket leaves the board; the row below moves up.
	must(m.RemoveBoard("B017 → 12号窗口"))
	boardSim.WaitCount(ctx, 7)
	bs = boardSim.State()
	if bs[0x81].Text != "A001 → 3号窗口" || bs[0x82].Text != "" {
		t.Fatalf("after remove board shows %+v", bs)
	}
	// Idle strips turn to the clock.
	now = now.Add(2 * time.Minute)
	must(m.Tick())
	stripSim.WaitCount(ctx, 4)
	st = stripSim.State()
	if !(st[3].Text == "10:02" && st[12].Text == "10:02") {
		t.Fatalf("idle strips show %+v", st)
	}
	if _, err := display.New(nil, nil); err == nil {
		t.Fatal("New(nil) succeeded")
	}
}
