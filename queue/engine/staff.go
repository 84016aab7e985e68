package engine

import (
	"context"
	"errors"
	"fmt"
	"hallkiosk/internal/idnumber"
	"hallkiosk/internal/pii"
	"slices"
	"strings"
	"time"

	"hallkiosk/internal/codesign"
)

// SignInAt puts staff at window n and takes them off every other window
// (one account staffs one window at a time). It returns the windows staff
// left and the account that staffed n before ("" if none or staff).
func (e *Engine) SignInAt(ctx context.Context, n int, staff string) (left []int, previous string, err error) {
	if staff == "" {
		return nil, "", errf(CodeInvalid, "sign-in needs a staff name")
	}
	err = e.do(ctx, func(now time.Time, o *op) error {
		ws, err := e.windowLocked(n)
		if err != nil {
			return err
		}
		for m, w := range e.windows {
			if m != n && w.staff == staff {
				w.staff = ""
				e.saveWindow(o, m, w)
				left = append(left, m)
				e.event(o, now, EvSignOut, nil, Actor{Name: staff, Window: m}, fmt.Sprintf("moved to window %d", n))
			}
		}
		if ws.staff != staff {
			previous = ws.staff
		}
		ws.staff = staff
		e.saveWindow(o, n, ws)
		e.event(o, now, EvSignIn, nil, Actor{Name: staff, Window: n}, previous)
		return nil
	})
	slices.Sort(left)
	return left, previous, err
}

// SignOut takes staff off window n (when it is theirs; "" takes anyone
// off). The window then no longer counts as open for estimates.
func (e *Engine) SignOut(ctx context.Context, n int, staff string) error {
	return e.do(ctx, func(now time.Time, o *op) error {
		ws, err := e.windowLocked(n)
		if err != nil {
			return err
		}
		if ws.staff == "" || staff != "" && ws.staff != staff {
			return nil
		}
		ws.staff = ""
		e.saveWindow(o, n, ws)
		e.event(o, now, EvSignOut, nil, Actor{Name: staff, Window: n}, "")
		return nil
	})
}

// Sign-in events.
const (
	EvSignIn  EventKind = "signin"
	EvSignOut EventKind = "signout"
)

// ParkedFor returns today's parked tickets window n may requeue: those
// parked at n and those of services n is authorised for, oldest first.
func (e *Engine) ParkedFor(n int) []*Ticket {
	e.mu.Lock()
	defer e.mu.Unlock()
	w, ok := e.cat.Window(n)
	var out []*Ticket
	for _, t := range e.tickets {
		if t.State == StateParked && (t.Window == n || ok && w.Authorised(t.Service)) {
			out = append(out, t.clone())
		}
	}
	slices.SortFunc(out, func(a, b *Ticket) int { return a.IssuedAt.Compare(b.IssuedAt) })
	return out
}

// HashID returns the keyed hash of an ID number as the engine stores it.
func (e *Engine) HashID(idNumber string) string {
	return e.opts.Hasher.Hash(strings.ToUpper(strings.TrimSpace(idNumber)))
}

// TicketCodeKind is the codesign kind of ticket codes (the ticket's QR).
const TicketCodeKind = "ticket"

// TicketCode signs a code for ticket id (fields id, n, s) valid until the
// end of the next day, with the hall's key.
func (e *Engine) TicketCode(ctx context.Context, id string) (string, error) {
	t, err := e.Ticket(ctx, id)
	if err != nil {
		return "", err
	}
	now := e.opts.Now()
	code, err := e.opts.Signer.Sign(TicketCodeKind, map[string]string{"id": t.ID, "n": t.Label, "s": t.Service}, now, now.Add(48*time.Hour))
	if err != nil {
		return "", &Error{Code: CodeUnavailable, Msg: "sign", Err: err}
	}
	return code, nil
}

// VerifyTicketCode checks a ticket code signed with the hall's key (a URL
// carrying it is accepted) and returns the ticket id. Forged, altered,
// expired or other kinds of code are CodeBadCode.
func (e *Engine) VerifyTicketCode(code string) (string, error) {
	if c, ok := codesign.Extract(code); ok {
		code = c
	}
	cl, err := e.opts.Verifier.Verify(code, e.opts.Now())
	if err != nil {
		return "", &Error{Code: CodeBadCode, Msg: "ticket code", Err: err}
	}
	if cl.Kind != TicketCodeKind || cl.Fields["id"] == "" {
		return "", &Error{Code: CodeBadCode, Msg: fmt.Sprintf("code of kind %q", cl.Kind), Err: errors.New("not a ticket code")}
	}
	return cl.Fields["id"], nil
}

// MaskName masks a name for screens and tickets without revealing its
// length (pii.MaskName: 张**).
func MaskName(name string) string { return pii.MaskName(name) }

// CheckIDNumber checks an 18-character resident identity number (GB
// 11643, by internal/idnumber): digits, a region code (91 for the
// foreigner's permanent residence card), a real birth date not in the
// future and after 1900, and the check character (x and X alike).
func CheckIDNumber(id string, now time.Time) error {
	id = strings.ToUpper(strings.TrimSpace(id))
	err := idnumber.Check(id, idnumber.Rules{Foreign91: true, Now: now})
	switch {
	case err == nil:
		return nil
	case errors.Is(err, idnumber.ErrLength):
		return errors.New("engine: identity number must be 18 characters")
	case errors.Is(err, idnumber.ErrChar):
		return errors.New("engine: identity number must be 17 digits and a check character")
	case errors.Is(err, idnumber.ErrRegion):
		return errors.New("engine: identity number region code")
	case errors.Is(err, idnumber.ErrBirth):
		return errors.New("engine: identity number birth date")
	default:
		return errors.New("engine: identity number check character does not match")
	}
}
