package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"hallkiosk/printer"
	"hallkiosk/printer/printersim"
	"hallkiosk/printer/ticket"
)

func TestPrinterSim(t *testing.T) {
	paths := startDevsim(t, "printer")
	conn, err := printer.OpenSerial(paths["printer"], 115200)
	if err != nil {
		t.Fatal(err)
	}
	p := printer.New(conn, nil)
	defer p.Close()
	tk, err := ticket.Sample(time.Now())
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := p.PrintTicket(ctx, "t1", tk); err != nil {
		t.Fatal(err)
	}
	// The job is saved as .bin and .png.
	var jobs []printersim.Job
	for i := 0; i < 100 && len(jobs) == 0; i++ {
		resp, err := http.Get(paths["control"] + "/printer/jobs")
		if err != nil {
			t.Fatal(err)
		}
		json.NewDecoder(resp.Body).Decode(&jobs)
		resp.Body.Close()
		time.Sleep(20 * time.Millisecond)
	}
	if len(jobs) != 1 || jobs[0].PNGPath == "" {
		t.Fatalf("jobs %+v", jobs)
	}
	want, _ := tk.Encode(p.Profile())
	if b, err := os.ReadFile(jobs[0].BinPath); err != nil || !bytes.Equal(b, want) {
		t.Errorf("saved job differs (%v)", err)
	}
	if filepath.Ext(jobs[0].PNGPath) != ".png" {
		t.Errorf("png path %q", jobs[0].PNGPath)
	}
	// Paper out over the control endpoint.
	post(t, paths["control"]+"/printer/paper?state=out", "")
	if err := p.PrintTicket(ctx, "t2", tk); err == nil {
		t.Fatal("printed without paper")
	}
	post(t, paths["control"]+"/printer/paper?state=ok", "")
	if err := p.PrintTicket(ctx, "t2", tk); err != nil {
		t.Fatal(err)
	}
}
