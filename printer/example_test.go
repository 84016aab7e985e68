package printer_test

import (
	"context"
	"fmt"
	"time"

	"hallkiosk/drivers/serialtest"
	"hallkiosk/printer"
	"hallkiosk/printer/escpos"
	"hallkiosk/printer/printersim"
	"hallkiosk/printer/ticket"
)

// A kiosk prints a queue ticket and learns whether the citizen holds it.
// Here the printer is the simulator on a pseudo-terminal; on a kiosk the
// port is the printer's serial device, /dev/usb/lp0 or tcp://HOST:9100.
func ExamplePrinter_PrintTicket() {
	pty, _ := serialtest.OpenPTY()
	defer pty.Close()
	sim := printersim.New(nil)
	ctx, stop := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); sim.Run(ctx, pty.Master) }()
	defer func() { stop(); <-done }()

	conn, err := printer.Open(context.Background(), pty.SlavePath, 115200)
	if err != nil {
		fmt.Println(err)
		return
	}
	p := printer.New(conn, &printer.Opts{
		Profile:  escpos.Profiles["80mm"],
		OnHealth: func(h printer.Health) { fmt.Println("printer health:", h) },
	})
	defer p.Close()

	t := ticket.Ticket{
		Hall: "玉门市政务服务中心", Number: "A105", Service: "税务·发票领取",
		Issued: time.Now(), Ahead: 3, Wait: 6 * time.Minute,
		QR: "https://zwfw.example.gov.cn/q?c=HK1.signed-code", Notice: "过号请重新取号",
	}
	// The key is the ticket's idempotency key: a double tap does not
	// print a second ticket.
	for range 2 {
		if err := p.PrintTicket(context.Background(), "kiosk03-1842", t); err != nil {
			fmt.Println("void or reprint:", err)
			return
		}
	}
	sim.Set(func(s *printersim.State) { s.PaperOut = true })
	err = p.PrintTicket(context.Background(), "kiosk03-1843", t)
	fmt.Println(err)
	// Output:
	// printer health: ok
	// printer health: offline,paper-out,paper-stop,paper-near-end
	// printer: job kiosk03-1843: paper out before printing (0 of 300 bytes sent; nothing printed)
}
