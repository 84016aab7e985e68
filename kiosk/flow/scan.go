package flow

import (
	"errors"
)

// ScanState is the document scan's part of the State.
type ScanState struct {
	Document Document // what the scanned code shows
}

// wipeScan (lock held) forgets the scanned document.
func (f *Flow) wipeScan() { f.st.ScanState = ScanState{} }

// StartScan waits for a licence or certificate QR code.
func (f *Flow) StartScan() {
	f.update(func() {
		if !f.allows(ActScan) || !f.st.Has.Scan {
			return
		}
		f.st.Document = Document{}
		step, ctx := f.goTo(ScreenScan)
		f.st.Message = "scan.how"
		f.say("scan.how")
		f.spawn(func() {
			code, err := f.d.Codes.NextCode(ctx)
			if err != nil {
				return
			}
			doc, err := f.d.Resolver.Resolve(ctx, code)
			f.at(step, func() {
				switch {
				case errors.Is(err, ErrNotFound):
					f.message("scan.notfound")
				case errors.Is(err, ErrUntrusted):
					f.message("scan.untrusted")
				case err != nil:
					f.log.Warn("kiosk document lookup failed", "err", err)
					f.message("scan.offline")
				case doc.Kind == DocUnknown || doc.Kind == DocAppointment || doc.Kind == DocTicket:
					f.message("scan.unknown")
				case doc.Kind == DocUntrusted:
					f.message("scan.untrusted")
				default:
					f.goTo(ScreenDocument)
					f.st.Document = doc
				}
			})
		})
	})
}
