package display_test

import (
	"context"
	"fmt"
	"slices"
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
	n, err := m.Tick(1) // one at a time: window 3 first (equal age, lower number)
	must(err)
	stripSim.WaitCount(ctx, 3)
	if st = stripSim.State(); n != 1 || st[3].Text != "10:02" || st[12].Text != "请B017" {
		t.Fatalf("after Tick(1) = %d strips show %+v", n, st)
	}
	n, err = m.Tick(0)
	must(err)
	stripSim.WaitCount(ctx, 4)
	if st = stripSim.State(); n != 1 || st[12].Text != "10:02" {
		t.Fatalf("after Tick(0) = %d strips show %+v", n, st)
	}
	// Idle strips are refreshed when the minute changes, not before.
	now = now.Add(30 * time.Second)
	if n, _ = m.Tick(0); n != 0 {
		t.Fatalf("refreshed %d strips within the minute", n)
	}
	now = now.Add(30 * time.Second)
	if n, _ = m.Tick(0); n != 2 {
		t.Fatalf("refreshed %d strips at the next minute", n)
	}
	stripSim.WaitCount(ctx, 6)
	if st = stripSim.State(); st[3].Text != "10:03" || st[12].Text != "10:03" {
		t.Fatalf("refreshed strips show %+v", st)
	}
	if _, err := display.New(nil, nil); err == nil {
		t.Fatal("New(nil) succeeded")
	}
}

// recorder is a bus that keeps the frames written to it.
type recorder struct{ frames [][]byte }

func (r *recorder) Write(b []byte) (int, error) {
	r.frames = append(r.frames, append([]byte(nil), b...))
	return len(b), nil
}

func TestUpdateBoardUntil(t *testing.T) {
	rec := &recorder{}
	dev, err := display.New(rec, &display.Opts{Codec: display.NewLine(display.ASCII), Gap: -1})
	if err != nil {
		t.Fatal(err)
	}
	other, _ := display.New(&recorder{}, nil)
	board := []display.Target{{Dev: dev, Addr: 1}, {Dev: dev, Addr: 2}, {Dev: dev, Addr: 3}}
	m := display.NewManager(display.ManagerOpts{Board: board, Windows: map[int]display.Target{5: {Dev: other, Addr: 5}}})
	if m.SharedBus() {
		t.Error("separate buses reported shared")
	}
	if !display.NewManager(display.ManagerOpts{Board: board, Windows: map[int]display.Target{5: {Dev: dev, Addr: 9}}}).SharedBus() {
		t.Error("one bus not reported shared")
	}
	texts := func() []string {
		var out []string
		for _, f := range rec.frames {
			cmd, _, err := display.NewLine(display.ASCII).Decode(f)
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, fmt.Sprintf("%d:%s", cmd.Addr, cmd.Text))
		}
		rec.frames = nil
		return out
	}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	// Every pushed line gets the top row once, in order (a queue, not a
	// snapshot), then the lower rows follow.
	must(m.UpdateBoard(nil, []string{"A1", "A2"}))
	if got := texts(); !slices.Equal(got, []string{"1:A1", "1:A2", "2:A1"}) {
		t.Fatalf("first update wrote %v", got)
	}
	// More is waiting after the top row: the rest is left for later.
	must(m.UpdateBoardUntil(nil, []string{"A3"}, func() bool { return true }))
	if got := texts(); !slices.Equal(got, []string{"1:A3"}) {
		t.Fatalf("interrupted update wrote %v", got)
	}
	// The next update (even an empty one) writes what is still behind.
	must(m.UpdateBoardUntil(nil, nil, nil))
	if got := texts(); !slices.Equal(got, []string{"2:A2", "3:A1"}) {
		t.Fatalf("catch-up wrote %v", got)
	}
	must(m.UpdateBoard([]string{"A2"}, nil))
	if got := texts(); !slices.Equal(got, []string{"2:A1", "3:"}) {
		t.Fatalf("removal wrote %v", got)
	}
	if rows := m.BoardRows(); !slices.Equal(rows, []string{"A3", "A1"}) {
		t.Fatalf("rows %v", rows)
	}
}
