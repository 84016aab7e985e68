package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"hallkiosk/drivers/scanner/scannersim"
	"hallkiosk/drivers/serialtest"
)

func TestScan(t *testing.T) {
	p, err := serialtest.OpenPTY()
	if err != nil {
		t.Fatal(err)
	}
	sim := scannersim.New(0)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); sim.Run(ctx, p.Master) }()
	defer func() { cancel(); p.Close(); <-done }()

	go func() {
		for len(sim.Triggers()) == 0 { // the start command comes after the port is open
			time.Sleep(5 * time.Millisecond)
		}
		sim.Scan(ctx, "A001")
		sim.Scan(ctx, "甘(2023)玉门市不动产权第0001234号")
	}()
	var out, errb bytes.Buffer
	err = run(ctx, []string{"scan", "--port", p.SlavePath, "--trigger", "honeywell", "--count", "2", "--timeout", "5s"}, &out, &errb)
	if err != nil {
		t.Fatal(err, errb.String())
	}
	if out.String() != "A001\n甘(2023)玉门市不动产权第0001234号\n" {
		t.Fatalf("%q", out.String())
	}
	err = run(ctx, []string{"scan", "--port", p.SlavePath, "--count", "1", "--timeout", "200ms"}, &out, &errb)
	if err == nil || !strings.Contains(err.Error(), "0 of 1") {
		t.Fatal(err)
	}
	if err := run(ctx, []string{"scan"}, &out, &errb); err == nil {
		t.Fatal("no port accepted")
	}
}
