package evaluator_test

import (
	"context"
	"fmt"
	"time"

	"hallkiosk/drivers/evaluator"
	"hallkiosk/drivers/evaluator/evaluatorsim"
	"hallkiosk/drivers/serialport"
	"hallkiosk/drivers/serialtest"
)

// Example asks the pad at window 3 to rate ticket A012 while a simulated
// citizen presses 满意.
func Example() {
	pty, _ := serialtest.OpenPTY()
	defer pty.Close()
	bus := evaluatorsim.New(3)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	go bus.Run(ctx, pty.Master)
	go func() {
		for bus.Press(3, 2) != nil { // when the pad lights up
			time.Sleep(10 * time.Millisecond)
		}
	}()

	port, err := serialport.Open(pty.SlavePath, 9600)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer port.Close()
	pad, _ := evaluator.New(port, &evaluator.Opts{Addr: 3})
	res, err := pad.Evaluate(ctx, "A012")
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(res.TicketID, int(res.Rating), res.Rating)
	// Output: A012 2 满意
}

// ExampleBus drives the pads of two windows on one bus: window 3's pad
// (address 3) rates ticket A012 while window 4's pad asks about B007.
func ExampleBus() {
	pty, _ := serialtest.OpenPTY()
	defer pty.Close()
	pads := evaluatorsim.New(3, 4)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	go pads.Run(ctx, pty.Master)
	go func() {
		for pads.Press(3, 1) != nil { // when the pad lights up
			time.Sleep(10 * time.Millisecond)
		}
	}()

	port, err := serialport.Open(pty.SlavePath, 9600)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer port.Close()
	bus, _ := evaluator.NewBus(port, nil)
	go bus.Run(ctx)
	bus.Rate(3, "A012", 30*time.Second)
	bus.Rate(4, "B007", 30*time.Second)
	res := <-bus.Results()
	fmt.Println(res.TicketID, res.Addr, res.Rating)
	// Output: A012 3 非常满意
}
