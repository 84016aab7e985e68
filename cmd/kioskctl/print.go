package main

import (
	"context"
	"fmt"
	"io"
	"time"

	"hallkiosk/printer"
	"hallkiosk/printer/escpos"
	"hallkiosk/printer/ticket"
)

func init() {
	register("print test", "print a sample ticket and confirm it (--port P [--profile X] [--baud N])", runPrintTest)
}

func runPrintTest(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("print test", stderr)
	port := fs.String("port", "", printerPortHelp)
	baud := fs.Int("baud", printer.DefaultBaud, "baud rate (serial)")
	profName := fs.String("profile", escpos.DefaultProfile, "printer profile: "+fmt.Sprint(escpos.ProfileNames()))
	timeout := fs.Duration("timeout", 2*time.Second, "how long to wait for status replies")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageError("print test takes no arguments")
	}
	prof, err := escpos.LookupProfile(*profName)
	if err != nil {
		return usageError("%v", err)
	}
	p, err := openPrinter(ctx, *port, *baud, prof, *timeout)
	if err != nil {
		return err
	}
	defer p.Close()
	now := time.Now()
	tk, err := ticket.Sample(now)
	if err != nil {
		return err
	}
	tk.Notice = "打印测试 · 非有效排队凭证"
	data, err := tk.Encode(prof)
	if err != nil {
		return err
	}
	start := time.Now()
	if err := p.Print(ctx, fmt.Sprintf("print-test-%d", now.UnixNano()), data); err != nil {
		return fmt.Errorf("print test: %w", err)
	}
	fmt.Fprintf(stdout, "printed and confirmed a sample ticket: %d bytes, profile %s, %v; printer %s\n",
		len(data), prof.Name, time.Since(start).Round(time.Millisecond), p.Health())
	return nil
}
