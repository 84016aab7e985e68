package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"hallkiosk/drivers/evaluator"
)

func init() {
	register("evaluator listen", "prompt an evaluator pad and print each rating (--port P [--addr N] [--ticket T] [--count N] [--json])", runEvaluatorListen)
}

func runEvaluatorListen(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("evaluator listen", stderr)
	port := fs.String("port", "", "RS-485 adapter port: path or usb:VID:PID[:SERIAL]")
	baud := fs.Int("baud", 9600, "baud rate")
	addr := fs.Int("addr", 1, "pad bus address (1-247)")
	ticket := fs.String("ticket", "TEST", "ticket id the ratings are tied to")
	count := fs.Int("count", 0, "exit after this many ratings (0: until Ctrl-C)")
	asJSON := fs.Bool("json", false, "print one JSON object per rating")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageError("evaluator listen takes no arguments")
	}
	if *addr < 1 || *addr > 247 {
		return usageError("--addr is 1..247")
	}
	p, err := devOpenPort(*port, *baud)
	if err != nil {
		return err
	}
	defer p.Close()
	d, err := evaluator.New(p, &evaluator.Opts{Addr: byte(*addr)})
	if err != nil {
		return err
	}
	info, err := d.Info(ctx)
	if err != nil {
		return fmt.Errorf("evaluator listen: pad %d: %w", *addr, err)
	}
	if !*asJSON {
		fmt.Fprintf(stderr, "pad %d (%s): prompting %q; press a key\n", *addr, info, evaluator.DefaultPrompt)
	}
	for n := 0; *count == 0 || n < *count; n++ {
		res, err := d.Evaluate(ctx, *ticket)
		if errors.Is(err, evaluator.ErrNoRating) && ctx.Err() != nil {
			return nil // Ctrl-C
		}
		if err != nil {
			return err
		}
		if *asJSON {
			if err := json.NewEncoder(stdout).Encode(res); err != nil {
				return err
			}
		} else {
			fmt.Fprintf(stdout, "%s ticket %s: %d %s\n", res.At.Format("15:04:05"), res.TicketID, int(res.Rating), res.Rating)
		}
	}
	return nil
}
