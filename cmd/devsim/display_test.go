package main

import (
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"hallkiosk/drivers/display"
	"hallkiosk/drivers/serialport"
)

// TestDisplaySim sends both protocols to devsim's display bus through the
// real serial code and reads what each address shows from the control
// route.
func TestDisplaySim(t *testing.T) {
	paths := startDevsim(t, "display")
	port, err := serialport.Open(paths["display"], 9600)
	if err != nil {
		t.Fatal(err)
	}
	defer port.Close()
	strips, _ := display.New(port, &display.Opts{Codec: display.NewLine(display.GB18030), Gap: time.Millisecond})
	board, _ := display.New(port, &display.Opts{Codec: display.NewFramed(display.GB18030), Gap: time.Millisecond})
	for _, err := range []error{
		strips.ShowText(3, "A001"),
		strips.ShowText(5, "B002"),
		strips.Clear(5),
		board.ShowText(200, "请A001号到3号窗口"),
		board.SetBrightness(200, 6),
		// Noise between frames is skipped, as on a real bus.
		func() error { _, err := port.Write([]byte{0x00, 0x55}); return err }(),
		board.ShowText(201, "请B002号到5号窗口"),
	} {
		if err != nil {
			t.Fatal(err)
		}
	}
	var st map[string]display.Shown
	deadline := time.Now().Add(5 * time.Second)
	for {
		resp, err := http.Get(paths["control"] + "/display/state")
		if err != nil {
			t.Fatal(err)
		}
		st = nil
		json.NewDecoder(resp.Body).Decode(&st)
		resp.Body.Close()
		if st["201"].Text != "" || time.Now().After(deadline) {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	want := map[string]display.Shown{
		"3":   {Text: "A001", Brightness: 15, Protocol: "line"},
		"5":   {Text: "", Brightness: 15, Protocol: "line"},
		"200": {Text: "请A001号到3号窗口", Brightness: 6, Protocol: "framed"},
		"201": {Text: "请B002号到5号窗口", Brightness: 15, Protocol: "framed"},
	}
	if len(st) != len(want) {
		t.Fatalf("state %+v", st)
	}
	for a, w := range want {
		g := st[a]
		if g.Text != w.Text || g.Brightness != w.Brightness || g.Protocol != w.Protocol || g.At.IsZero() {
			t.Errorf("address %s shows %+v, want %+v", a, g, w)
		}
	}
}
