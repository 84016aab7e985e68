package store

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
