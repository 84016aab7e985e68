package adapters

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"hallkiosk/internal/pii"
	"hallkiosk/kiosk/flow"
	"hallkiosk/queue/invoices"
)

// DemoInvoicesCSV holds fictional invoices for the simulated ID cards, so
// that invoice pickup runs end to end in the demo (invoices.DemoCSV).
var DemoInvoicesCSV = invoices.DemoCSV

// Invoices is the invoice desk of a standalone kiosk: a local
// queue/invoices store (invoices ready for pickup filed under the keyed
// hash of the holder's ID number, which is never stored). A kiosk in a
// hall uses the hall's desk instead (HallInvoices).
type Invoices struct {
	S *invoices.Store
}

var _ flow.InvoiceDesk = (*Invoices)(nil)

// OpenInvoices opens (creating if needed) the invoice database at path.
func OpenInvoices(path string, h *pii.Hasher) (*Invoices, error) {
	s, err := invoices.Open(path, h)
	if err != nil {
		return nil, fmt.Errorf("adapters: %w", err)
	}
	return &Invoices{S: s}, nil
}

// Close closes the database.
func (x *Invoices) Close() error { return x.S.Close() }

// ImportCSV imports the tax system's export (invoices.ParseCSV); rows
// already imported are skipped, a bad file stores nothing.
func (x *Invoices) ImportCSV(ctx context.Context, r io.Reader) (int, error) {
	return x.S.ImportCSV(ctx, r)
}

// PendingInvoices lists the card holder's invoices not yet collected.
func (x *Invoices) PendingInvoices(ctx context.Context, c flow.Citizen) ([]flow.Invoice, error) {
	list, err := x.S.Pending(ctx, c.IDNumber)
	if err != nil {
		return nil, fmt.Errorf("adapters: %w: %w", flow.ErrUnavailable, err)
	}
	return flowInvoices(list), nil
}

// MarkCollected marks the holder's invoices ids collected and returns the
// pickup code. Invoices of another holder or already collected are refused
// with flow.ErrNotFound.
func (x *Invoices) MarkCollected(ctx context.Context, c flow.Citizen, ids []string) (string, error) {
	code, err := x.S.Collect(ctx, c.IDNumber, ids)
	if errors.Is(err, invoices.ErrNotWaiting) {
		return "", fmt.Errorf("adapters: %w: %w", flow.ErrNotFound, err)
	}
	if err != nil {
		return "", fmt.Errorf("adapters: %w", err)
	}
	return code, nil
}

// PurgeCollected forgets who collected the invoices collected before the
// given time (invoices.Store.PurgeCollected).
func (x *Invoices) PurgeCollected(ctx context.Context, before time.Time) (int64, error) {
	return x.S.PurgeCollected(ctx, before)
}

func flowInvoices(list []invoices.Invoice) []flow.Invoice {
	out := make([]flow.Invoice, 0, len(list))
	for _, inv := range list {
		fi := flow.Invoice{ID: inv.Number, Number: inv.Number, Seller: inv.Seller, Amount: inv.Amount}
		fi.Issued, _ = time.Parse(time.DateOnly, inv.Issued)
		out = append(out, fi)
	}
	return out
}
