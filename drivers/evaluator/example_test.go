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
