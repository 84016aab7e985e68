package flow

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"hallkiosk/kiosk/i18n"
)

// Tests of issue 12: sessions that end, a home screen that tells the truth
// about the hall and the devices, 好差评 tied to an identified ticket, the
// idle countdown and the card reminder.

func TestSessionEndsOnHomeAndIdle(t *testing.T) {
	r := newRig(t, Options{})
	r.f.PickService("TAX-REG")
	r.waitScreen(t, ScreenTicket)
	r.f.Home()
	r.f.StartRating()
	if s := r.waitScreen(t, ScreenRating); s.RateTicket != "" {
		t.Fatalf("after 返回首页 the next citizen's rating shows ticket %q", s.RateTicket)
	}
	r.f.Home()
	r.f.PickService("TAX-REG")
	r.waitScreen(t, ScreenTicket)
	r.clock.Advance(DefaultOptions.Result) // result timeout
	r.waitScreen(t, ScreenHome)
	r.f.StartRating()
	if s := r.waitScreen(t, ScreenRating); s.RateTicket != "" {
		t.Fatalf("after the result timeout the rating shows ticket %q", s.RateTicket)
	}
	r.clock.Advance(DefaultOptions.Idle)
	s := r.waitScreen(t, ScreenHome)
	if s.Ticket.Number != "" || s.Person != "" || s.RateTicket != "" || s.Countdown != 0 {
		t.Fatalf("session left after idle: %+v", s)
	}
}

type rateFunc func(Rating) error

func (f rateFunc) Rate(_ context.Context, r Rating) error { return f(r) }

func TestRatingRefusedForUnservedTicket(t *testing.T) {
	r := newRig(t, Options{})
	r.f.d.Rater = rateFunc(func(Rating) error { return fmt.Errorf("hall: bad_state: %w", ErrNotRateable) })
	r.f.StartRating()
	r.waitScreen(t, ScreenRating)
	r.codes.codes <- "TK"
	r.wait(t, "scanned ticket", func(s State) bool { return s.RateTicket == "A007" })
	r.f.SetRating(5)
	r.f.SubmitRating()
	s := r.waitScreen(t, ScreenMessage)
	if s.Message != "rate.notrateable" || len(s.Args) != 1 || s.Args[0] != "A007" {
		t.Fatalf("message %q %v", s.Message, s.Args)
	}
	if !strings.Contains(i18n.ZH.T(s.Message), "尚未办结") || i18n.ZH.T(s.Message+".at", s.Args...) != "号票 A007" {
		t.Fatal(i18n.ZH.T(s.Message), i18n.ZH.T(s.Message+".at", s.Args...))
	}
}

type servedFunc func(Citizen) (Document, error)

func (f servedFunc) ServedTicket(_ context.Context, c Citizen) (Document, error) { return f(c) }

func TestRatingByIDCardOfServedTicket(t *testing.T) {
	r := newRig(t, Options{})
	r.f.d.Served = servedFunc(func(c Citizen) (Document, error) {
		if c.IDNumber == zhang.IDNumber {
			return Document{Kind: DocTicket, Title: "C012", Ref: "t-12"}, nil
		}
		return Document{}, ErrNotFound
	})
	r.f.StartRating()
	r.waitScreen(t, ScreenRating)
	r.reader.cards <- zhang
	s := r.wait(t, "ticket by card", func(s State) bool { return s.RateTicket != "" })
	if s.RateTicket != "C012" {
		t.Fatalf("rate ticket %q", s.RateTicket)
	}
	r.f.SetRating(4)
	r.f.SubmitRating()
	r.waitScreen(t, ScreenRated)
	if got := r.rater.rs[0]; got.Ref != "t-12" || got.Ticket != "C012" {
		t.Fatalf("rating %+v", got)
	}

	r.f.Home()
	r.f.StartRating()
	r.waitScreen(t, ScreenRating)
	r.reader.cards <- Citizen{Name: "李四", IDNumber: "620981199001011234"}
	s = r.wait(t, "no served ticket", func(s State) bool { return s.Message == "rate.noserved" })
	if s.RateTicket != "" {
		t.Fatalf("rate ticket %q for a card without a served ticket", s.RateTicket)
	}
}

func TestOfflineFlagKept(t *testing.T) {
	r := newRig(t, Options{})
	// A source that fell back to the catalogue's hours: no error, Online false.
	r.f.d.Status = statusFunc(func() HallStatus {
		return HallStatus{Open: true, Online: false, Services: map[string]ServiceStatus{"TAX-REG": {Open: true}}}
	})
	if err := r.f.Refresh(t.Context()); err != nil {
		t.Fatal(err)
	}
	if s := r.f.State(); s.Hall.Online || !s.Hall.Open {
		t.Fatalf("hall online %v open %v, want offline and open", s.Hall.Online, s.Hall.Open)
	}
	r.f.d.Status = statusFunc(func() HallStatus { return HallStatus{Open: true, Online: true} })
	_ = r.f.Refresh(t.Context())
	if !r.f.State().Hall.Online {
		t.Fatal("online source shown offline")
	}
}

type openingFunc func(string, time.Time) (time.Time, bool, bool)

func (f openingFunc) NextOpen(s string, t time.Time) (time.Time, bool, bool) { return f(s, t) }

func TestClosedAndLunchSayWhen(t *testing.T) {
	r := newRig(t, Options{})
	now := r.clock.Now()
	lunch := true
	r.f.d.Opening = openingFunc(func(s string, t time.Time) (time.Time, bool, bool) {
		if lunch {
			return time.Date(t.Year(), t.Month(), t.Day(), 14, 0, 0, 0, t.Location()), true, true
		}
		return time.Date(t.Year(), t.Month(), t.Day()+1, 8, 30, 0, 0, t.Location()), false, true
	})
	r.f.d.Status = statusFunc(func() HallStatus {
		return HallStatus{Open: false, Online: true, Services: map[string]ServiceStatus{"TAX-REG": {Open: false}, "TAX-INV": {Open: true}}}
	})
	_ = r.f.Refresh(t.Context())
	s := r.f.State()
	if !s.Lunch || s.Reopen.Hour() != 14 {
		t.Fatalf("lunch %v reopen %v", s.Lunch, s.Reopen)
	}
	if _, ok := s.Opens["TAX-INV"]; ok {
		t.Fatal("an open service has a reopening time")
	}
	r.f.PickService("TAX-REG")
	s = r.waitScreen(t, ScreenMessage)
	if got := i18n.ZH.T(s.Message+".at", s.Args...); s.Message != "msg.lunch" || !strings.Contains(got, "14:00") {
		t.Fatalf("lunch message %q: %s", s.Message, got)
	}
	r.f.Home()
	lunch = false
	_ = r.f.Refresh(t.Context())
	r.f.PickService("TAX-REG")
	s = r.waitScreen(t, ScreenMessage)
	if got := i18n.EN.T(s.Message+".at", s.Args...); s.Message != "msg.closed" || !strings.Contains(got, "tomorrow 08:30") {
		t.Fatalf("closed message %q: %s", s.Message, got)
	}
	if got := i18n.ZH.T("home.closed.until", i18n.At{T: r.f.State().Reopen, Now: now}); !strings.Contains(got, "明天 08:30") {
		t.Fatal(got)
	}
}

type faultsVar struct {
	mu sync.Mutex
	f  Faults
}

func (v *faultsVar) Faults() Faults { v.mu.Lock(); defer v.mu.Unlock(); return v.f }
func (v *faultsVar) set(f Faults)   { v.mu.Lock(); v.f = f; v.mu.Unlock() }
func (r *rig) faults(t *testing.T) *faultsVar {
	v := &faultsVar{}
	r.f.d.Faults = v
	return v
}

func TestPaperOutBurnsNoNumberAndReports(t *testing.T) {
	r := newRig(t, Options{})
	fv := r.faults(t)
	var mu sync.Mutex
	var events []string
	r.f.d.HealthEvent = func(dev, state string) { mu.Lock(); events = append(events, dev+"="+state); mu.Unlock() }
	fv.set(Faults{Printer: PrinterPaper})
	_ = r.f.Refresh(t.Context())
	r.f.PickService("TAX-REG")
	s := r.waitScreen(t, ScreenMessage)
	if s.Message != "msg.paperout" || !strings.Contains(i18n.ZH.T(s.Message), "缺纸") || strings.Contains(i18n.ZH.T(s.Message), "咨询台") {
		t.Fatalf("message %q: %s", s.Message, i18n.ZH.T(s.Message))
	}
	if reqs, _, _ := r.issuer.snapshot(); len(reqs) != 0 {
		t.Fatalf("issued %d tickets with the printer out of paper", len(reqs))
	}
	r.f.Home()
	r.f.StartInvoices() // the slip needs the printer too
	if s := r.waitScreen(t, ScreenMessage); s.Message != "msg.paperout" {
		t.Fatalf("invoices: %q", s.Message)
	}
	r.f.Home()
	r.f.StartScan() // needs no printer
	r.waitScreen(t, ScreenScan)
	mu.Lock()
	got := strings.Join(events, ",")
	mu.Unlock()
	if got != "printer=paper" {
		t.Fatalf("health events %q", got)
	}
	fv.set(Faults{})
	_ = r.f.Refresh(t.Context())
	mu.Lock()
	defer mu.Unlock()
	if strings.Join(events, ",") != "printer=paper,printer=ok" {
		t.Fatalf("health events %v", events)
	}
}

func TestPrintFailureReadsFaultsForTheNextCitizen(t *testing.T) {
	r := newRig(t, Options{})
	fv := r.faults(t)
	r.printer.fail = 1
	fv.set(Faults{Printer: PrinterPaper}) // what the printer reports once it failed
	r.f.st.Faults = Faults{}              // not yet polled when the citizen tapped
	r.f.issue0("TAX-REG")
	r.waitScreen(t, ScreenPrintFailed)
	if r.f.State().Faults.Printer != PrinterPaper {
		t.Fatal("faults not read after the print failure")
	}
}

// issue0 issues without the home checks (the fault was not known yet).
func (f *Flow) issue0(code string) {
	f.update(func() { f.st.Service = f.st.Services[code]; f.issue(IssueRequest{Service: code}) })
}

type probeReader struct {
	*fakeReader
	mu       sync.Mutex
	deadline time.Duration
	err      error
}

func (p *probeReader) Probe(ctx context.Context) error {
	d, _ := ctx.Deadline()
	p.mu.Lock()
	p.deadline = time.Until(d)
	p.mu.Unlock()
	return p.err
}

func TestReaderFaultIsNotTheCitizens(t *testing.T) {
	r := newRig(t, Options{})
	fv := r.faults(t)
	r.f.d.Health = staticHealth{{Name: "idcard", OK: true, Detail: "/dev/ttyUSB0"}}
	fv.set(Faults{Reader: true})
	_ = r.f.Refresh(t.Context())
	r.f.PickService("POL-HUKOU") // required
	if s := r.waitScreen(t, ScreenMessage); s.Message != "msg.readerfault" {
		t.Fatalf("required real-name with a dead reader: %q", s.Message)
	}
	r.f.Home()
	r.f.PickService("TAX-INV") // optional: the card step says so, 跳过 issues
	if s := r.waitScreen(t, ScreenRealName); s.Message != "home.readerfault" || !s.CanSkip {
		t.Fatalf("optional real name with a dead reader: %q skip %v", s.Message, s.CanSkip)
	}
	r.f.SkipRealName()
	r.waitScreen(t, ScreenTicket)
	r.f.Home()

	// The reader dies while a citizen waits: the timeout blames the reader.
	fv.set(Faults{})
	_ = r.f.Refresh(t.Context())
	r.f.PickService("POL-HUKOU")
	r.waitScreen(t, ScreenRealName)
	fv.set(Faults{Reader: true})
	r.clock.Advance(DefaultOptions.CardWait)
	if s := r.waitScreen(t, ScreenMessage); s.Message != "msg.readerfault" {
		t.Fatalf("card wait with a dead reader: %q", s.Message)
	}
	r.f.Home()

	// Maintenance shows the fault; the ID test answers at once.
	pr := &probeReader{fakeReader: r.reader, err: errors.New("idcard: no reply")}
	r.f.d.Reader = pr
	enterMaintenance(t, r)
	s := r.wait(t, "health", func(s State) bool { return len(s.Health) > 0 })
	if s.Health[0].OK || !strings.Contains(s.Health[0].Detail, "does not answer") {
		t.Fatalf("health %+v", s.Health)
	}
	r.f.MaintIDTest()
	s = r.wait(t, "id test", func(s State) bool { return !s.Busy && len(s.MaintOutput) > 1 })
	if !strings.Contains(s.MaintOutput[1], "does not answer") || strings.Contains(s.MaintOutput[1], "deadline") {
		t.Fatalf("id test output %q", s.MaintOutput)
	}
	pr.mu.Lock()
	defer pr.mu.Unlock()
	if pr.deadline <= 0 || pr.deadline > 3*time.Second {
		t.Fatalf("probe deadline %v, want within 3 s", pr.deadline)
	}
}

type staticHealth []DeviceStatus

func (h staticHealth) Health(context.Context) []DeviceStatus {
	return append([]DeviceStatus(nil), h...)
}

func enterMaintenance(t *testing.T, r *rig) {
	t.Helper()
	for range 5 {
		r.f.SecretTap()
	}
	for _, d := range "2468" {
		r.f.PINDigit(byte(d))
	}
	r.f.PINSubmit()
	r.waitScreen(t, ScreenMaintenance)
}

func TestIdleCountdown(t *testing.T) {
	r := newRig(t, Options{})
	r.f.OpenZone("TAX")
	r.clock.Advance(49 * time.Second)
	if c := r.f.State().Countdown; c != 0 {
		t.Fatalf("countdown %d at 49 s", c)
	}
	r.clock.Advance(time.Second)
	if c := r.f.State().Countdown; c != 10 {
		t.Fatalf("countdown %d at 50 s, want 10", c)
	}
	r.clock.Advance(time.Second)
	if c := r.f.State().Countdown; c != 9 {
		t.Fatalf("countdown %d at 51 s, want 9", c)
	}
	r.f.ToggleLang() // a touch: the countdown goes and the idle time starts again
	if s := r.f.State(); s.Countdown != 0 || s.Screen != ScreenZone {
		t.Fatalf("after a touch: countdown %d screen %v", s.Countdown, s.Screen)
	}
	r.clock.Advance(50 * time.Second)
	if c := r.f.State().Countdown; c != 10 {
		t.Fatalf("countdown %d after the touch + 50 s", c)
	}
	for range 9 {
		r.clock.Advance(time.Second)
	}
	if s := r.f.State(); s.Countdown != 1 || s.Screen != ScreenZone {
		t.Fatalf("countdown %d screen %v at 59 s", s.Countdown, s.Screen)
	}
	r.clock.Advance(time.Second)
	r.waitScreen(t, ScreenHome)
}

func TestTakeCardReminder(t *testing.T) {
	r := newRig(t, Options{})
	r.f.PickService("POL-HUKOU")
	r.waitScreen(t, ScreenRealName)
	if r.f.State().TakeCard {
		t.Fatal("reminder before the card was laid")
	}
	r.reader.cards <- zhang
	s := r.waitScreen(t, ScreenTicket)
	if !s.TakeCard {
		t.Fatal("no 请取回身份证 reminder after the card step")
	}
	if i18n.ZH.T("card.take") != "请取回身份证" {
		t.Fatal(i18n.ZH.T("card.take"))
	}
	r.f.Home()
	if r.f.State().TakeCard {
		t.Fatal("reminder survived into the next session")
	}
}

type presenceReader struct {
	*fakeReader
	mu      sync.Mutex
	present bool
}

func (p *presenceReader) CardPresent(context.Context) (bool, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.present, nil
}

func TestTakeCardWhileCardStays(t *testing.T) {
	old := cardPoll
	cardPoll = time.Millisecond
	t.Cleanup(func() { cardPoll = old })
	r := newRig(t, Options{})
	pr := &presenceReader{fakeReader: r.reader, present: true}
	r.f.d.Reader = pr
	r.f.PickService("POL-HUKOU")
	r.waitScreen(t, ScreenRealName)
	r.reader.cards <- zhang
	r.waitScreen(t, ScreenTicket)
	r.wait(t, "reminder", func(s State) bool { return s.TakeCard })
	r.f.Home()
	if !r.f.State().TakeCard {
		t.Fatal("the card still lies there: the reminder must stay")
	}
	pr.mu.Lock()
	pr.present = false
	pr.mu.Unlock()
	r.wait(t, "reminder gone", func(s State) bool { return !s.TakeCard })
}

// TestMissingSoundCardShownInMaintenance: a kiosk without a sound card (the
// elder-mode prompts cannot play) tells the technician in maintenance, not
// only in the log.
func TestMissingSoundCardShownInMaintenance(t *testing.T) {
	r := newRig(t, Options{})
	fv := r.faults(t)
	r.f.d.Health = staticHealth{{Name: "printer", OK: true, Detail: "ok"}}
	fv.set(Faults{NoSound: true})
	_ = r.f.Refresh(t.Context())
	enterMaintenance(t, r)
	s := r.wait(t, "health", func(s State) bool { return len(s.Health) > 0 })
	for _, h := range s.Health {
		if h.Name == "voice" && !h.OK && strings.Contains(h.Detail, "no sound card") {
			return
		}
	}
	t.Fatalf("maintenance health without the missing sound card: %+v", s.Health)
}
