package adapters

import (
	"context"
	"fmt"

	"hallkiosk/kiosk/credential"
	"hallkiosk/kiosk/flow"
)

// Registry looks documents up at the hall's licence and certificate
// registry (cached for offline use). It returns flow.ErrNotFound for unknown
// documents.
type Registry interface {
	Licence(ctx context.Context, uscc string) (flow.Document, error)
	Property(ctx context.Context, number string) (flow.Document, error)
}

// Resolver recognises scanned codes with kiosk/credential (allow-listed
// licence hosts, certificate number forms, our own signed codes) and looks
// licences and certificates up in the Registry.
type Resolver struct {
	Parser   *credential.Parser
	Registry Registry // nil: lookups report flow.ErrUnavailable
}

var _ flow.CodeResolver = Resolver{}

// Resolve turns code into a document.
func (r Resolver) Resolve(ctx context.Context, code string) (flow.Document, error) {
	res := r.Parser.Parse(code)
	switch res.Kind {
	case credential.Ticket:
		if !res.Valid {
			return flow.Document{Kind: flow.DocUntrusted}, fmt.Errorf("adapters: ticket code: %s: %w", res.Error, flow.ErrUntrusted)
		}
		ref, offline := parseRef(res.Fields["id"])
		return flow.Document{Kind: flow.DocTicket, Title: res.Fields["n"], Ref: ref, Offline: offline}, nil
	case credential.Appointment:
		if !res.Valid {
			return flow.Document{Kind: flow.DocUntrusted}, fmt.Errorf("adapters: appointment code: %s: %w", res.Error, flow.ErrUntrusted)
		}
		return flow.Document{Kind: flow.DocAppointment, Ref: res.Fields["id"]}, nil
	case credential.BusinessLicence, credential.PropertyCertificate:
		if !res.Valid {
			return flow.Document{Kind: flow.DocUntrusted}, fmt.Errorf("adapters: %s: %s: %w", res.Kind, res.Error, flow.ErrUntrusted)
		}
		if r.Registry == nil {
			return flow.Document{}, fmt.Errorf("adapters: no registry configured: %w", flow.ErrUnavailable)
		}
		if res.Kind == credential.BusinessLicence {
			return r.Registry.Licence(ctx, res.Fields["uscc"])
		}
		return r.Registry.Property(ctx, res.Fields["number"])
	}
	return flow.Document{Kind: flow.DocUnknown}, nil
}
