package flow

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"sync"
	"testing"
	"time"

	"hallkiosk/kiosk/i18n"
)

// fakeClock is a manual clock: timers fire when Advance passes them.
type fakeClock struct {
	mu     sync.Mutex
	now    time.Time
	timers []*fakeTimer
}

type fakeTimer struct {
	c       *fakeClock
	at      time.Time
	f       func()
	stopped bool
}

func (t *fakeTimer) Stop() bool {
	t.c.mu.Lock()
	defer t.c.mu.Unlock()
	was := !t.stopped
	t.stopped = true
	return was
}

func newClock() *fakeClock {
	return &fakeClock{now: time.Date(2026, 11, 25, 9, 0, 0, 0, time.Local)}
}

func (c *fakeClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }

func (c *fakeClock) AfterFunc(d time.Duration, f func()) Timer {
	c.mu.Lock()
	defer c.mu.Unlock()
	t := &fakeTimer{c: c, at: c.now.Add(d), f: f}
	c.timers = append(c.timers, t)
	return t
}

// Advance moves time on and runs due timers in order.
func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	var due []*fakeTimer
	keep := c.timers[:0]
	for _, t := range c.timers {
		switch {
		case t.stopped:
		case !t.at.After(c.now):
			t.stopped = true
			due = append(due, t)
		default:
			keep = append(keep, t)
		}
	}
	c.timers = keep
	c.mu.Unlock()
	sort.Slice(due, func(i, j int) bool { return due[i].at.Before(due[j].at) })
	for _, t := range due {
		t.f()
	}
}

type fakeIssuer struct {
	mu        sync.Mutex
	n         int
	err       error
	reqs      []IssueRequest
	confirmed []string
	voided    []string
}

func (f *fakeIssuer) Issue(_ context.Context, req IssueRequest) (Ticket, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.reqs = append(f.reqs, req)
	if f.err != nil {
		return Ticket{}, f.err
	}
	f.n++
	return Ticket{Number: "A" + string(rune('0'+f.n/100)) + string(rune('0'+f.n/10%10)) + string(rune('0'+f.n%10)),
		Service: req.Service, Ahead: f.n - 1, Wait: time.Duration(f.n) * 3 * time.Minute, Priority: req.Priority, Key: "k"}, nil
}

func (f *fakeIssuer) Confirm(_ context.Context, t Ticket) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.confirmed = append(f.confirmed, t.Number)
	return nil
}

func (f *fakeIssuer) Void(_ context.Context, t Ticket, _ string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.voided = append(f.voided, t.Number)
	return nil
}

func (f *fakeIssuer) snapshot() (reqs []IssueRequest, confirmed, voided []string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]IssueRequest(nil), f.reqs...), append([]string(nil), f.confirmed...), append([]string(nil), f.voided...)
}

type fakePrinter struct {
	mu      sync.Mutex
	fail    int // fail this many prints
	printed []string
	slips   []InvoiceSlip
}

func (p *fakePrinter) PrintTicket(_ context.Context, t Ticket) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.fail > 0 {
		p.fail--
		return errors.New("printer: paper out")
	}
	p.printed = append(p.printed, t.Number)
	return nil
}

func (p *fakePrinter) PrintSlip(_ context.Context, s InvoiceSlip) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.slips = append(p.slips, s)
	return nil
}

func (p *fakePrinter) TestPrint(context.Context) error { return nil }

// fakeReader hands out cards laid with lay.
type fakeReader struct{ cards chan Citizen }

func (r *fakeReader) ReadCard(ctx context.Context) (Citizen, error) {
	select {
	case c := <-r.cards:
		return c, nil
	case <-ctx.Done():
		return Citizen{}, ctx.Err()
	}
}

type fakeCodes struct{ codes chan string }

func (s *fakeCodes) NextCode(ctx context.Context) (string, error) {
	select {
	case c := <-s.codes:
		return c, nil
	case <-ctx.Done():
		return "", ctx.Err()
	}
}

type fakeResolver map[string]Document

func (r fakeResolver) Resolve(_ context.Context, code string) (Document, error) {
	d, ok := r[code]
	if !ok {
		return Document{Kind: DocUnknown}, nil
	}
	if d.Kind == DocUntrusted {
		return d, ErrUntrusted
	}
	return d, nil
}

// fakeAppts checks in through the issuer, like the engine does.
type fakeAppts struct {
	issuer *fakeIssuer
	byCode map[string]string // code → service
	byID   map[string]string // ID number → service
}

func (a fakeAppts) CheckIn(ctx context.Context, code string, c *Citizen) (Ticket, error) {
	var svc string
	var ok bool
	switch {
	case code == "FAKE":
		return Ticket{}, fmt.Errorf("fake: %w", ErrUntrusted)
	case c != nil:
		svc, ok = a.byID[c.IDNumber]
	default:
		svc, ok = a.byCode[code]
	}
	if !ok {
		return Ticket{}, ErrNotFound
	}
	return a.issuer.Issue(ctx, IssueRequest{Service: svc, Citizen: c, Appointment: code, Priority: true})
}

type fakeRater struct {
	mu sync.Mutex
	rs []Rating
}

func (r *fakeRater) Rate(_ context.Context, x Rating) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.rs = append(r.rs, x)
	return nil
}

type fakeDesk struct {
	invoices   map[string][]Invoice
	collected  []string
	pendingErr error // returned by PendingInvoices when set
	collectErr error // returned by MarkCollected when set
	mu         sync.Mutex
}

func (d *fakeDesk) PendingInvoices(_ context.Context, c Citizen) ([]Invoice, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.pendingErr != nil {
		return nil, d.pendingErr
	}
	return d.invoices[c.IDNumber], nil
}

func (d *fakeDesk) MarkCollected(_ context.Context, _ Citizen, ids []string) (string, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.collectErr != nil {
		return "", d.collectErr
	}
	d.collected = append(d.collected, ids...)
	return "P-0001", nil
}

type fakeAnnouncer struct {
	mu   sync.Mutex
	said []string
}

func (a *fakeAnnouncer) Say(_ context.Context, _ i18n.Lang, key string) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.said = append(a.said, key)
	return nil
}

func (a *fakeAnnouncer) list() []string {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]string(nil), a.said...)
}

type fakeCatalogue []Zone

func (c fakeCatalogue) Zones() []Zone { return c }

var testZones = fakeCatalogue{
	{Code: "TAX", NameZH: "税务", NameEN: "Tax", Services: []Service{
		{Code: "TAX-REG", NameZH: "税务登记", NameEN: "Tax registration", Prefix: "A"},
		{Code: "TAX-INV", NameZH: "发票代开", NameEN: "Invoices", Prefix: "B", RealName: RealNameOptional},
	}},
	{Code: "POL", NameZH: "公安", NameEN: "Police", Services: []Service{
		{Code: "POL-HUKOU", NameZH: "户籍办理", NameEN: "Household registration", Prefix: "C", RealName: RealNameRequired},
	}},
}

// rig is a flow with every fake part.
type rig struct {
	f       *Flow
	clock   *fakeClock
	issuer  *fakeIssuer
	printer *fakePrinter
	reader  *fakeReader
	codes   *fakeCodes
	rater   *fakeRater
	desk    *fakeDesk
	voice   *fakeAnnouncer
	audits  *[]string
	changed chan struct{}
}

var zhang = Citizen{Name: "张小三", IDNumber: "11010519491231002X"}

func newRig(t *testing.T, opt Options) *rig {
	t.Helper()
	r := &rig{clock: newClock(), issuer: &fakeIssuer{}, printer: &fakePrinter{},
		reader: &fakeReader{cards: make(chan Citizen, 1)}, codes: &fakeCodes{codes: make(chan string, 1)},
		rater: &fakeRater{}, voice: &fakeAnnouncer{}, changed: make(chan struct{}, 1),
		desk: &fakeDesk{invoices: map[string][]Invoice{zhang.IDNumber: {
			{ID: "i1", Number: "24622000000012345678", Seller: "玉门市某商贸有限公司", Amount: "1280.00"},
			{ID: "i2", Number: "24622000000012345679", Seller: "玉门市某餐饮店", Amount: "86.50"},
		}}}}
	var audits []string
	var mu sync.Mutex
	r.audits = &audits
	if opt.PIN == "" {
		opt.PIN = "2468"
	}
	r.f = New(Deps{
		Catalogue: testZones, Issuer: r.issuer, Printer: r.printer, SlipPrinter: r.printer, TestPrinter: r.printer,
		Reader: r.reader, Codes: r.codes,
		Resolver: fakeResolver{
			"LIC":  {Kind: DocLicence, Title: "玉门市某餐饮店", Permits: []Permit{{Kind: "食品经营许可证", Number: "JY16209810000123"}}},
			"FAKE": {Kind: DocUntrusted},
			"TK":   {Kind: DocTicket, Title: "A007", Ref: "t-7"},
			"PROP": {Kind: DocProperty, Title: "甘(2023)玉门市不动产权第0001234号"},
		},
		Appointments: fakeAppts{issuer: r.issuer, byCode: map[string]string{"APPT": "TAX-REG"}, byID: map[string]string{zhang.IDNumber: "POL-HUKOU"}},
		Rater:        r.rater, Invoices: r.desk, Announcer: r.voice, Clock: r.clock,
		Audit: func(event, detail string) { mu.Lock(); audits = append(audits, event); mu.Unlock() },
	}, opt)
	r.f.Listen(func() {
		select {
		case r.changed <- struct{}{}:
		default:
		}
	})
	t.Cleanup(r.f.Close)
	return r
}

// wait waits until cond holds for the flow's state (device goroutines run
// for real; only the clock is fake).
func (r *rig) wait(t *testing.T, what string, cond func(State) bool) State {
	t.Helper()
	deadline := time.After(5 * time.Second)
	for {
		s := r.f.State()
		if cond(s) {
			return s
		}
		select {
		case <-r.changed:
		case <-time.After(10 * time.Millisecond):
		case <-deadline:
			t.Fatalf("timed out waiting for %s; state: screen=%v message=%q", what, s.Screen, s.Message)
		}
	}
}

func (r *rig) waitScreen(t *testing.T, s Screen) State {
	t.Helper()
	return r.wait(t, "screen "+s.String(), func(st State) bool { return st.Screen == s })
}
