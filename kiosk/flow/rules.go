package flow

// nav is what every screen but the busy one allows: leave (home, back,
// cancel) and the language and elder-mode switches.
var nav = []ActionKind{ActHome, ActBack, ActCancel, ActLang, ActElder}

// rules says, screen by screen, which actions it allows. It is the one
// place for it: Do refuses any other action with ErrNotAllowed, and every
// method of the flow checks it before anything else. What a method checks
// besides (the feature is wired, the service is open, a rating is chosen)
// is the state of the session, not the screen.
//
// The corner gesture works on every screen but the busy one, the PIN pad
// and maintenance; the language and elder switches work everywhere, even
// while busy.
var rules = [...][]ActionKind{
	ScreenHome:        with(nav, ActCorner, ActZone, ActService, ActAppointment, ActScan, ActRate, ActInvoices),
	ScreenZone:        with(nav, ActCorner, ActZone, ActService),
	ScreenRealName:    with(nav, ActCorner, ActSkip),
	ScreenBusy:        {ActLang, ActElder},
	ScreenTicket:      with(nav, ActCorner, ActRate),
	ScreenPrintFailed: with(nav, ActCorner, ActRetry),
	ScreenMessage:     with(nav, ActCorner),
	ScreenAppointment: with(nav, ActCorner),
	ScreenScan:        with(nav, ActCorner),
	ScreenDocument:    with(nav, ActCorner, ActScan),
	ScreenRating:      with(nav, ActCorner, ActRateLevel, ActReason, ActSubmit),
	ScreenRated:       with(nav, ActCorner),
	ScreenInvoiceID:   with(nav, ActCorner),
	ScreenInvoices:    with(nav, ActCorner, ActInvoice, ActCollect),
	ScreenInvoiceDone: with(nav, ActCorner),
	ScreenPIN:         with(nav, ActPINDigit, ActPINOK, ActPINClear, ActExit),
	ScreenMaintenance: with(nav, ActTestPrint, ActIDTest, ActScanTest, ActSync, ActLogs, ActConfig, ActExit),
}

// The table has a row for every screen (a compile error otherwise).
var _ = [1]struct{}{}[len(rules)-len(screenNames)]

func with(base []ActionKind, more ...ActionKind) []ActionKind {
	return append(append([]ActionKind(nil), base...), more...)
}

// allowed is rules as bit sets.
var allowed = func() (a [len(rules)]uint64) {
	for s, ks := range rules {
		for _, k := range ks {
			a[s] |= 1 << uint(k)
		}
	}
	return a
}()

// The bit sets hold every action.
var _ = [1]struct{}{}[numActions/65]

// Allowed reports whether screen s allows actions of kind k.
func Allowed(s Screen, k ActionKind) bool {
	if s < 0 || int(s) >= len(allowed) || k < 0 || k >= numActions {
		return false
	}
	return allowed[s]&(1<<uint(k)) != 0
}

// AllowedOn returns the actions screen s allows, in vocabulary order.
func AllowedOn(s Screen) []ActionKind {
	var ks []ActionKind
	for _, k := range ActionKinds() {
		if Allowed(s, k) {
			ks = append(ks, k)
		}
	}
	return ks
}

// Allows reports whether the current screen allows actions of kind k.
func (f *Flow) Allows(k ActionKind) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.allows(k)
}

// allows (lock held) is Allows.
func (f *Flow) allows(k ActionKind) bool { return Allowed(f.st.Screen, k) }
