package store

import "context"

// Outboxed returns a channel that receives a token whenever an event was
// committed to the outbox (a ticket issued, printed or voided, a rating, a
// health report, an audit entry): the sync client (queue/sync.Client.Run)
// pushes at once instead of waiting for its interval. Tokens do not pile
// up: one waiting token stands for any number of events.
func (s *Store) Outboxed() <-chan struct{} { return s.outboxed }

// notify hands the sync client a token; it never blocks.
func (s *Store) notify() {
	select {
	case s.outboxed <- struct{}{}:
	default:
	}
}

type replacesKey struct{}

// WithReplaces returns a context under which Issue records, in the
// ticket.issued event, that the new offline ticket replaces the online
// reservation with idempotency key key (the hall's reply to the online
// issue was lost; the hall lapses that reservation when it imports this
// ticket).
func WithReplaces(ctx context.Context, key string) context.Context {
	return context.WithValue(ctx, replacesKey{}, key)
}

func replacesFrom(ctx context.Context) string {
	k, _ := ctx.Value(replacesKey{}).(string)
	return k
}
