package engine

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/csv"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"hallkiosk/internal/codesign"
	"hallkiosk/internal/pii"
	"hallkiosk/queue/catalog"
)

var shanghai = catalog.Default().Location()

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func (c *clock) Set(t time.Time) {
	c.mu.Lock()
	c.t = t
	c.mu.Unlock()
}

// wednesday10 is a working day, 10:00 in the hall.
var wednesday10 = time.Date(2026, 11, 25, 10, 0, 0, 0, shanghai)

type fixture struct {
	e    *Engine
	clk  *clock
	path string
	opts Options
}

func newFixture(t *testing.T, cat *catalog.Catalog) *fixture {
	t.Helper()
	clk := &clock{t: wednesday10}
	_, priv, _ := ed25519.GenerateKey(rand.Reader)
	opts := Options{Catalog: cat, Now: clk.Now, Hasher: pii.NewHasher([]byte("test-key-0123456789abcdef")), Signer: codesign.NewSigner(priv, "k1")}
	path := filepath.Join(t.TempDir(), "hall.db")
	e, err := Open(context.Background(), path, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.Close() })
	return &fixture{e: e, clk: clk, path: path, opts: opts}
}

func (f *fixture) reopen(t *testing.T) {
	t.Helper()
	if err := f.e.Close(); err != nil {
		t.Fatal(err)
	}
	e, err := Open(context.Background(), f.path, f.opts)
	if err != nil {
		t.Fatal(err)
	}
	f.e = e
	t.Cleanup(func() { e.Close() })
}

func (f *fixture) issue(t *testing.T, req IssueRequest) *Ticket {
	t.Helper()
	tk, err := f.e.Issue(context.Background(), req)
	if err != nil {
		t.Fatalf("Issue(%+v): %v", req, err)
	}
	return tk
}

func wantCode(t *testing.T, err error, code Code) {
	t.Helper()
	if CodeOf(err) != code {
		t.Fatalf("error = %v, want code %s", err, code)
	}
}

var ctx = context.Background()

func TestIssueCallFinish(t *testing.T) {
	f := newFixture(t, nil)
	events, cancel := f.e.Subscribe(100)
	defer cancel()
	a1 := f.issue(t, IssueRequest{Service: "household", IDNumber: "62010219900101123X", Name: "张小三"})
	f.clk.Advance(time.Minute)
	a2 := f.issue(t, IssueRequest{Service: "household", IDNumber: "620102199001011234"})
	if a1.Label != "G001" || a2.Label != "G002" {
		t.Fatalf("labels %s %s", a1.Label, a2.Label)
	}
	if a1.NameMasked != "张**" || a1.PersonHash == "" || strings.Contains(a1.PersonHash, "6201") {
		t.Errorf("person data not protected: %+v", a1)
	}
	if a2.Ahead != 1 || a2.WaitMin == 0 {
		t.Errorf("estimate ahead=%d wait=%d", a2.Ahead, a2.WaitMin)
	}
	w := f.e.cat.WindowsFor("household")[0]
	c, err := f.e.CallNext(ctx, w, "staff1")
	if err != nil || c.ID != a1.ID || c.State != StateCalled {
		t.Fatalf("CallNext = %+v, %v", c, err)
	}
	if _, err := f.e.CallNext(ctx, w, "staff1"); CodeOf(err) != CodeWindowBusy {
		t.Fatalf("second CallNext while called: %v", err)
	}
	if _, err := f.e.Recall(ctx, w, "staff1"); err != nil {
		t.Fatal(err)
	}
	if _, err := f.e.Start(ctx, w, "staff1"); err != nil {
		t.Fatal(err)
	}
	f.clk.Advance(5 * time.Minute)
	c2, err := f.e.CallNext(ctx, w, "staff1") // finishes a1
	if err != nil || c2.ID != a2.ID {
		t.Fatalf("CallNext = %+v, %v", c2, err)
	}
	got, _ := f.e.Ticket(ctx, a1.ID)
	if got.State != StateDone || got.Window != w || got.Staff != "staff1" {
		t.Errorf("a1 after = %+v", got)
	}
	var kinds []string
	for len(events) > 0 {
		ev := <-events
		kinds = append(kinds, string(ev.Kind))
		if ev.Kind == EvCall && (ev.Window != w || ev.Actor != "staff1" || ev.At.IsZero()) {
			t.Errorf("call event lacks who/where/when: %+v", ev)
		}
	}
	if strings.Join(kinds, ",") != "issue,issue,call,recall,start,finish,call" {
		t.Errorf("events = %v", kinds)
	}
	if calls := f.e.RecentCalls(5); len(calls) != 3 || calls[0].Label != "G002" {
		t.Errorf("recent calls = %+v", calls)
	}
}

func TestBadInput(t *testing.T) {
	cat := catalog.Default()
	s, _ := cat.Service("procurement")
	s.DailyCap = 2
	f := newFixture(t, cat)
	_, err := f.e.Issue(ctx, IssueRequest{Service: "ghost"})
	wantCode(t, err, CodeUnknownService)
	f.issue(t, IssueRequest{Service: "procurement"})
	f.issue(t, IssueRequest{Service: "procurement"})
	_, err = f.e.Issue(ctx, IssueRequest{Service: "procurement"})
	wantCode(t, err, CodeCapReached)
	_, err = f.e.Issue(ctx, IssueRequest{Service: "household"})
	wantCode(t, err, CodeRealNameRequired)
	f.issue(t, IssueRequest{Service: "id-card", IDNumber: "62010219900101123X"})
	_, err = f.e.Issue(ctx, IssueRequest{Service: "id-card", IDNumber: "62010219900101123x"})
	wantCode(t, err, CodePersonLimit)
	_, err = f.e.Issue(ctx, IssueRequest{Service: "bidding", Priority: catalog.PriorityVIP})
	wantCode(t, err, CodePriorityNotAllowed)
	f.clk.Set(time.Date(2026, 11, 25, 12, 30, 0, 0, shanghai)) // lunch break
	_, err = f.e.Issue(ctx, IssueRequest{Service: "bidding"})
	wantCode(t, err, CodeClosed)
	f.issue(t, IssueRequest{Service: "tax-invoice"}) // 24x7

	// Duplicate idempotency key: the original ticket, not an error, not a new number.
	t1 := f.issue(t, IssueRequest{Service: "tax-invoice", Key: "kiosk3:77"})
	t2 := f.issue(t, IssueRequest{Service: "tax-invoice", Key: "kiosk3:77"})
	if t2.ID != t1.ID || !t2.Duplicate || t1.Duplicate {
		t.Errorf("duplicate key: %+v vs %+v", t1, t2)
	}
	if msg := CodeCapReached.Message(); msg == "" || msg == "操作失败" {
		t.Error("no Chinese message")
	}
}

func TestTransferKeepsPlace(t *testing.T) {
	f := newFixture(t, nil)
	early := f.issue(t, IssueRequest{Service: "company-startup"})
	f.clk.Advance(10 * time.Minute)
	var later []*Ticket
	for range 3 {
		f.clk.Advance(time.Minute)
		later = append(later, f.issue(t, IssueRequest{Service: "tax-invoice"}))
	}
	// A company-startup window of its own department (a cross-authorised
	// one would call its own tax-invoice tickets first).
	kw := 0
	for _, n := range f.e.cat.WindowsFor("company-startup") {
		if w, _ := f.e.cat.Window(n); slices.Contains(w.Services, "company-startup") {
			kw = n
			break
		}
	}
	if c, err := f.e.CallNext(ctx, kw, "s1"); err != nil || c.ID != early.ID {
		t.Fatalf("window %d called %v, %v", kw, c, err)
	}
	// A window not authorised for tax-invoice is refused.
	_, err := f.e.Transfer(ctx, kw, "s1", TransferTo{Service: "tax-invoice", Window: 1})
	wantCode(t, err, CodeNotAuthorised)
	if _, err := f.e.Transfer(ctx, kw, "s1", TransferTo{Service: "tax-invoice"}); err != nil {
		t.Fatal(err)
	}
	tw := f.e.cat.WindowsFor("tax-invoice")[0]
	c, err := f.e.CallNext(ctx, tw, "s2")
	if err != nil || c.ID != early.ID {
		t.Fatalf("after transfer CallNext = %v, %v; want the transferred ticket %s (earlier issue time)", c, err, early.Label)
	}
	// Transfer to a specific window: only that window calls it.
	if _, err := f.e.Transfer(ctx, tw, "s2", TransferTo{Window: f.e.cat.WindowsFor("tax-invoice")[2]}); err != nil {
		t.Fatal(err)
	}
	c, _ = f.e.CallNext(ctx, f.e.cat.WindowsFor("tax-invoice")[1], "s3")
	if c.ID != later[0].ID {
		t.Errorf("other window called %s, want %s", c.Label, later[0].Label)
	}
	c, _ = f.e.CallNext(ctx, f.e.cat.WindowsFor("tax-invoice")[2], "s4")
	if c.ID != early.ID {
		t.Errorf("target window called %s, want %s", c.Label, early.Label)
	}
}

func TestMultiServiceNoShowRequeue(t *testing.T) {
	f := newFixture(t, nil)
	m := f.issue(t, IssueRequest{Services: []string{"company-startup", "tax-invoice", "social-insurance"}})
	if m.Label != "K001" || len(m.Services) != 3 {
		t.Fatalf("multi ticket %+v", m)
	}
	steps := []string{"company-startup", "tax-invoice", "social-insurance"}
	for i, s := range steps {
		w := f.e.cat.WindowsFor(s)[0]
		c, err := f.e.CallNext(ctx, w, "s")
		if err != nil || c.ID != m.ID || c.Service != s {
			t.Fatalf("step %d: %+v %v", i, c, err)
		}
		done, err := f.e.Finish(ctx, w, "s")
		if err != nil {
			t.Fatal(err)
		}
		if want := StateWaiting; i == 2 {
			if done.State != StateDone {
				t.Fatalf("last step state %s", done.State)
			}
		} else if done.State != want {
			t.Fatalf("step %d state %s", i, done.State)
		}
	}
	a := f.issue(t, IssueRequest{Service: "enquiry"})
	f.clk.Advance(time.Minute)
	b := f.issue(t, IssueRequest{Service: "enquiry"})
	w := f.e.cat.WindowsFor("enquiry")[0]
	f.e.CallNext(ctx, w, "s")
	p, err := f.e.NoShow(ctx, w, "s")
	if err != nil || p.State != StateParked {
		t.Fatal(p, err)
	}
	if len(f.e.Parked()) != 1 {
		t.Fatal("parked list")
	}
	f.clk.Advance(time.Minute)
	if _, err := f.e.Requeue(ctx, a.ID, Actor{Name: "s", Window: w}); err != nil {
		t.Fatal(err)
	}
	// The requeued missed ticket goes behind b.
	c, _ := f.e.CallNext(ctx, w, "s")
	if c.ID != b.ID {
		t.Errorf("called %s, want %s", c.Label, b.Label)
	}
	f.e.Finish(ctx, w, "s")
	c, _ = f.e.CallNext(ctx, w, "s")
	if c.ID != a.ID {
		t.Errorf("called %s, want requeued %s", c.Label, a.Label)
	}
	// Pause.
	f.e.Finish(ctx, w, "s")
	f.e.SetPaused(ctx, w, "s", true)
	f.issue(t, IssueRequest{Service: "enquiry"})
	_, err = f.e.CallNext(ctx, w, "s")
	wantCode(t, err, CodeWindowPaused)
	f.e.SetPaused(ctx, w, "s", false)
	if _, err := f.e.CallNext(ctx, w, "s"); err != nil {
		t.Fatal(err)
	}
}

func TestPriorityAndStarvation(t *testing.T) {
	f := newFixture(t, nil)
	var normals, greens []*Ticket
	for range 3 {
		normals = append(normals, f.issue(t, IssueRequest{Service: "social-insurance"}))
		f.clk.Advance(time.Second)
	}
	for range 5 {
		greens = append(greens, f.issue(t, IssueRequest{Service: "social-insurance", Priority: catalog.PriorityGreen}))
		f.clk.Advance(time.Second)
	}
	w := f.e.cat.WindowsFor("social-insurance")[0]
	want := []*Ticket{greens[0], greens[1], greens[2], normals[0], greens[3], greens[4], normals[1], normals[2]}
	for i, wt := range want {
		c, err := f.e.CallNext(ctx, w, "s")
		if err != nil {
			t.Fatal(err)
		}
		if c.ID != wt.ID {
			t.Errorf("call %d = %s (%s), want %s (%s)", i, c.Label, c.Priority, wt.Label, wt.Priority)
		}
		f.e.Finish(ctx, w, "s")
	}
}

func TestLeaseImport(t *testing.T) {
	f := newFixture(t, nil)
	day := f.e.Today()
	h := f.issue(t, IssueRequest{Service: "tax-invoice"})
	l, err := f.e.Lease(ctx, "kiosk1", "tax-invoice", day, 10)
	if err != nil || l.First != h.Number+1 || l.Last != l.First+9 {
		t.Fatalf("lease %+v %v", l, err)
	}
	l2, _ := f.e.Lease(ctx, "kiosk2", "tax-invoice", day, 5)
	if l2.First != l.Last+1 {
		t.Fatalf("second lease overlaps: %+v", l2)
	}
	h2 := f.issue(t, IssueRequest{Service: "tax-invoice"})
	if h2.Number != l2.Last+1 {
		t.Errorf("hall number %d after leases up to %d", h2.Number, l2.Last)
	}
	issued := f.clk.Now().Add(-30 * time.Minute) // offline, earlier than h
	imp, err := f.e.Import(ctx, ImportRequest{DeviceID: "kiosk1", DeviceSeq: 1, Service: "tax-invoice", Number: l.First, IssuedAt: issued})
	if err != nil || imp.Label != Label("F", l.First) || imp.Key != "kiosk1:1" {
		t.Fatalf("import %+v %v", imp, err)
	}
	again, err := f.e.Import(ctx, ImportRequest{DeviceID: "kiosk1", DeviceSeq: 1, Service: "tax-invoice", Number: l.First, IssuedAt: issued})
	if err != nil || !again.Duplicate || again.ID != imp.ID {
		t.Fatalf("repeat import %+v %v", again, err)
	}
	_, err = f.e.Import(ctx, ImportRequest{DeviceID: "kiosk1", DeviceSeq: 2, Service: "tax-invoice", Number: l.First, IssuedAt: issued})
	wantCode(t, err, CodeDuplicate)
	_, err = f.e.Import(ctx, ImportRequest{DeviceID: "kiosk1", DeviceSeq: 3, Service: "tax-invoice", Number: l2.First, IssuedAt: issued})
	wantCode(t, err, CodeNotLeased)
	// Call order is by issue time, not number: the imported ticket goes first.
	c, err := f.e.CallNext(ctx, f.e.cat.WindowsFor("tax-invoice")[0], "s")
	if err != nil || c.ID != imp.ID {
		t.Fatalf("first call %+v %v, want imported %s", c, err, imp.Label)
	}
	// Leases for tomorrow start at 1 and survive a restart.
	tomorrow := f.clk.Now().AddDate(0, 0, 1).In(shanghai).Format(time.DateOnly)
	lt, _ := f.e.Lease(ctx, "kiosk1", "tax-invoice", tomorrow, 20)
	if lt.First != 1 {
		t.Errorf("tomorrow lease %+v", lt)
	}
	f.reopen(t)
	h3 := f.issue(t, IssueRequest{Service: "tax-invoice"})
	if h3.Number != h2.Number+1 {
		t.Errorf("after restart number %d, want %d", h3.Number, h2.Number+1)
	}
	lt2, _ := f.e.Lease(ctx, "kiosk2", "tax-invoice", tomorrow, 20)
	if lt2.First != 21 {
		t.Errorf("tomorrow second lease %+v", lt2)
	}
	f.clk.Advance(24 * time.Hour)
	h4 := f.issue(t, IssueRequest{Service: "tax-invoice"})
	if h4.Number != 41 {
		t.Errorf("tomorrow hall number %d, want 41", h4.Number)
	}
}

func TestAppointments(t *testing.T) {
	f := newFixture(t, nil)
	day := f.e.Today()
	slots, err := f.e.Slots(ctx, "estate-transfer", day)
	if err != nil || len(slots) == 0 {
		t.Fatal(slots, err)
	}
	var sl Slot
	for _, s := range slots {
		if s.Open && s.Start.After(f.clk.Now().Add(time.Hour)) {
			sl = s
			break
		}
	}
	_, err = f.e.Book(ctx, BookRequest{Service: "estate-transfer", SlotStart: sl.Start})
	wantCode(t, err, CodeRealNameRequired)
	var appts []*Appointment
	for i := range sl.Capacity {
		a, err := f.e.Book(ctx, BookRequest{Service: "estate-transfer", SlotStart: sl.Start, IDNumber: "62010219900101" + string(rune('0'+i)) + "23X", Name: "李四", Phone: "13800001234"})
		if err != nil {
			t.Fatal(err)
		}
		appts = append(appts, a)
	}
	_, err = f.e.Book(ctx, BookRequest{Service: "estate-transfer", SlotStart: sl.Start, IDNumber: "620102199001019999"})
	wantCode(t, err, CodeSlotFull)
	_, err = f.e.Book(ctx, BookRequest{Service: "estate-transfer", SlotStart: sl.Start.Add(time.Minute), IDNumber: "620102199001019999"})
	wantCode(t, err, CodeBadSlot)
	// Too early to check in.
	_, err = f.e.CheckIn(ctx, appts[0].Code, "kiosk1")
	wantCode(t, err, CodeBadSlot)
	// Tampered code.
	bad := tamper(appts[0].Code)
	_, err = f.e.CheckIn(ctx, bad, "kiosk1")
	wantCode(t, err, CodeBadCode)

	f.clk.Set(sl.Start.Add(-10 * time.Minute))
	walkin := f.issue(t, IssueRequest{Service: "estate-transfer", IDNumber: "620102198001011111"})
	tk, err := f.e.CheckIn(ctx, "https://hall.example/a?c="+appts[0].Code, "kiosk1")
	if err != nil || tk.Priority != catalog.PriorityAppointment || tk.AppointmentID != appts[0].ID {
		t.Fatalf("check-in %+v %v", tk, err)
	}
	again, err := f.e.CheckIn(ctx, appts[0].Code, "kiosk1")
	if err != nil || !again.Duplicate || again.ID != tk.ID {
		t.Fatalf("repeat check-in %+v %v", again, err)
	}
	// Inside the slot, the appointment ticket is called before the earlier walk-in.
	w := f.e.cat.WindowsFor("estate-transfer")[0]
	c, _ := f.e.CallNext(ctx, w, "s")
	if c.ID != tk.ID {
		t.Errorf("called %s, want appointment %s (walk-in %s)", c.Label, tk.Label, walkin.Label)
	}
	// After slot start + late, unchecked bookings are missed and release their places.
	f.clk.Set(sl.Start.Add(20 * time.Minute))
	a1, _ := f.e.Appointment(ctx, appts[1].ID)
	if a1.State != ApptMissed {
		t.Errorf("unchecked booking state %s", a1.State)
	}
	slots, _ = f.e.Slots(ctx, "estate-transfer", day)
	for _, s := range slots {
		if s.Start.Equal(sl.Start) && s.Booked != 1 {
			t.Errorf("slot booked = %d after no-shows, want 1", s.Booked)
		}
	}
	_, err = f.e.CheckIn(ctx, appts[2].Code, "kiosk1")
	wantCode(t, err, CodeBadState)
}

func TestDayBoundaryAndRestart(t *testing.T) {
	f := newFixture(t, nil)
	// 23:50 in Shanghai is 15:50 UTC: still the same hall day.
	f.clk.Set(time.Date(2026, 11, 25, 23, 50, 0, 0, shanghai))
	a := f.issue(t, IssueRequest{Service: "tax-invoice"})
	b := f.issue(t, IssueRequest{Service: "tax-invoice"})
	if a.Day != "2026-11-25" {
		t.Fatalf("day %s", a.Day)
	}
	w := f.e.cat.WindowsFor("tax-invoice")[0]
	f.e.CallNext(ctx, w, "s")
	f.e.NoShow(ctx, w, "s")
	f.reopen(t)
	if ws, _ := f.e.Waiting(w); len(ws) != 1 || ws[0].ID != b.ID {
		t.Fatalf("after restart waiting = %v", ws)
	}
	f.clk.Set(time.Date(2026, 11, 26, 0, 5, 0, 0, shanghai))
	c := f.issue(t, IssueRequest{Service: "tax-invoice"})
	if c.Number != 1 || c.Day != "2026-11-26" {
		t.Errorf("new day ticket %+v", c)
	}
	ta, _ := f.e.Ticket(ctx, a.ID)
	tb, _ := f.e.Ticket(ctx, b.ID)
	if ta.State != StateNoShow || tb.State != StateExpired {
		t.Errorf("day end states %s %s", ta.State, tb.State)
	}
}

func TestStatsCSV(t *testing.T) {
	f := newFixture(t, nil)
	w := f.e.cat.WindowsFor("enquiry")[0]
	var ids []string
	for range 4 {
		ids = append(ids, f.issue(t, IssueRequest{Service: "enquiry"}).ID)
	}
	for i := range 3 {
		f.clk.Advance(time.Duration(i+1) * time.Minute)
		f.e.CallNext(ctx, w, "wang")
		f.e.Start(ctx, w, "wang")
		f.clk.Advance(2 * time.Minute)
		f.e.Finish(ctx, w, "wang")
	}
	f.e.Rate(ctx, ids[0], 5, Actor{Name: "pad"})
	f.e.Rate(ctx, ids[1], 2, Actor{Name: "pad"})
	f.e.Cancel(ctx, ids[3], Actor{Name: "kiosk"})
	rows, err := f.e.Stats(ctx, f.e.Today(), f.e.Today())
	if err != nil {
		t.Fatal(err)
	}
	var hall, staff *StatRow
	for i := range rows {
		switch {
		case rows[i].Dimension == "hall":
			hall = &rows[i]
		case rows[i].Dimension == "staff" && rows[i].Key == "wang":
			staff = &rows[i]
		}
	}
	if hall == nil || hall.Issued != 4 || hall.Served != 3 || hall.Cancelled != 1 || hall.Rated != 2 || hall.Satisfied != 0.5 {
		t.Fatalf("hall row %+v", hall)
	}
	// waits: 1, 1+2+2=5, 5+2+3=10 minutes
	if hall.WaitP50 != 5 || hall.WaitP90 != 10 || hall.ServeAvg != 2 {
		t.Errorf("waits p50 %v p90 %v serve %v", hall.WaitP50, hall.WaitP90, hall.ServeAvg)
	}
	if staff == nil || staff.Served != 3 {
		t.Errorf("staff row %+v", staff)
	}
	var buf bytes.Buffer
	if err := WriteCSV(&buf, rows); err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(&buf).ReadAll()
	if err != nil || len(recs) != len(rows)+1 || recs[0][0] != "day" {
		t.Fatalf("csv %v %v", recs, err)
	}
}

func TestStoreSettings(t *testing.T) {
	f := newFixture(t, nil)
	var mode string
	var syncLevel, busy int
	db := f.e.DB()
	if err := db.QueryRow(`PRAGMA journal_mode`).Scan(&mode); err != nil || mode != "wal" {
		t.Errorf("journal_mode = %q, %v", mode, err)
	}
	if err := db.QueryRow(`PRAGMA synchronous`).Scan(&syncLevel); err != nil || syncLevel != 2 {
		t.Errorf("synchronous = %d (want 2, FULL), %v", syncLevel, err)
	}
	if err := db.QueryRow(`PRAGMA busy_timeout`).Scan(&busy); err != nil || busy < 1000 {
		t.Errorf("busy_timeout = %d, %v", busy, err)
	}
}

// TestNumberMaxAndOverflowRanges: the hall's own numbers and leases stop at
// NumberMax; the blocks above it are recorded with LeaseRange, which
// refuses the hall's series and other devices' blocks, and Import then
// accepts numbers in them.
func TestNumberMaxAndOverflowRanges(t *testing.T) {
	f := newFixture(t, smallCatalog())
	ctx := context.Background()
	f.e.opts.NumberMax = 10
	l, err := f.e.Lease(ctx, "k1", "s1", f.e.Today(), 8)
	if err != nil || l.First != 1 || l.Last != 8 {
		t.Fatalf("lease: %+v, %v", l, err)
	}
	l, err = f.e.Lease(ctx, "k2", "s1", f.e.Today(), 8)
	if err != nil || l.First != 9 || l.Last != 10 {
		t.Fatalf("lease cut at NumberMax: %+v, %v", l, err)
	}
	if _, err := f.e.Issue(ctx, IssueRequest{Service: "s1"}); CodeOf(err) != CodeCapReached {
		t.Fatalf("issue past NumberMax: %v", err)
	}
	if _, err := f.e.Lease(ctx, "k1", "s1", f.e.Today(), 1); CodeOf(err) != CodeCapReached {
		t.Fatalf("lease past NumberMax: %v", err)
	}
	if _, err := f.e.LeaseRange(ctx, "k1", "s1", f.e.Today(), 10, 20); CodeOf(err) != CodeInvalid {
		t.Fatalf("range into the hall's series: %v", err)
	}
	if _, err := f.e.LeaseRange(ctx, "k1", "s1", f.e.Today(), 51, 100); err != nil {
		t.Fatal(err)
	}
	if _, err := f.e.LeaseRange(ctx, "k1", "s1", f.e.Today(), 51, 100); err != nil {
		t.Fatalf("same range again: %v", err)
	}
	if _, err := f.e.LeaseRange(ctx, "k2", "s1", f.e.Today(), 91, 140); CodeOf(err) != CodeDuplicate {
		t.Fatalf("overlapping another device's range: %v", err)
	}
	tk, err := f.e.Import(ctx, ImportRequest{DeviceID: "k1", DeviceSeq: 1, Service: "s1", Number: 51, IssuedAt: f.clk.Now()})
	if err != nil || tk.Number != 51 {
		t.Fatalf("import from the range: %+v, %v", tk, err)
	}
	if _, err := f.e.Import(ctx, ImportRequest{DeviceID: "k2", DeviceSeq: 1, Service: "s1", Number: 52, IssuedAt: f.clk.Now()}); CodeOf(err) != CodeNotLeased {
		t.Fatalf("import by another device: %v", err)
	}
}

// TestWindowPreferenceInDefaultHall: window 38 (发票领用) helps out with
// 企业开办 but calls its own service first, even when the other ticket is
// older; with none of its own waiting it takes the other.
func TestWindowPreferenceInDefaultHall(t *testing.T) {
	f := newFixture(t, nil)
	w, _ := f.e.cat.Window(38)
	if !w.Prefers("tax-invoice") || !w.Authorised("company-startup") || w.Prefers("company-startup") {
		t.Fatalf("window 38: %+v", w)
	}
	older := f.issue(t, IssueRequest{Service: "company-startup"})
	f.clk.Advance(5 * time.Minute)
	own := f.issue(t, IssueRequest{Service: "tax-invoice"})
	c, err := f.e.CallNext(ctx, 38, "s1")
	if err != nil || c.ID != own.ID {
		t.Fatalf("window 38 called %v, %v; want its own %s", c, err, own.Label)
	}
	if _, err := f.e.Start(ctx, 38, "s1"); err != nil {
		t.Fatal(err)
	}
	c, err = f.e.CallNext(ctx, 38, "s1")
	if err != nil || c.ID != older.ID {
		t.Fatalf("window 38 called %v, %v; want %s once its own queue is empty", c, err, older.Label)
	}
}

// tamper changes one character in the middle of a code's signature (the
// last characters may carry unused bits, and may already read "AAA").
func tamper(code string) string {
	b := []byte(code)
	i := len(b) - 10
	if b[i] == 'A' {
		b[i] = 'B'
	} else {
		b[i] = 'A'
	}
	return string(b)
}
