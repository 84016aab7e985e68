package main

import (
	"context"
	"errors"
	"fmt"
	"io"

	"hallkiosk/drivers/scanner"
)

func init() {
	register("scan", "print scanned codes (--port P [--baud N] [--trigger T] [--count N] [--timeout D], or --keyboard EVDEV)", runScan)
}

func runScan(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("scan", stderr)
	port := fs.String("port", "", "serial scanner port: path or usb:VID:PID[:SERIAL]")
	kbd := fs.String("keyboard", "", "keyboard-wedge scanner evdev node (/dev/input/by-id/*-event-kbd), grabbed while reading")
	baud := fs.Int("baud", 9600, "baud rate")
	trig := fs.String("trigger", "none", "send a start command first: none, honeywell or newland")
	encName := fs.String("encoding", "auto", "text encoding: auto, utf-8 or gb18030")
	count := fs.Int("count", 0, "exit after this many codes (0: until --timeout or Ctrl-C)")
	timeout := fs.Duration("timeout", 0, "give up after this long (0: no limit); with --count, fewer codes is an error")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageError("scan takes no arguments")
	}
	if (*port == "") == (*kbd == "") {
		return usageError("give exactly one of --port and --keyboard")
	}
	t, err := scanner.ParseTrigger(*trig)
	if err != nil {
		return usageError("%v", err)
	}
	enc := map[string]scanner.Encoding{"auto": scanner.Auto, "utf-8": scanner.UTF8, "utf8": scanner.UTF8, "gb18030": scanner.GB18030}
	e, ok := enc[*encName]
	if !ok {
		return usageError("--encoding is auto, utf-8 or gb18030")
	}
	var src scanner.Source
	if *kbd != "" {
		f, err := scanner.OpenKeyboard(*kbd)
		if err != nil {
			return err
		}
		src = scanner.NewKeyboard(f, nil)
	} else {
		p, err := devOpenPort(*port, *baud)
		if err != nil {
			return err
		}
		defer p.Close()
		d, err := scanner.New(p, &scanner.Opts{Trigger: t, Encoding: e})
		if err != nil {
			return err
		}
		if err := d.StartScan(); err != nil {
			d.Close()
			return err
		}
		defer d.StopScan()
		src = d
	}
	defer src.Close()
	if *timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, *timeout)
		defer cancel()
	}
	n := 0
	for *count == 0 || n < *count {
		select {
		case code, ok := <-src.Codes():
			if !ok {
				return errors.New("scan: scanner went away")
			}
			n++
			if _, err := fmt.Fprintln(stdout, code); err != nil {
				return err
			}
		case <-ctx.Done():
			if errors.Is(ctx.Err(), context.DeadlineExceeded) && *count > 0 {
				return fmt.Errorf("scan: %d of %d codes within %s", n, *count, *timeout)
			}
			return nil
		}
	}
	return nil
}
