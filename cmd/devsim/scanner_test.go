package main

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"hallkiosk/drivers/scanner"
	"hallkiosk/drivers/serialport"
)

func TestScannerSim(t *testing.T) {
	paths := startDevsim(t, "scanner")
	port, err := serialport.Open(paths["scanner"], 9600)
	if err != nil {
		t.Fatal(err)
	}
	defer port.Close()
	d, err := scanner.New(port, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	for _, tc := range []struct{ query, code string }{
		{"", "HK1.eyJrIjoiQSJ9.c2ln"},
		{"?suffix=cr&enc=gb18030", "甘(2023)玉门市不动产权第0001234号"},
		{"?suffix=none", "A001"},
	} {
		post(t, paths["control"]+"/scanner/scan"+tc.query, tc.code)
		select {
		case got := <-d.Codes():
			if got != tc.code {
				t.Errorf("%s: got %q", tc.query, got)
			}
		case <-time.After(3 * time.Second):
			t.Fatalf("%s: no code", tc.query)
		}
	}
	resp, err := http.Post(paths["control"]+"/scanner/scan?suffix=tab", "", strings.NewReader("x"))
	if err != nil || resp.StatusCode != http.StatusBadRequest {
		t.Fatal(resp.Status, err)
	}
	resp.Body.Close()
}
