package adapters

import (
	"context"
	"fmt"
	"strings"
	"time"

	"hallkiosk/internal/codesign"
	"hallkiosk/kiosk/flow"
	"hallkiosk/printer"
	"hallkiosk/printer/ticket"
	"hallkiosk/queue/catalog"
)

// Printer prints the kiosk's tickets, invoice pickup slips and test pages
// on an ESC/POS printer; each call returns when the printer confirmed the
// job (or with the printer's *JobError).
type Printer struct {
	P        *printer.Printer
	Hall     string           // hall name printed on top
	Terminal string           // e.g. "自助终端 kiosk-01"
	Signer   *codesign.Signer // signs the ticket QR; nil prints no QR
	QRURL    string           // progress page prefix the code is appended to
	Notice   string           // advice line at the bottom of tickets
	// Cat gives each ticket its area, window range, English names and the
	// hall's time zone; nil prints none of them (times in UTC+8).
	Cat *catalog.Catalog
}

var (
	_ flow.TicketPrinter = (*Printer)(nil)
	_ flow.SlipPrinter   = (*Printer)(nil)
	_ flow.TestPrinter   = (*Printer)(nil)
)

// PrintTicket prints t. The job key is the ticket's idempotency key, so a
// retried print after a lost confirmation is not printed twice.
func (p *Printer) PrintTicket(ctx context.Context, t flow.Ticket) error {
	issued := t.IssuedAt
	if issued.IsZero() {
		issued = time.Now()
	}
	tt := ticket.Ticket{Hall: p.Hall, Number: t.Number, Service: t.ServiceName, Issued: issued,
		Ahead: t.Ahead, Wait: t.Wait, Notice: p.Notice, Name: t.Holder, English: t.English}
	if p.Cat != nil {
		tt.Loc = p.Cat.Location()
		if z, ok := p.Cat.ZoneOf(t.Service); ok {
			tt.Zone, tt.ZoneEN = z.Name, z.NameEN
		}
		if s, ok := p.Cat.Service(t.Service); ok {
			tt.ServiceEN = s.NameEN
			if tt.Service == "" {
				tt.Service = s.Name
			}
		}
		tt.Windows = catalog.WindowRange(p.Cat.WaitWindows(t.Service))
	}
	if t.Priority {
		tt.Zone = strings.TrimSpace("预约优先 " + tt.Zone)
	}
	if p.Signer != nil {
		code, err := p.Signer.Sign("ticket", map[string]string{"n": t.Number, "s": t.Service, "id": codeID(t)},
			issued, issued.Add(24*time.Hour))
		if err != nil {
			return fmt.Errorf("adapters: sign ticket: %w", err)
		}
		tt.QR = p.QRURL + code
	}
	key := t.Key
	if key == "" {
		key = t.Ref + "/" + t.Number
	}
	if err := p.P.PrintTicket(ctx, key, tt); err != nil {
		return fmt.Errorf("adapters: print ticket %s: %w", t.Number, err)
	}
	return nil
}

// PrintSlip prints an invoice pickup slip.
func (p *Printer) PrintSlip(ctx context.Context, s flow.InvoiceSlip) error {
	slip := ticket.InvoicePickup{Hall: p.Hall, Taxpayer: s.MaskedName, Kind: "发票", Count: len(s.Invoices),
		Collected: s.At, Terminal: p.Terminal, PickupCode: s.Code}
	if p.Cat != nil {
		slip.Loc = p.Cat.Location()
	}
	// Exactly the invoices collected, each number whole: never a range,
	// which would name invoices the taxpayer did not take.
	for _, inv := range s.Invoices {
		slip.Numbers = append(slip.Numbers, inv.Number)
	}
	if err := p.P.PrintLayout(ctx, "slip/"+s.Code, slip); err != nil {
		return fmt.Errorf("adapters: print slip: %w", err)
	}
	return nil
}

// TestPrint prints the sample ticket, marked 测试 across the slip.
func (p *Printer) TestPrint(ctx context.Context) error {
	now := time.Now()
	t, err := ticket.Sample(now)
	if err != nil {
		return fmt.Errorf("adapters: test print: %w", err)
	}
	if err := p.P.PrintTicket(ctx, "test/"+now.Format(time.RFC3339Nano), t); err != nil {
		return fmt.Errorf("adapters: test print: %w", err)
	}
	return nil
}
