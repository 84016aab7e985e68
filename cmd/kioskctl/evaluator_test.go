package main

import (
	"bytes"
	"context"
	"encoding/json"
	"testing"
	"time"

	"hallkiosk/drivers/evaluator/evaluatorsim"
	"hallkiosk/drivers/serialtest"
)

func TestEvaluatorListen(t *testing.T) {
	p, err := serialtest.OpenPTY()
	if err != nil {
		t.Fatal(err)
	}
	sim := evaluatorsim.New(2)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); sim.Run(ctx, p.Master) }()
	defer func() { cancel(); p.Close(); <-done }()
	go func() {
		for _, key := range []int{1, 4} {
			for sim.Press(2, key) != nil {
				time.Sleep(5 * time.Millisecond)
			}
			for sim.Pads()[0].Pressed != 0 { // wait for the pad to be idled
				time.Sleep(5 * time.Millisecond)
			}
		}
	}()
	var out, errb bytes.Buffer
	err = run(ctx, []string{"evaluator", "listen", "--port", p.SlavePath, "--addr", "2", "--ticket", "A007", "--count", "2", "--json"}, &out, &errb)
	if err != nil {
		t.Fatal(err, errb.String())
	}
	dec := json.NewDecoder(&out)
	for _, want := range []string{"非常满意", "不满意"} {
		var r struct {
			TicketID string `json:"ticket_id"`
			Label    string `json:"label"`
		}
		if err := dec.Decode(&r); err != nil || r.TicketID != "A007" || r.Label != want {
			t.Fatalf("%+v %v", r, err)
		}
	}
	if err := run(ctx, []string{"evaluator", "listen", "--port", p.SlavePath, "--addr", "5"}, &out, &errb); err == nil {
		t.Fatal("absent pad accepted")
	}
}
