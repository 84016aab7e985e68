package idcard_test

import (
	"context"
	"fmt"
	"time"

	"hallkiosk/drivers/idcard"
	"hallkiosk/drivers/idcard/idcardsim"
	"hallkiosk/drivers/serialport"
	"hallkiosk/drivers/serialtest"
)

// Example reads a card from a simulated reader on a pseudo-terminal; on a
// kiosk the port is the reader's serial device.
func Example() {
	pty, _ := serialtest.OpenPTY()
	defer pty.Close()
	sim := idcardsim.New(0)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	go sim.Run(ctx, pty.Master)
	sim.Place("resident2")

	port, err := serialport.Open(pty.SlavePath, 115200)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer port.Close()
	dev, _ := idcard.New(port, nil)
	card, err := dev.WaitCard(ctx)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(card) // masked
	fmt.Println(card.Nation, card.Birth, card.LongTerm, card.IDNumberValid)
	// Output:
	// resident card 马** 6209**********003X
	// 回 1960-11-20 true true
}
