package engine

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"database/sql"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"hallkiosk/internal/codesign"
	"hallkiosk/internal/pii"
	"hallkiosk/queue/catalog"
)

func randomSigner() (*codesign.Signer, *codesign.Verifier) {
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		panic(err)
	}
	s := codesign.NewSigner(priv, "ephemeral")
	return s, codesign.NewVerifier(map[string]ed25519.PublicKey{"ephemeral": pub})
}

// IssueRequest asks for a new ticket at the hall.
type IssueRequest struct {
	// Service is the service id; Services, when it has more than one entry,
	// makes a multi-service ticket handled in that order (Service is then
	// ignored).
	Service  string           `json:"service"`
	Services []string         `json:"services,omitempty"`
	Priority catalog.Priority `json:"priority,omitempty"` // empty: normal
	// Key is an idempotency key: a repeated request with the same key
	// returns the original ticket (Duplicate set) instead of a new one.
	Key string `json:"key,omitempty"`
	// DeviceID names the issuing kiosk or page.
	DeviceID string `json:"device_id,omitempty"`
	// IDNumber (raw, hashed at once, never stored) or PersonHash identify
	// the holder of a real-name ticket; Name is masked at once.
	IDNumber   string `json:"id_number,omitempty"`
	PersonHash string `json:"person_hash,omitempty"`
	Name       string `json:"name,omitempty"`
	// Reserve issues the ticket reserved (StateReserved): never called
	// until the kiosk confirms it printed (ConfirmPrinted); unconfirmed
	// for longer than the reservation timeout it lapses
	// (ExpireReservations), its number accounted for.
	Reserve bool `json:"reserve,omitempty"`
}

// ImportRequest carries a ticket issued elsewhere, normally a kiosk that
// issued it offline from a number lease. queue/sync calls Import.
type ImportRequest struct {
	DeviceID  string           `json:"device_id"`
	DeviceSeq int64            `json:"device_seq"` // idempotency: (DeviceID, DeviceSeq)
	Service   string           `json:"service"`
	Services  []string         `json:"services,omitempty"`
	Number    int              `json:"number"` // from a lease the device holds for Service and the day
	IssuedAt  time.Time        `json:"issued_at"`
	Priority  catalog.Priority `json:"priority,omitempty"`
	// State is the state at the kiosk: empty or "waiting" for a live
	// ticket, "reserved" for one not yet confirmed printed (a later
	// ConfirmPrinted makes it wait), "void" for one that failed to print,
	// "cancelled".
	State State `json:"state,omitempty"`
	// Replaces is the idempotency key of an online reservation this
	// offline ticket replaces (the kiosk's issue reply was lost and it
	// fell back to its lease): that reservation lapses.
	Replaces   string `json:"replaces,omitempty"`
	PersonHash string `json:"person_hash,omitempty"` // pii hash made with the hall's key
	NameMasked string `json:"name_masked,omitempty"`
}

// ImportKey returns the idempotency key of a device's ticket.
func ImportKey(deviceID string, seq int64) string { return fmt.Sprintf("%s:%d", deviceID, seq) }

// Label returns a ticket label: prefix and number, at least three digits.
func Label(prefix string, n int) string { return fmt.Sprintf("%s%03d", prefix, n) }

func ticketID(day, service string, n int) string {
	return strings.ReplaceAll(day, "-", "") + "-" + service + "-" + fmt.Sprint(n)
}

func (e *Engine) queue(service string) *svcQueue {
	q := e.queues[service]
	if q == nil {
		q = &svcQueue{byClass: map[catalog.Priority][]*Ticket{}}
		e.queues[service] = q
	}
	return q
}

func before(a, b *Ticket) bool {
	if c := a.QueuedAt.Compare(b.QueuedAt); c != 0 {
		return c < 0
	}
	return a.ID < b.ID
}

func (e *Engine) enqueue(t *Ticket) {
	q := e.queue(t.Service)
	p := t.Priority
	if p == "" {
		p = catalog.PriorityNormal
	}
	l := q.byClass[p]
	i := len(l)
	for i > 0 && before(t, l[i-1]) {
		i--
	}
	q.byClass[p] = slices.Insert(l, i, t)
	if t.TargetWindow != 0 {
		e.targeted[t.TargetWindow]++
	}
}

func (e *Engine) dequeue(t *Ticket) {
	q := e.queues[t.Service]
	if q == nil {
		return
	}
	p := t.Priority
	if p == "" {
		p = catalog.PriorityNormal
	}
	l := q.byClass[p]
	if i := slices.Index(l, t); i >= 0 {
		q.byClass[p] = slices.Delete(l, i, i+1)
		if t.TargetWindow != 0 {
			e.targeted[t.TargetWindow]--
		}
	}
}

func (e *Engine) services(req []string, single string) ([]string, error) {
	list := req
	if len(list) == 0 {
		list = []string{single}
	}
	for i, id := range list {
		if _, ok := e.cat.Service(id); !ok {
			return nil, errf(CodeUnknownService, "unknown service %q", id)
		}
		if slices.Contains(list[:i], id) {
			return nil, errf(CodeInvalid, "service %q listed twice", id)
		}
	}
	if len(list) > 8 {
		return nil, errf(CodeInvalid, "too many services on one ticket")
	}
	return slices.Clone(list), nil
}

// Issue issues a ticket at the hall. A repeated Key returns the original
// ticket with Duplicate set and no error.
func (e *Engine) Issue(ctx context.Context, req IssueRequest) (*Ticket, error) {
	var out *Ticket
	if req.IDNumber != "" {
		req.PersonHash = e.opts.Hasher.Hash(strings.ToUpper(strings.TrimSpace(req.IDNumber)))
		req.IDNumber = ""
	}
	if req.Name != "" {
		req.Name = MaskName(req.Name)
	}
	err := e.do(ctx, func(now time.Time, o *op) error {
		if req.Key != "" {
			if t, err := e.byKeyLocked(ctx, req.Key); err != nil {
				return err
			} else if t != nil {
				out = t.clone()
				out.Duplicate = true
				e.placeLocked(out, t, now) // a repeat tells the place as the first reply did
				return nil
			}
		}
		t, err := e.newTicketLocked(now, o, req, nil)
		if err != nil {
			return err
		}
		out = t.clone()
		out.Ahead, out.WaitMin = e.estimateLocked(t, now)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// newTicketLocked checks and issues a ticket; appt is set for appointment check-ins.
func (e *Engine) newTicketLocked(now time.Time, o *op, req IssueRequest, appt *Appointment) (*Ticket, error) {
	svcs, err := e.services(req.Services, req.Service)
	if err != nil {
		return nil, err
	}
	s, _ := e.cat.Service(svcs[0])
	p := req.Priority
	if p == "" {
		p = catalog.PriorityNormal
	}
	if !p.Valid() {
		return nil, errf(CodeInvalid, "unknown priority class %q", p)
	}
	if !s.Allows(p) {
		return nil, errf(CodePriorityNotAllowed, "service %s does not take %s tickets", s.ID, p)
	}
	if p == catalog.PriorityAppointment && appt == nil {
		return nil, errf(CodePriorityNotAllowed, "appointment tickets come from a check-in")
	}
	if !s.OpenAt(now, e.loc) && appt == nil && !e.opts.IgnoreHours {
		return nil, errf(CodeClosed, "service %s is closed now", s.ID)
	}
	if s.DailyCap > 0 && e.issued[s.ID] >= s.DailyCap {
		return nil, errf(CodeCapReached, "service %s issued its %d tickets today", s.ID, s.DailyCap)
	}
	if req.PersonHash == "" && s.RealNameMode() == catalog.RealNameRequired {
		return nil, errf(CodeRealNameRequired, "service %s needs an ID card", s.ID)
	}
	if req.PersonHash != "" && s.RealNameMode() == catalog.RealNameNone {
		req.PersonHash, req.Name = "", ""
	}
	if req.PersonHash != "" && s.PersonDailyLimit > 0 && e.persons[s.ID+"|"+req.PersonHash] >= s.PersonDailyLimit {
		return nil, errf(CodePersonLimit, "person reached the daily limit of %d for %s", s.PersonDailyLimit, s.ID)
	}
	n := e.nextFreeLocked(e.day, s.ID, e.counters[s.ID])
	if n > e.opts.NumberMax {
		return nil, errf(CodeCapReached, "service %s used all numbers up to %d today", s.ID, e.opts.NumberMax)
	}
	e.counters[s.ID] = n
	o.stmts = append(o.stmts, counterStmt(e.day, s.ID, n))
	state := StateWaiting
	if req.Reserve {
		state = StateReserved
	}
	t := &Ticket{
		ID: ticketID(e.day, s.ID, n), Day: e.day, Number: n, Label: Label(s.Prefix, n),
		IssueService: s.ID, Service: s.ID, Services: svcs, Priority: p, State: state,
		IssuedAt: now, QueuedAt: now, DeviceID: req.DeviceID, Key: req.Key,
		PersonHash: req.PersonHash, NameMasked: req.Name,
	}
	if appt != nil {
		t.AppointmentID, t.SlotStart, t.SlotEnd = appt.ID, appt.SlotStart, appt.SlotEnd
	}
	e.addLocked(o, now, t, EvIssue, Actor{Name: req.DeviceID})
	return t, nil
}

func counterStmt(day, service string, next int) stmt {
	return stmt{`INSERT INTO counters(day, service, next) VALUES (?,?,?) ON CONFLICT(day, service) DO UPDATE SET next=max(next, excluded.next)`, []any{day, service, next}}
}

func (e *Engine) addLocked(o *op, now time.Time, t *Ticket, kind EventKind, a Actor) {
	e.tickets[t.ID] = t
	if t.Key != "" {
		e.keys[t.Key] = t
	}
	if t.State != StateVoid {
		e.issued[t.IssueService]++
	}
	if t.PersonHash != "" && !t.State.Terminal() {
		e.persons[t.Services[0]+"|"+t.PersonHash]++
	}
	if t.State == StateWaiting {
		e.enqueue(t)
	}
	e.saveTicket(o, t)
	e.event(o, now, kind, t, a, "")
}

// byKeyLocked finds a ticket by idempotency key, today in memory, else in the store.
func (e *Engine) byKeyLocked(ctx context.Context, key string) (*Ticket, error) {
	if t := e.keys[key]; t != nil {
		return t, nil
	}
	var data string
	err := e.rdb.QueryRowContext(ctx, `SELECT data FROM tickets WHERE idem_key=?`, key).Scan(&data)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, &Error{Code: CodeUnavailable, Msg: "lookup key", Err: err}
	}
	return decodeTicket(data)
}

// Import records a ticket issued elsewhere: a kiosk's offline ticket,
// numbered from a lease the device holds, queued by its own issue time.
// It is idempotent by (DeviceID, DeviceSeq): a repeat returns the original
// ticket with Duplicate set. A number outside the device's leases is
// refused with CodeNotLeased; tickets of an earlier day are stored as
// expired for the record. Daily caps, opening hours and person limits are
// not applied: the ticket is already in the citizen's hand.
func (e *Engine) Import(ctx context.Context, req ImportRequest) (*Ticket, error) {
	if req.DeviceID == "" || req.DeviceSeq <= 0 || req.Number <= 0 || req.IssuedAt.IsZero() {
		return nil, errf(CodeInvalid, "import needs device id, sequence, number and issue time")
	}
	key := ImportKey(req.DeviceID, req.DeviceSeq)
	day := e.dayOf(req.IssuedAt)
	var out *Ticket
	err := e.do(ctx, func(now time.Time, o *op) error {
		if t, err := e.byKeyLocked(ctx, key); err != nil {
			return err
		} else if t != nil {
			out = t.clone()
			out.Duplicate = true
			return nil
		}
		svcs, err := e.services(req.Services, req.Service)
		if err != nil {
			return err
		}
		s, _ := e.cat.Service(svcs[0])
		p := req.Priority
		if p == "" {
			p = catalog.PriorityNormal
		}
		if !p.Valid() || p == catalog.PriorityAppointment {
			return errf(CodeInvalid, "priority %q cannot be imported", p)
		}
		if req.IssuedAt.After(now.Add(10 * time.Minute)) {
			return errf(CodeInvalid, "issue time is in the future")
		}
		ok, err := e.leasedLocked(ctx, day, s.ID, req.DeviceID, req.Number)
		if err != nil {
			return err
		}
		if !ok {
			return errf(CodeNotLeased, "number %d of %s on %s is not leased to %s", req.Number, s.ID, day, req.DeviceID)
		}
		id := ticketID(day, s.ID, req.Number)
		if _, taken := e.tickets[id]; taken {
			return errf(CodeDuplicate, "number %s already used", Label(s.Prefix, req.Number))
		}
		if day != e.day {
			var n int
			if err := e.rdb.QueryRowContext(ctx, `SELECT count(*) FROM tickets WHERE id=?`, id).Scan(&n); err != nil {
				return &Error{Code: CodeUnavailable, Msg: "lookup", Err: err}
			}
			if n > 0 {
				return errf(CodeDuplicate, "number %s already used", Label(s.Prefix, req.Number))
			}
		}
		st := req.State
		switch st {
		case "", StateWaiting:
			st = StateWaiting
		case StateReserved, StateVoid, StateCancelled:
		default:
			return errf(CodeInvalid, "cannot import a ticket in state %q", st)
		}
		t := &Ticket{
			ID: id, Day: day, Number: req.Number, Label: Label(s.Prefix, req.Number),
			IssueService: s.ID, Service: s.ID, Services: svcs, Priority: p, State: st,
			IssuedAt: req.IssuedAt, QueuedAt: req.IssuedAt, DeviceID: req.DeviceID, DeviceSeq: req.DeviceSeq,
			Key: key, PersonHash: req.PersonHash, NameMasked: pii.MaskName(req.NameMasked),
		}
		if st.Terminal() {
			t.EndedAt = now
		}
		if day != e.day {
			if !st.Terminal() {
				t.State, t.EndedAt = StateExpired, now
			}
			e.saveTicket(o, t)
			e.event(o, now, EvImport, t, Actor{Name: req.DeviceID}, "earlier day")
		} else {
			e.addLocked(o, now, t, EvImport, Actor{Name: req.DeviceID})
			if req.Replaces != "" {
				e.replaceLocked(o, now, req.Replaces, t)
			}
		}
		out = t.clone()
		if t.State == StateWaiting {
			out.Ahead, out.WaitMin = e.estimateLocked(t, now)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

func (e *Engine) leasedLocked(ctx context.Context, day, service, device string, n int) (bool, error) {
	var c int
	err := e.rdb.QueryRowContext(ctx, `SELECT count(*) FROM leases WHERE day=? AND service=? AND device=? AND first<=? AND last>=? AND (released_from IS NULL OR released_from>?)`, day, service, device, n, n, n).Scan(&c)
	if err != nil {
		return false, &Error{Code: CodeUnavailable, Msg: "lookup lease", Err: err}
	}
	return c > 0, nil
}

// Lease hands device a block of size numbers of a service for day
// (YYYY-MM-DD, today or a later day), taken from the same series as the
// hall's own numbers, so that no number is ever issued twice in a day. The
// lease is durable before Lease returns.
func (e *Engine) Lease(ctx context.Context, deviceID, serviceID, day string, size int) (Lease, error) {
	return e.lease(ctx, deviceID, serviceID, day, size, 0)
}

func (e *Engine) lease(ctx context.Context, deviceID, serviceID, day string, size, ahead int) (Lease, error) {
	var out Lease
	if deviceID == "" {
		return out, errf(CodeInvalid, "lease needs a device id")
	}
	if _, err := time.Parse(time.DateOnly, day); err != nil {
		return out, errf(CodeInvalid, "day %q: want YYYY-MM-DD", day)
	}
	if size <= 0 || size > e.opts.LeaseMax {
		return out, errf(CodeInvalid, "lease size %d: want 1..%d", size, e.opts.LeaseMax)
	}
	err := e.do(ctx, func(now time.Time, o *op) error {
		s, ok := e.cat.Service(serviceID)
		if !ok {
			return errf(CodeUnknownService, "unknown service %q", serviceID)
		}
		if day < e.day {
			return errf(CodeInvalid, "day %s is over", day)
		}
		next, err := e.counterLocked(ctx, day, s.ID)
		if err != nil {
			return err
		}
		// The hall's counter counts its own numbers only; blocks are
		// stepped over when it reaches them (nextFreeLocked).
		first := max(next+ahead, e.maxSpanLocked(day, s.ID)) + 1
		if first > e.opts.NumberMax {
			return errf(CodeCapReached, "service %s used all numbers up to %d on %s", s.ID, e.opts.NumberMax, day)
		}
		last := min(first+size-1, e.opts.NumberMax)
		e.addSpanLocked(day, s.ID, span{device: deviceID, first: first, last: last, held: last})
		o.stmts = append(o.stmts,
			stmt{`INSERT INTO leases(day, service, device, first, last, at) VALUES (?,?,?,?,?,?)`, []any{day, s.ID, deviceID, first, last, now.UnixMilli()}})
		out = Lease{Device: deviceID, Service: s.ID, Prefix: s.Prefix, Day: day, First: first, Last: last}
		e.event(o, now, EvLease, nil, Actor{Name: deviceID}, fmt.Sprintf("%s %s %d-%d", day, s.ID, first, last))
		return nil
	})
	return out, err
}

// LeaseRange records a fixed block first..last of a service and day as
// device's lease: the per-device overflow ranges above NumberMax that a
// kiosk issues from when it has been offline too long (queue/sync). It is
// idempotent; a block that reaches into the hall's own series or overlaps
// another device's lease is refused.
func (e *Engine) LeaseRange(ctx context.Context, deviceID, serviceID, day string, first, last int) (Lease, error) {
	out := Lease{Device: deviceID, Service: serviceID, Day: day, First: first, Last: last}
	if deviceID == "" {
		return out, errf(CodeInvalid, "lease needs a device id")
	}
	if _, err := time.Parse(time.DateOnly, day); err != nil {
		return out, errf(CodeInvalid, "day %q: want YYYY-MM-DD", day)
	}
	if first <= e.opts.NumberMax || last < first || last > 9999 {
		return out, errf(CodeInvalid, "range %d..%d: want a block within %d..9999", first, last, e.opts.NumberMax+1)
	}
	s, ok := e.cat.Service(serviceID)
	if !ok {
		return out, errf(CodeUnknownService, "unknown service %q", serviceID)
	}
	out.Prefix = s.Prefix
	var mine, others int
	err := e.rdb.QueryRowContext(ctx, `SELECT
		coalesce(sum(device=? AND first=? AND last=?), 0),
		coalesce(sum(device<>? AND first<=? AND last>=?), 0)
		FROM leases WHERE day=? AND service=?`,
		deviceID, first, last, deviceID, last, first, day, serviceID).Scan(&mine, &others)
	if err != nil {
		return out, &Error{Code: CodeUnavailable, Msg: "read leases", Err: err}
	}
	if others > 0 {
		return out, errf(CodeDuplicate, "range %d..%d of %s on %s is leased to another device", first, last, serviceID, day)
	}
	if mine > 0 {
		return out, nil
	}
	err = e.do(ctx, func(now time.Time, o *op) error {
		o.stmts = append(o.stmts, stmt{`INSERT INTO leases(day, service, device, first, last, at)
			SELECT ?,?,?,?,?,? WHERE NOT EXISTS (SELECT 1 FROM leases WHERE day=? AND service=? AND device=? AND first=? AND last=?)`,
			[]any{day, serviceID, deviceID, first, last, now.UnixMilli(), day, serviceID, deviceID, first, last}})
		e.event(o, now, EvLease, nil, Actor{Name: deviceID}, fmt.Sprintf("%s %s %d-%d overflow", day, serviceID, first, last))
		return nil
	})
	return out, err
}

// counterLocked returns the last number used of a service on day.
func (e *Engine) counterLocked(ctx context.Context, day, service string) (int, error) {
	if day == e.day {
		return e.counters[service], nil
	}
	var n int
	err := e.rdb.QueryRowContext(ctx, `SELECT next FROM counters WHERE day=? AND service=?`, day, service).Scan(&n)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return 0, &Error{Code: CodeUnavailable, Msg: "read counter", Err: err}
	}
	return n, nil
}

// estimateLocked returns the tickets ahead of t and its estimated wait in minutes.
func (e *Engine) estimateLocked(t *Ticket, now time.Time) (int, int) {
	ahead := 0
	q := e.queues[t.Service]
	if q != nil {
		r := e.rank(t, now)
		for _, l := range q.byClass {
			for _, o := range l {
				if o == t {
					continue
				}
				if or := e.rank(o, now); or < r || or == r && before(o, t) {
					ahead++
				}
			}
		}
	}
	return ahead, e.waitMinutesLocked(t.Service, ahead, now)
}

// placeLocked fills out's Ahead and WaitMin from t when t is live in its
// queue or reserved for it (a reserved ticket is placed as if it waited).
func (e *Engine) placeLocked(out, t *Ticket, now time.Time) {
	if t.State == StateWaiting || t.State == StateReserved {
		out.Ahead, out.WaitMin = e.estimateLocked(t, now)
	}
}

// waitMinutesLocked estimates the wait behind ahead tickets from the
// service's live rate: the mean service time of its recent finishes (or the
// catalogue's AvgMinutes) divided over its open windows.
func (e *Engine) waitMinutesLocked(service string, ahead int, now time.Time) int {
	if ahead == 0 {
		return 0
	}
	s, ok := e.cat.Service(service)
	if !ok {
		return 0
	}
	avg := s.AvgMinutes
	if avg <= 0 {
		avg = 10
	}
	if f := e.finishes[service]; len(f) >= 3 {
		recent := f[max(0, len(f)-20):]
		var sum time.Duration
		for _, x := range recent {
			sum += x.dur
		}
		avg = (sum / time.Duration(len(recent))).Minutes()
		if avg < 0.5 {
			avg = 0.5
		}
	}
	open := e.openWindowsLocked(service)
	return int(math.Ceil(float64(ahead) * avg / float64(max(open, 1))))
}

func (e *Engine) openWindowsLocked(service string) int {
	n := 0
	for _, w := range e.cat.Windows {
		ws := e.windows[w.Number]
		if ws != nil && ws.staff != "" && !ws.paused && w.Authorised(service) {
			n++
		}
	}
	return n
}
