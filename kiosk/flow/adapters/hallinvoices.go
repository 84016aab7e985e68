package adapters

import (
	"context"
	"errors"
	"fmt"

	"hallkiosk/kiosk/flow"
	"hallkiosk/queue/hallapi"
)

// HallInvoices is the invoice desk of a kiosk in a hall: the hall's
// queue/invoices desk over its API (hallapi.Client: POST
// /api/v1/invoices/pending and /collect, docs/API.md) with the kiosk's
// key. The ID number travels only in the request body.
//
// Errors: a hall that cannot be reached, or that does not offer the desk
// (404 without an error code), gives flow.ErrUnavailable; an invoice no
// longer waiting for the holder gives flow.ErrNotFound.
type HallInvoices struct {
	Hall *Hall // URL, Device, Secret and Client are used
}

var _ flow.InvoiceDesk = HallInvoices{}

// PendingInvoices asks the hall for the card holder's invoices ready for
// pickup.
func (x HallInvoices) PendingInvoices(ctx context.Context, c flow.Citizen) ([]flow.Invoice, error) {
	out, err := x.Hall.api().PendingInvoices(ctx, c.IDNumber)
	if x.Hall.seen(err) != nil {
		return nil, invoiceErr("invoices pending", err)
	}
	return flowInvoices(out.Invoices), nil
}

// MarkCollected asks the hall to mark the holder's invoices ids collected
// and returns the pickup code.
func (x HallInvoices) MarkCollected(ctx context.Context, c flow.Citizen, ids []string) (string, error) {
	out, err := x.Hall.api().CollectInvoices(ctx, c.IDNumber, ids)
	if x.Hall.seen(err) != nil {
		return "", invoiceErr("invoices collect", err)
	}
	if out.Code == "" {
		return "", fmt.Errorf("adapters: invoices collect: %w: no pickup code in the reply", flow.ErrUnavailable)
	}
	return out.Code, nil
}

// invoiceErr maps the hall's answers: a route the hall does not have (404
// or 405 without an error code: an older hall) is ErrUnavailable.
func invoiceErr(op string, err error) error {
	var he *hallapi.HTTPError
	if errors.As(err, &he) && he.Code == "" && (he.Status == 404 || he.Status == 405) {
		return fmt.Errorf("adapters: %s: the hall offers no invoice desk: %w: %w", op, flow.ErrUnavailable, err)
	}
	return hallErr(op, err)
}
