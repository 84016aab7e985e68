package adapters

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"time"

	"hallkiosk/kiosk/flow"
	"hallkiosk/kiosk/store"
	"hallkiosk/queue/catalog"
	"hallkiosk/queue/engine"
	"hallkiosk/queue/hallapi"
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
	confirmed map[string]bool          // refs issued here and since confirmed or voided: the last keep
	order     []string                 // confirmed's refs, oldest first
	keep      int                      // how many confirmed refs are remembered (0: keepConfirmed)
}

// keepConfirmed is how many confirmed or voided tickets a Store remembers
// as its own (for ratings that name them by sequence): more than a
// kiosk issues in a day, so a long run does not grow without limit.
const keepConfirmed = 2000

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
	s.remember(ref)
	return t, nil
}

// remember (lock held) adds ref to the confirmed set, forgetting the
// oldest beyond keep.
func (s *Store) remember(ref string) {
	if s.confirmed == nil {
		s.confirmed = map[string]bool{}
	}
	if s.confirmed[ref] {
		return
	}
	s.confirmed[ref] = true
	s.order = append(s.order, ref)
	keep := s.keep
	if keep <= 0 {
		keep = keepConfirmed
	}
	if n := len(s.order) - keep; n > 0 {
		for _, old := range s.order[:n] {
			delete(s.confirmed, old)
		}
		s.order = append(s.order[:0:0], s.order[n:]...)
	}
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
	ref, legacy := parseRef(r.Ref) // codes printed by older kiosks say "offline:SEQ"
	switch {
	case r.Offline || legacy:
		ev.Ref = ref
	case ref != "":
		if _, err := strconv.ParseUint(ref, 10, 64); err == nil && s.own(ref) {
			ev.Ref = ref
		} else {
			ev.TicketID = ref
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
	var he *hallapi.HTTPError
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
