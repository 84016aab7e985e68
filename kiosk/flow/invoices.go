package flow

import (
	"context"
	"errors"
)

// InvoiceState is the invoice pickup's part of the State.
type InvoiceState struct {
	Invoices []Invoice // ready for pickup
	Selected []bool    // which of them to collect, by index
}

func (s InvoiceState) clone() InvoiceState {
	s.Selected = append([]bool(nil), s.Selected...)
	return s
}

// wipeInvoices (lock held) forgets the card holder's invoices.
func (f *Flow) wipeInvoices() { f.st.InvoiceState = InvoiceState{} }

// StartInvoices asks for the ID card to list invoices ready for pickup.
func (f *Flow) StartInvoices() {
	f.update(func() {
		if !f.allows(ActInvoices) || !f.st.Has.Invoices {
			return
		}
		if key := f.printerKey(); key != "" {
			f.message(key)
			return
		}
		if f.st.Faults.Reader {
			f.message("msg.readerfault")
			return
		}
		step, ctx := f.goTo(ScreenInvoiceID)
		f.st.Message = "invoice.lay"
		f.say("invoice.lay")
		f.readCard(ctx, step, f.cardWait(), func(c *Citizen) {
			if c == nil {
				f.message("realname.timeout")
				return
			}
			cc := *c
			f.spawn(func() {
				list, err := f.d.Invoices.PendingInvoices(ctx, cc)
				f.at(step, func() {
					switch {
					case errors.Is(err, ErrUnavailable):
						f.log.Warn("kiosk invoice lookup: desk unavailable", "err", err)
						f.message("invoice.unavailable")
					case err != nil:
						f.log.Warn("kiosk invoice lookup failed", "err", err)
						f.message("msg.error")
					case len(list) == 0:
						f.message("invoice.none")
					default:
						f.goTo(ScreenInvoices)
						f.st.Invoices = list
						f.st.Selected = make([]bool, len(list))
						for i := range f.st.Selected {
							f.st.Selected[i] = true
						}
						f.say("invoice.pick")
					}
				})
			})
		})
	})
}

// ToggleInvoice selects or deselects invoice i.
func (f *Flow) ToggleInvoice(i int) {
	f.update(func() {
		if !f.allows(ActInvoice) || i < 0 || i >= len(f.st.Selected) {
			return
		}
		f.st.Selected[i] = !f.st.Selected[i]
		f.touch()
	})
}

// CollectInvoices marks the selected invoices collected and prints the slip.
func (f *Flow) CollectInvoices() {
	f.update(func() {
		if !f.allows(ActCollect) || f.citizen == nil {
			return
		}
		var ids []string
		var chosen []Invoice
		for i, inv := range f.st.Invoices {
			if f.st.Selected[i] {
				ids = append(ids, inv.ID)
				chosen = append(chosen, inv)
			}
		}
		if len(ids) == 0 {
			return
		}
		c := *f.citizen
		person := f.st.Person
		step, _ := f.goTo(ScreenBusy)
		f.st.Busy = true
		f.spawn(func() {
			ctx, cancel := context.WithTimeout(f.base, f.opt.PrintTimeout)
			defer cancel()
			code, err := f.d.Invoices.MarkCollected(ctx, c, ids)
			if err == nil {
				err = f.d.SlipPrinter.PrintSlip(ctx, InvoiceSlip{MaskedName: person, Invoices: chosen, Code: code, At: f.clock.Now()})
			}
			f.at(step, func() {
				switch {
				case errors.Is(err, ErrUnavailable):
					f.log.Warn("kiosk invoice pickup: desk unavailable", "err", err)
					f.message("invoice.unavailable")
					return
				case errors.Is(err, ErrNotFound):
					f.log.Warn("kiosk invoice pickup: not waiting any more", "err", err)
					f.message("invoice.gone")
					return
				case err != nil:
					f.log.Warn("kiosk invoice pickup failed", "err", err)
					f.message("msg.error")
					return
				}
				f.goTo(ScreenInvoiceDone)
				f.say("invoice.done")
			})
		})
	})
}
