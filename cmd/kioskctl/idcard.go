package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"time"

	"hallkiosk/drivers/idcard"
)

func init() {
	register("idcard read", "read an ID card (--port P [--baud N] [--json] [--reveal] [--timeout D])", runIDCardRead)
	register("idcard sam", "print the reader's SAM module ID (--port P [--baud N])", runIDCardSAM)
}

func runIDCardRead(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("idcard read", stderr)
	port := fs.String("port", "", "reader port: path or usb:VID:PID[:SERIAL]")
	baud := fs.Int("baud", 115200, "baud rate")
	asJSON := fs.Bool("json", false, "print one JSON object")
	reveal := fs.Bool("reveal", false, "show the full name and ID number (default: masked)")
	timeout := fs.Duration("timeout", 5*time.Second, "how long to wait for a card")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageError("idcard read takes no arguments")
	}
	p, err := devOpenPort(*port, *baud)
	if err != nil {
		return err
	}
	defer p.Close()
	dev, err := idcard.New(p, &idcard.Opts{Baud: *baud})
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()
	card, err := readOneCard(ctx, dev)
	if err != nil {
		return fmt.Errorf("idcard read: %w", err)
	}
	s := card.Summary(*reveal)
	if *asJSON {
		return json.NewEncoder(stdout).Encode(s)
	}
	row := func(k, v string) {
		if v != "" {
			fmt.Fprintf(stdout, "%-16s %s\n", k+":", v)
		}
	}
	row("card type", s.CardType)
	row("name", s.Name)
	row("name (en)", s.NameEN)
	row("sex", s.Sex)
	row("nation", s.Nation)
	row("nationality", s.Nationality)
	row("birth", s.Birth)
	row("address", s.Address)
	row("id number", s.IDNumber)
	row("id number valid", fmt.Sprint(s.IDNumberValid))
	row("authority", s.Authority)
	row("valid from", s.ValidFrom)
	row("valid to", s.ValidTo)
	row("pass number", s.PassNumber)
	if s.IssueCount != nil {
		row("issue count", fmt.Sprint(*s.IssueCount))
	}
	row("photo", card.Photo.String())
	return nil
}

// readOneCard polls until a card is read; at the deadline it reports the
// last reason: no card, or the device's error.
func readOneCard(ctx context.Context, dev *idcard.Dev) (*idcard.Card, error) {
	var last error
	for {
		c, err := dev.ReadCard(ctx)
		if err == nil {
			return c, nil
		}
		if ctx.Err() != nil {
			switch {
			case last == nil:
				return nil, fmt.Errorf("reader did not answer: %w", idcard.ErrTimeout)
			case errors.Is(last, idcard.StatusNoCard) || errors.Is(last, idcard.StatusSelectFailed):
				return nil, errors.New("no card on the reader")
			}
			return nil, last
		}
		last = err
		select {
		case <-ctx.Done():
		case <-time.After(100 * time.Millisecond):
		}
	}
}

func runIDCardSAM(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("idcard sam", stderr)
	port := fs.String("port", "", "reader port: path or usb:VID:PID[:SERIAL]")
	baud := fs.Int("baud", 115200, "baud rate")
	if err := fs.Parse(args); err != nil {
		return err
	}
	p, err := devOpenPort(*port, *baud)
	if err != nil {
		return err
	}
	defer p.Close()
	dev, err := idcard.New(p, &idcard.Opts{Baud: *baud})
	if err != nil {
		return err
	}
	id, err := dev.SAMID(ctx)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintln(stdout, id)
	return err
}
