package main

import (
	"context"
	"fmt"
	"io"
	"time"

	"hallkiosk/drivers/display"
)

func init() {
	register("display send", "send one command to a queue display (--port P --protocol line|framed --addr N --text T | --clear | --brightness N | --clock)", runDisplaySend)
}

func runDisplaySend(_ context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("display send", stderr)
	port := fs.String("port", "", "display bus port: path or usb:VID:PID[:SERIAL]")
	baud := fs.Int("baud", 9600, "baud rate")
	protocol := fs.String("protocol", "line", "line (01 addr text 07) or framed (FF 68 LEN LEN 68 ADDR CMD DATA CS 16)")
	addr := fs.Int("addr", 1, "display address (0-255)")
	text := fs.String("text", "", "text to show")
	enc := fs.String("encoding", "gb18030", "text encoding of the display: ascii, gb2312, gb18030")
	clearIt := fs.Bool("clear", false, "blank the display")
	brightness := fs.Int("brightness", -1, "set brightness 0-15 (framed protocol only)")
	clock := fs.Bool("clock", false, "show the current time (the idle clock)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageError("display send takes no arguments (use --text)")
	}
	if *addr < 0 || *addr > 255 {
		return usageError("--addr is 0..255")
	}
	e, err := display.ParseEncoding(*enc)
	if err != nil {
		return usageError("%v", err)
	}
	var codec display.Codec
	switch *protocol {
	case "line":
		codec = display.NewLine(e)
	case "framed":
		codec = display.NewFramed(e)
	default:
		return usageError("--protocol is line or framed")
	}
	cmd := display.Command{Addr: byte(*addr)}
	ops := 0
	if *text != "" {
		cmd.Op, cmd.Text = display.OpText, *text
		ops++
	}
	if *clearIt {
		cmd.Op = display.OpClear
		ops++
	}
	if *brightness >= 0 {
		cmd.Op, cmd.Level = display.OpBrightness, *brightness
		ops++
	}
	if *clock {
		cmd.Op, cmd.Time = display.OpClock, time.Now()
		ops++
	}
	if ops != 1 {
		return usageError("give exactly one of --text, --clear, --brightness, --clock")
	}
	b, err := codec.Encode(cmd)
	if err != nil {
		return err
	}
	p, err := devOpenPort(*port, *baud)
	if err != nil {
		return err
	}
	defer p.Close()
	d, err := display.New(p, &display.Opts{Codec: codec})
	if err != nil {
		return err
	}
	if err := d.Send(cmd); err != nil {
		return err
	}
	if err := p.Drain(); err != nil {
		return fmt.Errorf("display send: %w", err)
	}
	_, err = fmt.Fprintf(stdout, "sent %s %s to address %d: % x\n", *protocol, cmd.Op, *addr, b)
	return err
}
