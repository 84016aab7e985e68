package flow

import (
	"errors"
	"reflect"
	"slices"
	"testing"
)

// sample is an action of kind k with an argument the test rig knows.
func sample(k ActionKind) Action {
	switch k {
	case ActZone:
		return ActText(k, "TAX")
	case ActService:
		return ActText(k, "TAX-REG")
	case ActReason:
		return ActText(k, "reason.wait")
	case ActRateLevel:
		return ActN(k, 4)
	case ActInvoice:
		return ActN(k, 0)
	case ActPINDigit:
		return ActN(k, 2)
	}
	return Act(k)
}

// comparable drops what changes with every update (Seq).
func comparable(s State) State { s.Seq = 0; return s }

// TestRulesRefuse puts the flow on every screen and tries every action the
// rules table does not allow there: Do answers ErrNotAllowed, and the
// action's own method (called past Do) changes nothing either, since it
// checks the same table.
func TestRulesRefuse(t *testing.T) {
	refused := 0
	for s := range Screen(len(screenNames)) {
		for _, k := range ActionKinds() {
			if Allowed(s, k) {
				continue
			}
			t.Run(s.String()+"/"+k.String(), func(t *testing.T) {
				r := newRig(t, Options{})
				r.f.update(func() { r.f.goTo(s) })
				before := comparable(r.f.State())
				a := sample(k)
				if err := r.f.Do(a); !errors.Is(err, ErrNotAllowed) {
					t.Fatalf("Do(%v) on %v: %v, want ErrNotAllowed", a, s, err)
				}
				if err := r.f.dispatch(a); err != nil {
					t.Fatalf("dispatch(%v): %v", a, err)
				}
				if after := comparable(r.f.State()); !reflect.DeepEqual(before, after) {
					t.Fatalf("%v on %v changed the session:\nbefore %+v\nafter  %+v", a, s, before, after)
				}
				_, confirmed, _ := r.issuer.snapshot()
				if len(confirmed) != 0 || len(r.printer.printed) != 0 {
					t.Fatalf("%v on %v issued or printed", a, s)
				}
			})
			refused++
		}
	}
	if refused == 0 {
		t.Fatal("no action is refused anywhere")
	}
}

// TestRulesTable pins what the table says for the screens a script walks
// and that every screen can be left.
func TestRulesTable(t *testing.T) {
	for _, c := range []struct {
		s    Screen
		want []ActionKind
	}{
		{ScreenHome, []ActionKind{ActHome, ActBack, ActLang, ActElder, ActCorner, ActZone, ActService, ActCancel,
			ActAppointment, ActScan, ActRate, ActInvoices}},
		{ScreenBusy, []ActionKind{ActLang, ActElder}},
		{ScreenRealName, []ActionKind{ActHome, ActBack, ActLang, ActElder, ActCorner, ActSkip, ActCancel}},
		{ScreenRating, []ActionKind{ActHome, ActBack, ActLang, ActElder, ActCorner, ActCancel, ActRateLevel, ActReason, ActSubmit}},
		{ScreenPIN, []ActionKind{ActHome, ActBack, ActLang, ActElder, ActCancel, ActPINDigit, ActPINOK, ActPINClear, ActExit}},
	} {
		if got := AllowedOn(c.s); !slices.Equal(got, c.want) {
			t.Errorf("%v allows %v, want %v", c.s, got, c.want)
		}
	}
	for s := range Screen(len(screenNames)) {
		if s != ScreenBusy && !Allowed(s, ActHome) {
			t.Errorf("%v cannot be left", s)
		}
	}
	if Allowed(Screen(len(screenNames)), ActHome) || Allowed(ScreenHome, numActions) || Allowed(-1, ActHome) {
		t.Error("out-of-range screen or action allowed")
	}
}

// TestActionNames: every kind's name reads back to the same action, and
// the kinds' patterns are distinct.
func TestActionNames(t *testing.T) {
	seen := map[string]bool{}
	for _, k := range ActionKinds() {
		a := sample(k)
		got, err := ParseAction(a.String())
		if err != nil || got != a {
			t.Errorf("ParseAction(%q) = %+v, %v; want %+v", a.String(), got, err, a)
		}
		if p := k.String(); seen[p] || p == "unknown" {
			t.Errorf("pattern %q twice or unknown", p)
		} else {
			seen[p] = true
		}
	}
	for _, c := range []struct{ target, err string }{
		{"rate:x", `bad rating "x"`}, {"invoice:-x", `bad invoice index "-x"`}, {"pin:12", `unknown target "pin:12"`},
		{"zone:", `unknown target "zone:"`}, {"", `unknown target ""`}, {"home:x", `unknown target "home:x"`},
	} {
		_, err := ParseAction(c.target)
		if err == nil || err.Error() != c.err || !errors.Is(err, ErrUnknownAction) {
			t.Errorf("ParseAction(%q): %v, want %s", c.target, err, c.err)
		}
	}
	for target, want := range map[string]Action{"rate:": Act(ActRate), "invoice:": Act(ActInvoices),
		"cancel:x": Act(ActCancel), "zone:a:b": ActText(ActZone, "a:b"), "rate:+4": ActN(ActRateLevel, 4)} {
		if got, err := ParseAction(target); err != nil || got != want {
			t.Errorf("ParseAction(%q) = %+v, %v; want %+v", target, got, err, want)
		}
	}
}

// FuzzParseAction: any target either fails with a *TargetError or reads
// to an action whose name reads back to the same action.
func FuzzParseAction(f *testing.F) {
	for _, s := range []string{"zone:tax", "service:tax-filing", "rate", "rate:", "rate:4", "rate:x", "invoice:0",
		"invoice:99999999999999999999", "pin:7", "pin:ok", "pin:", "cancel:1", ":", "", "maint.logs", "reason:reason.wait"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, target string) {
		a, err := ParseAction(target)
		if err != nil {
			var te *TargetError
			if !errors.As(err, &te) || te.Target != target {
				t.Fatalf("ParseAction(%q): %v", target, err)
			}
			return
		}
		b, err := ParseAction(a.String())
		if err != nil || b != a {
			t.Fatalf("%q → %+v → %q → %+v, %v", target, a, a.String(), b, err)
		}
	})
}
