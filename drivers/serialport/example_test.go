package serialport_test

import (
	"context"
	"fmt"
	"time"

	"hallkiosk/drivers/idcard"
	"hallkiosk/drivers/serialport"
)

// Example keeps an ID card reader in service across unplug and replug:
// the driver talks to a Conn, which reopens the device by its USB identity
// (or path) and reports its health for the hall.
func Example() {
	spec, err := serialport.ParseSpec("usb:0400:c35a", 115200)
	if err != nil {
		fmt.Println(err)
		return
	}
	conn := serialport.Dial(spec, nil)
	defer conn.Close()
	reader, _ := idcard.New(conn, nil)

	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	if _, err := reader.WaitCard(ctx); err != nil {
		h := conn.Health()
		fmt.Println(h.Spec, "connected:", h.Connected)
	}
	// Output:
	// usb:0400:c35a connected: false
}
