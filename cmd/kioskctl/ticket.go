package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"time"

	"hallkiosk/printer/escpos"
	"hallkiosk/printer/ticket"
)

func init() {
	register("ticket sample", "write a sample ticket's ESC/POS bytes (-o T.bin [--profile X] [--kind ticket|evaluation|invoice])", runTicketSample)
}

func runTicketSample(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("ticket sample", stderr)
	out := fs.String("o", "", "output file (required; - for stdout)")
	profName := fs.String("profile", escpos.DefaultProfile, "printer profile: "+fmt.Sprint(escpos.ProfileNames()))
	kind := fs.String("kind", "ticket", "ticket, evaluation or invoice")
	at := fs.String("time", "", "issue time, RFC 3339 (default now)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 || *out == "" {
		return usageError("kioskctl ticket sample -o T.bin [--profile X] [--kind K]")
	}
	prof, err := escpos.LookupProfile(*profName)
	if err != nil {
		return usageError("%v", err)
	}
	now := time.Now()
	if *at != "" {
		if now, err = time.Parse(time.RFC3339, *at); err != nil {
			return usageError("--time: %v", err)
		}
	}
	var l ticket.Layout
	switch *kind {
	case "ticket":
		if l, err = ticket.Sample(now); err != nil {
			return err
		}
	case "evaluation":
		l = ticket.EvaluationReceipt{Hall: "玉门市政务服务中心", Number: "A105", Service: "税务·发票领取",
			Window: "12号窗口", Staff: "工号 0315", Rating: 5, Rated: now}
	case "invoice":
		l = ticket.InvoicePickup{Hall: "玉门市政务服务中心", Taxpayer: "玉门市某某商贸有限公司",
			USCC: "91620981MA74XXXX1K", Kind: "增值税普通发票（卷票）", Count: 5, Unit: "卷",
			Collected: now, Terminal: "24小时自助办税终端 03"}
	default:
		return usageError("--kind must be ticket, evaluation or invoice")
	}
	data, err := l.Encode(prof)
	if err != nil {
		return err
	}
	if *out == "-" {
		_, err = stdout.Write(data)
		return err
	}
	if err := os.WriteFile(*out, data, 0o644); err != nil {
		return fmt.Errorf("ticket sample: %w", err)
	}
	fmt.Fprintf(stdout, "%s: %s sample, %d bytes, profile %s\n", *out, *kind, len(data), prof.Name)
	return nil
}
