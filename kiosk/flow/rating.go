package flow

import (
	"context"
	"errors"
)

// RatingState is the 好差评 journey's part of the State.
type RatingState struct {
	Rating        int      // level chosen, 1..5; 0: none yet
	RateTicket    string   // number of the ticket being rated, once identified
	Reasons       []string // chosen reason keys
	ReasonChoices []string // reason keys offered for ratings 1 and 2 (Options.Reasons)
}

func (s RatingState) clone() RatingState {
	s.Reasons = append([]string(nil), s.Reasons...)
	return s
}

// rateSession is what the flow keeps of the ticket being rated beyond the
// State: what identifies it to the hall.
type rateSession struct {
	ref     string // issuer id of the ticket being rated
	offline bool   // the ticket was issued offline (ref is the kiosk's own)
	code    string // the signed code the citizen scanned to identify it
}

// wipeRating (lock held) forgets the rating; the reasons offered stay.
func (f *Flow) wipeRating() {
	f.st.RatingState = RatingState{ReasonChoices: f.st.ReasonChoices}
	f.rate = rateSession{}
}

// StartRating opens the 好差评 screen. It is tied to a ticket only when the
// citizen identifies one: by scanning the ticket's QR code, or by laying the
// ID card of a served real-name ticket (Deps.Served). A ticket just taken
// is not served yet and is never offered.
func (f *Flow) StartRating() {
	f.update(func() {
		if !f.allows(ActRate) || !f.st.Has.Rating {
			return
		}
		step, ctx := f.goTo(ScreenRating)
		f.st.Rating, f.st.Reasons = 0, nil
		f.st.RateTicket, f.rate = "", rateSession{}
		if f.d.Codes != nil && f.d.Resolver != nil {
			f.spawn(func() {
				for ctx.Err() == nil {
					code, err := f.d.Codes.NextCode(ctx)
					if err != nil {
						return
					}
					doc, err := f.d.Resolver.Resolve(ctx, code)
					switch {
					case err == nil && doc.Kind == DocTicket && doc.Ref != "":
						f.at(step, func() {
							f.st.RateTicket, f.rate.ref, f.rate.code = doc.Title, doc.Ref, code
							f.rate.offline = doc.Offline
							f.st.Message = ""
							f.touch()
						})
					default:
						f.at(step, func() { f.st.Message = "rate.badcode"; f.touch() })
					}
				}
			})
		}
		if f.d.Served != nil && f.d.Reader != nil && !f.st.Faults.Reader {
			f.spawn(func() {
				for ctx.Err() == nil {
					c, err := f.d.Reader.ReadCard(ctx)
					if err != nil {
						if ctx.Err() != nil {
							return
						}
						f.pause(ctx, f.opt.CardRetry) // a broken reader must not spin
						continue
					}
					doc, err := f.d.Served.ServedTicket(ctx, c)
					c = Citizen{}
					f.at(step, func() {
						if err != nil || doc.Ref == "" {
							f.st.Message = "rate.noserved"
						} else {
							f.st.RateTicket, f.rate.ref, f.rate.code, f.st.Message = doc.Title, doc.Ref, doc.Code, ""
							f.rate.offline = doc.Offline
						}
						f.touch()
					})
					f.mu.Lock()
					f.watchCard()
					f.mu.Unlock()
					return // one card per rating screen
				}
			})
		}
	})
}

// SetRating chooses a level 1..5.
func (f *Flow) SetRating(level int) {
	f.update(func() {
		if !f.allows(ActRateLevel) || level < 1 || level > 5 {
			return
		}
		f.st.Rating = level
		if level > 2 {
			f.st.Reasons = nil
		}
		f.touch()
	})
}

// ToggleReason adds or removes a reason (only for ratings 1 and 2).
func (f *Flow) ToggleReason(key string) {
	f.update(func() {
		if !f.allows(ActReason) || f.st.Rating == 0 || f.st.Rating > 2 {
			return
		}
		for i, r := range f.st.Reasons {
			if r == key {
				f.st.Reasons = append(f.st.Reasons[:i:i], f.st.Reasons[i+1:]...)
				f.touch()
				return
			}
		}
		for _, r := range f.st.ReasonChoices {
			if r == key {
				f.st.Reasons = append(f.st.Reasons, key)
			}
		}
		f.touch()
	})
}

// SubmitRating records the rating.
func (f *Flow) SubmitRating() {
	f.update(func() {
		if !f.allows(ActSubmit) || f.st.Rating == 0 {
			return
		}
		r := Rating{Ticket: f.st.RateTicket, Ref: f.rate.ref, Offline: f.rate.offline, Code: f.rate.code, Level: f.st.Rating, Reasons: append([]string(nil), f.st.Reasons...), At: f.clock.Now()}
		step, _ := f.goTo(ScreenBusy)
		f.st.Busy = true
		f.spawn(func() {
			ctx, cancel := context.WithTimeout(f.base, f.opt.PrintTimeout)
			defer cancel()
			err := f.d.Rater.Rate(ctx, r)
			f.at(step, func() {
				if errors.Is(err, ErrNotRateable) {
					f.log.Info("kiosk rating refused", "err", err)
					f.message("rate.notrateable", r.Ticket)
					return
				}
				if err != nil {
					f.log.Warn("kiosk rating failed", "err", err)
					f.message("msg.error")
					return
				}
				f.goTo(ScreenRated)
				f.say("rate.thanks")
			})
		})
	})
}
