package engine

import (
	"context"
	"strings"
)

// ServedTicket returns the card holder's ticket of today that was served
// and not yet rated (the one served last when there are several), so a
// citizen can rate it at a kiosk by laying the ID card. CodeNotFound when
// there is none. The number is hashed at once and never kept.
func (e *Engine) ServedTicket(ctx context.Context, idNumber string) (*Ticket, error) {
	if strings.TrimSpace(idNumber) == "" {
		return nil, errf(CodeInvalid, "served ticket needs an ID number")
	}
	h := e.HashID(idNumber)
	e.mu.Lock()
	defer e.mu.Unlock()
	var best *Ticket
	var bestEnd int64
	for _, t := range e.tickets {
		if t.Day != e.day || t.PersonHash != h || t.State != StateDone || t.Rating != 0 {
			continue
		}
		var end int64
		if n := len(t.Steps); n > 0 {
			end = t.Steps[n-1].EndedAt.UnixNano()
		}
		if best == nil || end > bestEnd {
			best, bestEnd = t, end
		}
	}
	if best == nil {
		return nil, errf(CodeNotFound, "no served, unrated ticket of this person today")
	}
	return best.clone(), nil
}
