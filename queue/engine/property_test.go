package engine

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"hallkiosk/queue/catalog"
)

func smallCatalog() *catalog.Catalog {
	return &catalog.Catalog{
		Hall: catalog.HallInfo{Name: "测试大厅"},
		Zones: []catalog.Zone{
			{ID: "z1", Name: "一区", Services: []catalog.Service{
				{ID: "s1", Prefix: "A", Name: "甲", Priorities: []catalog.Priority{catalog.PriorityGreen, catalog.PriorityVIP}},
				{ID: "s2", Prefix: "B", Name: "乙", Priorities: []catalog.Priority{catalog.PriorityGreen}},
			}},
			{ID: "z2", Name: "二区", Services: []catalog.Service{
				{ID: "s3", Prefix: "C", Name: "丙", Priorities: []catalog.Priority{catalog.PriorityGreen, catalog.PriorityVIP}},
			}},
		},
		Windows: []catalog.Window{
			{Number: 1, Zone: "z1", Services: []string{"s1"}},
			{Number: 2, Zone: "z1", Services: []string{"s1", "s2"}, Prefer: []string{"s2"}},
			{Number: 3, Zone: "z2", Services: []string{"s3"}, Cross: []string{"s1"}, Prefer: []string{"s3"}},
			{Number: 4, Zone: "z1", Services: []string{"s2"}, Cross: []string{"s3"}},
		},
	}
}

// model is an independent statement of the lifecycle and the call policy.
type mTicket struct {
	id, label string
	services  []string
	step      int
	prio      catalog.Priority
	queuedAt  time.Time
	target    int
	state     State
	missed    bool
	window    int
	called    bool
}

func (m *mTicket) service() string { return m.services[m.step] }

type mWindow struct {
	current *mTicket
	streak  int
	paused  bool
}

type model struct {
	cat     *catalog.Catalog
	tickets map[string]*mTicket
	windows map[int]*mWindow
	k       int
}

func (m *model) expectNext(n int) *mTicket {
	w, _ := m.cat.Window(n)
	var cands []*mTicket
	for _, t := range m.tickets {
		if t.state == StateWaiting && w.Authorised(t.service()) && (t.target == 0 || t.target == n) {
			cands = append(cands, t)
		}
	}
	if len(cands) == 0 {
		return nil
	}
	order := func(a, b *mTicket) int {
		if ra, rb := a.prio.Rank(), b.prio.Rank(); ra != rb {
			return ra - rb
		}
		if (a.target == n) != (b.target == n) {
			if a.target == n {
				return -1
			}
			return 1
		}
		if pa, pb := slices.Contains(w.Prefer, a.service()), slices.Contains(w.Prefer, b.service()); pa != pb {
			if pa {
				return -1
			}
			return 1
		}
		if c := a.queuedAt.Compare(b.queuedAt); c != 0 {
			return c
		}
		if a.id < b.id {
			return -1
		}
		return 1
	}
	slices.SortFunc(cands, order)
	if cands[0].prio != catalog.PriorityNormal && m.windows[n].streak >= m.k {
		for _, c := range cands {
			if c.prio == catalog.PriorityNormal {
				return c
			}
		}
	}
	return cands[0]
}

func (m *model) finish(w *mWindow) {
	t := w.current
	w.current = nil
	if t.step+1 < len(t.services) {
		t.step++
		t.state, t.target = StateWaiting, 0
		return
	}
	t.state = StateDone
}

func TestPropertyRandomOperations(t *testing.T) {
	seeds := 12
	steps := 500
	if testing.Short() {
		seeds, steps = 3, 300
	}
	for seed := range seeds {
		t.Run(fmt.Sprint("seed", seed), func(t *testing.T) { runProperty(t, uint64(seed), steps) })
	}
}

func runProperty(t *testing.T, seed uint64, steps int) {
	cat := smallCatalog()
	f := newFixture(t, cat)
	r := rand.New(rand.NewPCG(seed, 7))
	m := &model{cat: cat, tickets: map[string]*mTicket{}, windows: map[int]*mWindow{}, k: f.e.opts.StarvationK}
	for _, w := range cat.Windows {
		m.windows[w.Number] = &mWindow{}
	}
	numbers := map[string]bool{}
	var seq int64
	dayStart := f.clk.Now().Add(-time.Hour)
	svcIDs := []string{"s1", "s2", "s3"}
	pick := func(states ...State) *mTicket {
		var l []*mTicket
		for _, tk := range m.tickets {
			if slices.Contains(states, tk.state) {
				l = append(l, tk)
			}
		}
		if len(l) == 0 {
			return nil
		}
		slices.SortFunc(l, func(a, b *mTicket) int {
			if a.id < b.id {
				return -1
			}
			return 1
		})
		return l[r.IntN(len(l))]
	}
	check := func(what string, got *Ticket, err error, want *mTicket) {
		t.Helper()
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		if got.ID != want.id || got.State != want.state || got.Service != want.service() {
			t.Fatalf("%s: engine %s %s %s, model %s %s %s", what, got.Label, got.State, got.Service, want.label, want.state, want.service())
		}
	}
	for step := range steps {
		f.clk.Advance(time.Duration(r.IntN(20)) * time.Second)
		now := f.clk.Now()
		n := 1 + r.IntN(4)
		mw := m.windows[n]
		switch op := r.IntN(100); {
		case op < 30: // issue
			s := svcIDs[r.IntN(3)]
			svc, _ := cat.Service(s)
			prio := catalog.PriorityNormal
			if x := r.IntN(10); x < 5 && len(svc.Priorities) > 0 {
				prio = svc.Priorities[r.IntN(len(svc.Priorities))]
			}
			req := IssueRequest{Service: s, Priority: prio}
			if r.IntN(8) == 0 {
				other := svcIDs[r.IntN(3)]
				if other != s {
					req.Services = []string{s, other}
				}
			}
			tk, err := f.e.Issue(ctx, req)
			if err != nil {
				t.Fatalf("step %d issue: %v", step, err)
			}
			key := tk.Day + "/" + tk.IssueService + "/" + fmt.Sprint(tk.Number)
			if numbers[key] {
				t.Fatalf("number %s issued twice", tk.Label)
			}
			numbers[key] = true
			svcs := req.Services
			if len(svcs) == 0 {
				svcs = []string{s}
			}
			m.tickets[tk.ID] = &mTicket{id: tk.ID, label: tk.Label, services: svcs, prio: prio, queuedAt: now, state: StateWaiting}
		case op < 36: // a kiosk's offline ticket: lease a block, import one number, issued earlier
			s := svcIDs[r.IntN(3)]
			l, err := f.e.Lease(ctx, "kiosk", s, f.e.Today(), 1+r.IntN(3))
			if err != nil {
				t.Fatalf("step %d lease: %v", step, err)
			}
			seq++
			issued := now.Add(-time.Duration(r.IntN(600)) * time.Second)
			if issued.Before(dayStart) {
				issued = dayStart
			}
			tk, err := f.e.Import(ctx, ImportRequest{DeviceID: "kiosk", DeviceSeq: seq, Service: s, Number: l.First + r.IntN(l.Last-l.First+1), IssuedAt: issued})
			if err != nil {
				t.Fatalf("step %d import: %v", step, err)
			}
			key := tk.Day + "/" + tk.IssueService + "/" + fmt.Sprint(tk.Number)
			if numbers[key] {
				t.Fatalf("number %s issued twice", tk.Label)
			}
			numbers[key] = true
			m.tickets[tk.ID] = &mTicket{id: tk.ID, label: tk.Label, services: []string{s}, prio: catalog.PriorityNormal, queuedAt: issued, state: StateWaiting}
		case op < 50: // call next
			want := m.expectNext(n)
			got, err := f.e.CallNext(ctx, n, "s")
			switch {
			case mw.paused:
				if CodeOf(err) != CodeWindowPaused {
					t.Fatalf("step %d: paused window called: %v %v", step, got, err)
				}
				continue
			case mw.current != nil && mw.current.state == StateCalled:
				if CodeOf(err) != CodeWindowBusy {
					t.Fatalf("step %d: busy window called: %v", step, err)
				}
				continue
			}
			if mw.current != nil {
				m.finish(mw)
				if want == nil || want.state != StateWaiting {
					want = m.expectNext(n)
				}
			}
			if want == nil {
				if CodeOf(err) != CodeNoTicket {
					t.Fatalf("step %d: window %d called %v (err %v), model expects nothing", step, n, got, err)
				}
				continue
			}
			if err != nil {
				t.Fatalf("step %d: CallNext(%d): %v, model expects %s", step, n, err, want.label)
			}
			if got.ID != want.id {
				t.Fatalf("step %d: window %d called %s (%s, queued %s), policy says %s (%s, queued %s)", step, n, got.Label, got.Priority, got.QueuedAt.Format("15:04:05"), want.label, want.prio, want.queuedAt.Format("15:04:05"))
			}
			if want.prio == catalog.PriorityNormal {
				mw.streak = 0
			} else {
				mw.streak++
			}
			want.state, want.window, want.target, want.called = StateCalled, n, 0, true
			mw.current = want
			check("call", got, nil, want)
		case op < 58: // start
			got, err := f.e.Start(ctx, n, "s")
			if mw.current == nil || mw.current.state != StateCalled {
				if err == nil {
					t.Fatalf("step %d: start without a called ticket", step)
				}
				continue
			}
			mw.current.state = StateServing
			check("start", got, err, mw.current)
		case op < 72: // finish
			got, err := f.e.Finish(ctx, n, "s")
			if mw.current == nil {
				if CodeOf(err) != CodeNoTicket {
					t.Fatalf("step %d: finish with nothing: %v", step, err)
				}
				continue
			}
			cur := mw.current
			m.finish(mw)
			check("finish", got, err, cur)
		case op < 78: // no-show
			got, err := f.e.NoShow(ctx, n, "s")
			if mw.current == nil || mw.current.state != StateCalled {
				if err == nil {
					t.Fatalf("step %d: no-show without a called ticket", step)
				}
				continue
			}
			cur := mw.current
			cur.state, cur.missed = StateParked, true
			mw.current = nil
			check("no-show", got, err, cur)
		case op < 81: // park
			got, err := f.e.Park(ctx, n, "s", "documents")
			if mw.current == nil {
				if err == nil {
					t.Fatalf("step %d: park with nothing", step)
				}
				continue
			}
			cur := mw.current
			cur.state, cur.missed = StateParked, false
			mw.current = nil
			check("park", got, err, cur)
		case op < 86: // requeue
			tk := pick(StateParked)
			if tk == nil {
				continue
			}
			got, err := f.e.Requeue(ctx, tk.id, Actor{Name: "s"})
			if tk.missed {
				tk.queuedAt = now
			} else {
				tk.target = tk.window
			}
			tk.state = StateWaiting
			check("requeue", got, err, tk)
		case op < 91: // transfer
			to := TransferTo{Service: svcIDs[r.IntN(3)]}
			if r.IntN(2) == 0 {
				to.Window = 1 + r.IntN(4)
			}
			got, err := f.e.Transfer(ctx, n, "s", to)
			cur := mw.current
			if cur == nil {
				if err == nil {
					t.Fatalf("step %d: transfer with nothing", step)
				}
				continue
			}
			if to.Window != 0 {
				tw, _ := cat.Window(to.Window)
				if !tw.Authorised(to.Service) {
					if CodeOf(err) != CodeNotAuthorised {
						t.Fatalf("step %d: transfer to unauthorised window: %v", step, err)
					}
					continue
				}
			}
			if to.Service == cur.service() && (to.Window == 0 || to.Window == n) {
				if CodeOf(err) != CodeInvalid {
					t.Fatalf("step %d: transfer to itself: %v", step, err)
				}
				continue
			}
			cur.services[cur.step] = to.Service
			cur.state, cur.target = StateWaiting, to.Window
			mw.current = nil
			check("transfer", got, err, cur)
		case op < 94: // cancel
			tk := pick(StateWaiting, StateParked)
			if tk == nil {
				continue
			}
			got, err := f.e.Cancel(ctx, tk.id, Actor{Name: "kiosk"})
			tk.state = StateCancelled
			check("cancel", got, err, tk)
		case op < 96: // void
			tk := pick(StateWaiting)
			if tk == nil {
				continue
			}
			got, err := f.e.Void(ctx, tk.id, "printer", Actor{Name: "kiosk"})
			if tk.called {
				if CodeOf(err) != CodeBadState {
					t.Fatalf("step %d: void of a called ticket: %v", step, err)
				}
				continue
			}
			tk.state = StateVoid
			check("void", got, err, tk)
		default: // pause / resume
			p := !mw.paused
			if err := f.e.SetPaused(ctx, n, "s", p); err != nil {
				t.Fatal(err)
			}
			mw.paused = p
		}
		if step%100 == 99 {
			f.reopen(t) // state survives a restart
		}
	}
	day := f.e.Today()
	// End the day: everything live expires or becomes a no-show.
	f.clk.Set(f.clk.Now().Add(24 * time.Hour))
	if _, err := f.e.Lease(ctx, "k", "s1", f.e.Today(), 1); err != nil {
		t.Fatal(err)
	}
	tickets, err := f.e.Tickets(ctx, day)
	if err != nil {
		t.Fatal(err)
	}
	if len(tickets) != len(m.tickets) {
		t.Fatalf("store has %d tickets, model %d", len(tickets), len(m.tickets))
	}
	events, err := f.e.Events(ctx, day, 0, 10000)
	if err != nil {
		t.Fatal(err)
	}
	next, _ := f.e.Events(ctx, f.e.Today(), 0, 10000)
	events = append(events, next...)
	terminal := map[string]int{}
	for _, ev := range events {
		if ev.Ticket != "" && ev.State.Terminal() && ev.Kind != EvRate {
			terminal[ev.Ticket]++
		}
	}
	for _, tk := range tickets {
		mt := m.tickets[tk.ID]
		want := mt.state
		switch want {
		case StateParked:
			want = StateNoShow
		case StateWaiting, StateCalled, StateServing:
			want = StateExpired
		}
		if tk.State != want {
			t.Errorf("%s: final state %s, model %s", tk.Label, tk.State, want)
		}
		if terminal[tk.ID] != 1 {
			t.Errorf("%s: %d terminal transitions, want exactly 1", tk.Label, terminal[tk.ID])
		}
	}
}
