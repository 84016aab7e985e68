package main

import (
	"context"
	"net/http"
	"testing"
	"time"

	"hallkiosk/drivers/evaluator"
	"hallkiosk/drivers/serialport"
)

func TestEvaluatorSim(t *testing.T) {
	paths := startDevsim(t, "evaluator")
	ctl := paths["control"]
	port, err := serialport.Open(paths["evaluator"], 9600)
	if err != nil {
		t.Fatal(err)
	}
	defer port.Close()
	resp, err := http.Post(ctl+"/evaluator/press?key=2", "", nil)
	if err != nil || resp.StatusCode != http.StatusConflict {
		t.Fatalf("press on a dark pad: %v %v", resp.Status, err)
	}
	resp.Body.Close()
	d, _ := evaluator.New(port, &evaluator.Opts{Addr: 3, Poll: 20 * time.Millisecond})
	go func() {
		for range 100 {
			time.Sleep(20 * time.Millisecond)
			if r, err := http.Post(ctl+"/evaluator/press?key=3&addr=3", "", nil); err == nil {
				r.Body.Close()
				if r.StatusCode == http.StatusOK {
					return
				}
			}
		}
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	res, err := d.Evaluate(ctx, "C033")
	if err != nil || res.Rating != evaluator.FairlySatisfied || res.TicketID != "C033" {
		t.Fatalf("%+v %v", res, err)
	}
}
