package scanner_test

import (
	"context"
	"fmt"

	"hallkiosk/drivers/scanner"
	"hallkiosk/drivers/scanner/scannersim"
	"hallkiosk/drivers/serialport"
	"hallkiosk/drivers/serialtest"
)

// Example reads one code from a simulated serial scanner module sending
// GB18030 text; on a kiosk the port is the module's serial device.
func Example() {
	pty, _ := serialtest.OpenPTY()
	defer pty.Close()
	sim := scannersim.New(9600)
	sim.Encoding = scanner.GB18030
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go sim.Run(ctx, pty.Master)

	port, err := serialport.Open(pty.SlavePath, 9600)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer port.Close()
	dev, _ := scanner.New(port, nil) // encoding detected per code
	defer dev.Close()
	go sim.Scan(ctx, "甘(2023)玉门市不动产权第0001234号")
	fmt.Println(<-dev.Codes())
	// Output: 甘(2023)玉门市不动产权第0001234号
}
