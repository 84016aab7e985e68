package adapters

import (
	"strings"

	"hallkiosk/kiosk/flow"
)

// offlineRef starts the "id" field of the signed code printed on a ticket
// issued offline: "offline:SEQ", the kiosk's own reference (docs/API.md,
// "Ticket progress page"), which the hall's progress page and a kiosk's
// rating screen read back from the paper. Inside the kiosk an offline
// ticket is flow.Ticket.Offline with the bare sequence as its Ref; the
// prefixed form, which kiosks once handed around as the Ref itself, is
// still read (parseRef), so codes printed before an upgrade keep working.
const offlineRef = "offline:"

// codeID is the "id" field of t's signed code: the hall's ticket id, or
// offlineRef and the kiosk's sequence for an offline ticket.
func codeID(t flow.Ticket) string {
	if t.Offline {
		return offlineRef + t.Ref
	}
	return t.Ref
}

// parseRef reads a ticket reference as codes carry it: "offline:SEQ" is
// the offline ticket SEQ; anything else is the reference as it is.
func parseRef(ref string) (string, bool) {
	if rest, ok := strings.CutPrefix(ref, offlineRef); ok {
		return rest, true
	}
	return ref, false
}
