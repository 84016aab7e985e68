package flow

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// ActionKind is one thing a citizen or a technician can do on a kiosk
// screen. The kinds and their names are the kiosk's one action vocabulary:
// kiosk/ui names its buttons and tiles by them (Action.String) and the
// kiosk control endpoint's POST /tap?target=NAME parses them (ParseAction),
// so a script taps exactly what a finger taps.
type ActionKind int

// The actions. The comment gives the documented name (target) of each.
const (
	ActHome        ActionKind = iota // home: back to the home screen, the session wiped
	ActBack                          // back: one level up (document → scan, otherwise home)
	ActLang                          // lang: Chinese ⇄ English
	ActElder                         // elder: elder mode on/off
	ActCorner                        // corner: one tap on the maintenance corner
	ActZone                          // zone:ID: open a zone
	ActService                       // service:ID: take a ticket for a service
	ActSkip                          // skip: no ID card (where the service allows)
	ActRetry                         // retry: print the failed ticket again
	ActCancel                        // cancel: give up (a failed print is voided), home
	ActAppointment                   // appointment: appointment check-in
	ActScan                          // scan: scan a licence or certificate
	ActRate                          // rate: open 好差评
	ActRateLevel                     // rate:N: choose level N (1..5)
	ActReason                        // reason:KEY: toggle a reason of a low rating
	ActSubmit                        // submit: record the rating
	ActInvoices                      // invoice: tax invoice pickup
	ActInvoice                       // invoice:N: toggle invoice N (from 0)
	ActCollect                       // collect: collect the selected invoices
	ActPINDigit                      // pin:D: one PIN digit 0..9
	ActPINOK                         // pin:ok: check the PIN
	ActPINClear                      // pin:clear: clear the typed PIN
	ActTestPrint                     // maint.testprint
	ActIDTest                        // maint.idtest
	ActScanTest                      // maint.scantest
	ActSync                          // maint.sync
	ActLogs                          // maint.logs
	ActConfig                        // maint.config
	ActExit                          // exit: leave the PIN pad or maintenance
	numActions
)

// argKind says what follows the name in a target.
type argKind int

const (
	argNone  argKind = iota
	argText          // zone:ID, service:ID, reason:KEY
	argNum           // rate:N, invoice:N
	argDigit         // pin:D
)

// actionSpecs gives each kind its name and argument, in the form the
// control endpoint documents.
var actionSpecs = [numActions]struct {
	name, arg string // arg: the placeholder in the documented pattern
	kind      argKind
}{
	ActHome: {"home", "", argNone}, ActBack: {"back", "", argNone}, ActLang: {"lang", "", argNone},
	ActElder: {"elder", "", argNone}, ActCorner: {"corner", "", argNone},
	ActZone: {"zone", "ID", argText}, ActService: {"service", "ID", argText},
	ActSkip: {"skip", "", argNone}, ActRetry: {"retry", "", argNone}, ActCancel: {"cancel", "", argNone},
	ActAppointment: {"appointment", "", argNone}, ActScan: {"scan", "", argNone},
	ActRate: {"rate", "", argNone}, ActRateLevel: {"rate", "N", argNum}, ActReason: {"reason", "KEY", argText},
	ActSubmit:   {"submit", "", argNone},
	ActInvoices: {"invoice", "", argNone}, ActInvoice: {"invoice", "N", argNum}, ActCollect: {"collect", "", argNone},
	ActPINDigit: {"pin", "D", argDigit}, ActPINOK: {"pin:ok", "", argNone}, ActPINClear: {"pin:clear", "", argNone},
	ActTestPrint: {"maint.testprint", "", argNone}, ActIDTest: {"maint.idtest", "", argNone},
	ActScanTest: {"maint.scantest", "", argNone}, ActSync: {"maint.sync", "", argNone},
	ActLogs: {"maint.logs", "", argNone}, ActConfig: {"maint.config", "", argNone},
	ActExit: {"exit", "", argNone},
}

// ActionKinds returns every kind of the vocabulary, in order.
func ActionKinds() []ActionKind {
	ks := make([]ActionKind, numActions)
	for i := range ks {
		ks[i] = ActionKind(i)
	}
	return ks
}

// String returns the kind's documented pattern: "home", "zone:ID",
// "rate:N", "pin:D", ...
func (k ActionKind) String() string {
	if k < 0 || k >= numActions {
		return "unknown"
	}
	s := actionSpecs[k]
	if s.arg == "" {
		return s.name
	}
	return s.name + ":" + s.arg
}

// Action is one action with its argument.
type Action struct {
	Kind ActionKind
	Arg  string // ActZone, ActService: the code; ActReason: the reason key
	N    int    // ActRateLevel: the level; ActInvoice: the index; ActPINDigit: the digit
}

// Act returns the action of a kind that takes no argument.
func Act(k ActionKind) Action { return Action{Kind: k} }

// ActText returns an action whose argument is a code or a key (zone:ID,
// service:ID, reason:KEY).
func ActText(k ActionKind, arg string) Action { return Action{Kind: k, Arg: arg} }

// ActN returns an action whose argument is a number (rate:N, invoice:N,
// pin:D).
func ActN(k ActionKind, n int) Action { return Action{Kind: k, N: n} }

// String returns the action's name as the screens name their buttons and
// the control endpoint takes it: "zone:tax", "rate:4", "pin:7", "home".
func (a Action) String() string {
	if a.Kind < 0 || a.Kind >= numActions {
		return "unknown"
	}
	s := actionSpecs[a.Kind]
	switch s.kind {
	case argText:
		return s.name + ":" + a.Arg
	case argNum, argDigit:
		return s.name + ":" + strconv.Itoa(a.N)
	}
	return s.name
}

// ErrUnknownAction is what ParseAction's errors wrap.
var ErrUnknownAction = errors.New("flow: unknown action")

// TargetError is a target ParseAction cannot read. Its text is the control
// endpoint's reply to it.
type TargetError struct {
	Target string
	Why    string // "bad rating", "bad invoice index", "unknown target"
	Arg    string // what was bad: the argument, or the whole target
}

func (e *TargetError) Error() string { return fmt.Sprintf("%s %q", e.Why, e.Arg) }

// Unwrap returns ErrUnknownAction.
func (e *TargetError) Unwrap() error { return ErrUnknownAction }

// byName maps the names of the kinds without an argument.
var byName = func() map[string]ActionKind {
	m := map[string]ActionKind{}
	for k, s := range actionSpecs {
		if s.kind == argNone {
			m[s.name] = ActionKind(k)
		}
	}
	return m
}()

// ParseAction reads a target as the control endpoint takes it: "zone:ID",
// "service:ID", "rate" (also "rate:"), "rate:N", "reason:KEY", "invoice"
// (also "invoice:"), "invoice:N", "pin:D", "pin:ok", "pin:clear", "cancel"
// (whatever follows a colon), and the plain names. An unknown target or a
// number that does not read gives a *TargetError.
func ParseAction(target string) (Action, error) {
	name, arg, _ := strings.Cut(target, ":")
	switch {
	case name == "zone" && arg != "":
		return ActText(ActZone, arg), nil
	case name == "service" && arg != "":
		return ActText(ActService, arg), nil
	case name == "cancel":
		return Act(ActCancel), nil
	case name == "rate" && arg == "":
		return Act(ActRate), nil
	case name == "rate":
		n, err := strconv.Atoi(arg)
		if err != nil {
			return Action{}, &TargetError{Target: target, Why: "bad rating", Arg: arg}
		}
		return ActN(ActRateLevel, n), nil
	case name == "reason" && arg != "":
		return ActText(ActReason, arg), nil
	case name == "invoice" && arg == "":
		return Act(ActInvoices), nil
	case name == "invoice":
		n, err := strconv.Atoi(arg)
		if err != nil {
			return Action{}, &TargetError{Target: target, Why: "bad invoice index", Arg: arg}
		}
		return ActN(ActInvoice, n), nil
	case name == "pin" && len(arg) == 1 && arg[0] >= '0' && arg[0] <= '9':
		return ActN(ActPINDigit, int(arg[0]-'0')), nil
	}
	if k, ok := byName[target]; ok {
		return Act(k), nil
	}
	return Action{}, &TargetError{Target: target, Why: "unknown target", Arg: target}
}

// ErrNotAllowed is Do's answer to an action the current screen does not
// allow (see Allowed); nothing changed.
var ErrNotAllowed = errors.New("flow: action not allowed on this screen")

// Do performs the action: the same as calling its method (OpenZone,
// PickService, SetRating, ...). It returns ErrNotAllowed, and does
// nothing, when the current screen does not allow the action. A screen that
// allows it may still find nothing to do (an unknown zone, a level out of
// range, no PIN configured); then Do returns nil and nothing changes, as the
// method would.
func (f *Flow) Do(a Action) error {
	if !f.Allows(a.Kind) {
		return ErrNotAllowed
	}
	return f.dispatch(a)
}

// dispatch calls the action's method (which checks the rules itself).
func (f *Flow) dispatch(a Action) error {
	switch a.Kind {
	case ActHome:
		f.Home()
	case ActBack:
		f.Back()
	case ActLang:
		f.ToggleLang()
	case ActElder:
		f.ToggleElder()
	case ActCorner:
		f.SecretTap()
	case ActZone:
		f.OpenZone(a.Arg)
	case ActService:
		f.PickService(a.Arg)
	case ActSkip:
		f.SkipRealName()
	case ActRetry:
		f.RetryPrint()
	case ActCancel:
		f.Cancel()
	case ActAppointment:
		f.StartAppointment()
	case ActScan:
		f.StartScan()
	case ActRate:
		f.StartRating()
	case ActRateLevel:
		f.SetRating(a.N)
	case ActReason:
		f.ToggleReason(a.Arg)
	case ActSubmit:
		f.SubmitRating()
	case ActInvoices:
		f.StartInvoices()
	case ActInvoice:
		f.ToggleInvoice(a.N)
	case ActCollect:
		f.CollectInvoices()
	case ActPINDigit:
		if a.N < 0 || a.N > 9 {
			return nil
		}
		f.PINDigit(byte('0' + a.N))
	case ActPINOK:
		f.PINSubmit()
	case ActPINClear:
		f.PINClear()
	case ActTestPrint:
		f.MaintTestPrint()
	case ActIDTest:
		f.MaintIDTest()
	case ActScanTest:
		f.MaintScanTest()
	case ActSync:
		f.MaintSync()
	case ActLogs:
		f.MaintLogs()
	case ActConfig:
		f.MaintConfig()
	case ActExit:
		f.MaintExit()
	default:
		return ErrUnknownAction
	}
	return nil
}

// Cancel gives up what the screen shows: a failed print is voided
// (CancelPrint); on any other screen it is Home.
func (f *Flow) Cancel() {
	f.mu.Lock()
	s := f.st.Screen
	f.mu.Unlock()
	if s == ScreenPrintFailed {
		f.CancelPrint()
		return
	}
	f.Home()
}
