package adapters

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"hallkiosk/kiosk/flow"
	"hallkiosk/kiosk/store"
	"hallkiosk/queue/catalog"
	"hallkiosk/queue/engine"
	qsync "hallkiosk/queue/sync"
)

// Store issues tickets from the kiosk's own number leases in its durable
// store (hall mode: the hall server hands out the leases through sync, and
// the kiosk keeps issuing while the hall is unreachable). A ticket is
// written before it is printed, made live by Confirm (printer confirmed) and
// voided otherwise; both transitions go to the outbox for the hall.
type Store struct {
	S   *store.Store
	Cat *catalog.Catalog

	mu        sync.Mutex
	issued    map[string]*store.Ticket // by Ref, until confirmed or voided
	confirmed map[string]bool          // refs issued here and since confirmed or voided
}

var (
	_ flow.TicketIssuer = (*Store)(nil)
	_ flow.Rater        = (*Store)(nil)
)

// LeaseServices lists the catalogue's ticket services for
// store.SetServices ("id=prefix"), so that an enrolled kiosk holds number
// leases for each of them before it needs one: when the hall becomes
// unreachable the next ticket comes from a lease in the hall's own series
// (F004 → F005 …), and the kiosk's overflow range (F5001 …) only once a
// lease is used up.
func LeaseServices(cat *catalog.Catalog) []string {
	var out []string
	for _, s := range cat.Services() {
		out = append(out, s.ID+"="+s.Prefix)
	}
	return out
}

// Issue takes the next number for the service.
func (s *Store) Issue(ctx context.Context, r flow.IssueRequest) (flow.Ticket, error) {
	svc, ok := s.Cat.Service(r.Service)
	if !ok {
		return flow.Ticket{}, fmt.Errorf("adapters: issue: unknown service %q: %w", r.Service, flow.ErrUnavailable)
	}
	if !svc.OpenAt(time.Now(), s.Cat.Location()) {
		return flow.Ticket{}, fmt.Errorf("adapters: issue %s: %w", r.Service, flow.ErrClosed)
	}
	t, err := s.S.Issue(ctx, r.Service)
	if err != nil {
		if errors.Is(err, store.ErrNoNumbers) {
			return flow.Ticket{}, fmt.Errorf("adapters: issue: %w: %w", flow.ErrCapReached, err)
		}
		return flow.Ticket{}, fmt.Errorf("adapters: issue: %w: %w", flow.ErrUnavailable, err)
	}
	ref := strconv.FormatUint(t.Seq, 10)
	s.mu.Lock()
	if s.issued == nil {
		s.issued = map[string]*store.Ticket{}
	}
	s.issued[ref] = t
	s.mu.Unlock()
	return flow.Ticket{Number: engine.Label(svc.Prefix, t.Number), Service: r.Service, ServiceName: svc.Name,
		IssuedAt: t.HLC.Time(), Key: ref, Ref: ref, Ahead: -1}, nil
}

// own reports whether ref is a ticket this store issued in this run.
func (s *Store) own(ref string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, ok := s.issued[ref]
	return ok || s.confirmed[ref]
}

func (s *Store) take(ref string) (*store.Ticket, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	t, ok := s.issued[ref]
	if !ok {
		return nil, fmt.Errorf("adapters: ticket %s: %w", ref, flow.ErrNotFound)
	}
	delete(s.issued, ref)
	if s.confirmed == nil {
		s.confirmed = map[string]bool{}
	}
	s.confirmed[ref] = true
	return t, nil
}

// Confirm makes a printed ticket live.
func (s *Store) Confirm(ctx context.Context, ft flow.Ticket) error {
	t, err := s.take(ft.Ref)
	if err != nil {
		return err
	}
	if err := s.S.MarkPrinted(ctx, t); err != nil {
		return fmt.Errorf("adapters: confirm %s: %w", ft.Number, err)
	}
	return nil
}

// Void burns the number of a ticket that was not printed.
func (s *Store) Void(ctx context.Context, ft flow.Ticket, _ string) error {
	t, err := s.take(ft.Ref)
	if err != nil {
		return err
	}
	if err := s.S.Void(ctx, t); err != nil {
		return fmt.Errorf("adapters: void %s: %w", ft.Number, err)
	}
	return nil
}

// evaluation is the outbox payload of a rating.
type evaluation struct {
	Ticket   string    `json:"ticket,omitempty"`    // printed number
	Ref      string    `json:"ref,omitempty"`       // device sequence of the ticket.issued event (offline tickets)
	TicketID string    `json:"ticket_id,omitempty"` // engine ticket id (tickets the hall issued)
	Score    int       `json:"score"`
	Reasons  []string  `json:"reasons,omitempty"`
	At       time.Time `json:"at"`
	Channel  string    `json:"channel"`
}

// Rate appends the rating to the outbox for the hall.
func (s *Store) Rate(ctx context.Context, r flow.Rating) error {
	ev := evaluation{Ticket: r.Ticket, Score: r.Level, Reasons: r.Reasons, At: r.At, Channel: "kiosk"}
	switch {
	case strings.HasPrefix(r.Ref, offlineRef):
		ev.Ref = strings.TrimPrefix(r.Ref, offlineRef)
	case r.Ref != "":
		if _, err := strconv.ParseUint(r.Ref, 10, 64); err == nil && s.own(r.Ref) {
			ev.Ref = r.Ref
		} else {
			ev.TicketID = r.Ref
		}
	}
	_, err := s.S.Append(ctx, qsync.KindEvaluation, ev)
	if err != nil {
		return fmt.Errorf("adapters: rate: %w", err)
	}
	return nil
}

// Audit appends an audit entry (maintenance PIN events) to the outbox.
func (s *Store) Audit(ctx context.Context, device, event, detail string) error {
	_, err := s.S.Append(ctx, qsync.KindAudit, map[string]any{"device": device, "event": event, "detail": detail,
		"at": time.Now().UTC()})
	if err != nil {
		return fmt.Errorf("adapters: audit: %w", err)
	}
	return nil
}

// Ratings records a rating at the engine when it names a finished ticket
// there, and in the outbox otherwise (no ticket, ticket not finished yet):
// no rating is lost.
type Ratings struct {
	First flow.Rater // the engine (standalone) or the hall API; may be nil
	Store *Store
}

// notRateable: the hall answered that the ticket's state does not allow a
// rating (bad_state).
func notRateable(err error) bool {
	var he *HTTPError
	return errors.As(err, &he) && he.Code == engine.CodeBadState
}

// Rate records r.
func (x Ratings) Rate(ctx context.Context, r flow.Rating) error {
	if x.First != nil && r.Ref != "" {
		err := x.First.Rate(ctx, r)
		if err == nil {
			return nil
		}
		// Refused, not unreachable: not served yet or rated already. The
		// outbox must not carry it to the hall either.
		if errors.Is(err, flow.ErrNotRateable) {
			return err
		}
		if notRateable(err) {
			return fmt.Errorf("adapters: rate: %w: %w", flow.ErrNotRateable, err)
		}
	}
	return x.Store.Rate(ctx, r)
}
