package adapters

import (
	"errors"
	"fmt"
	"regexp"
	"strings"

	"hallkiosk/kiosk/flow"
	"hallkiosk/queue/engine"
	"hallkiosk/queue/hallapi"
)

// slotTime finds the HH:MM in the engine's bad_slot words ("too early:
// check in from 09:30", "... check-in closed at 10:15").
var slotTime = regexp.MustCompile(`\b([01]?\d|2[0-3]):[0-5]\d\b`)

// checkInErr maps a check-in refusal: a 409 bad_slot the hall explains as
// too early or too late becomes a *flow.SlotError (ErrTooEarly or
// ErrTooLate, with the time when the hall said it), so the citizen reads
// when check-in opens or that it closed, not "no appointment found". Other
// refusals map as every hall refusal does.
func checkInErr(op string, err error) error {
	if se := slotErr(err); se != nil {
		return fmt.Errorf("adapters: %s: %w: %w", op, se, err)
	}
	var he *hallapi.HTTPError
	if errors.As(err, &he) {
		return hallErr(op, err)
	}
	return engineErr(op, err)
}

// slotErr returns the *flow.SlotError a bad_slot refusal (from the hall's
// API or from the engine in the kiosk) stands for, or nil.
func slotErr(err error) *flow.SlotError {
	var detail string
	var he *hallapi.HTTPError
	var ee *engine.Error
	switch {
	case errors.As(err, &he) && he.Code == engine.CodeBadSlot:
		detail = he.Detail
	case errors.As(err, &ee) && ee.Code == engine.CodeBadSlot:
		detail = ee.Msg
	default:
		return nil
	}
	words := strings.ToLower(detail)
	at := slotTime.FindString(detail)
	switch {
	case strings.Contains(words, "too early") || strings.Contains(words, "not open"):
		return &flow.SlotError{Err: flow.ErrTooEarly, At: at}
	case strings.Contains(words, "missed") || strings.Contains(words, "too late") || strings.Contains(words, "closed"):
		return &flow.SlotError{Err: flow.ErrTooLate, At: at}
	}
	return nil
}
