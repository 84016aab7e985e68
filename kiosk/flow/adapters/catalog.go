package adapters

import (
	"context"
	"time"

	"hallkiosk/kiosk/flow"
	"hallkiosk/queue/catalog"
)

// Catalogue presents a catalog.Catalog to the flow.
type Catalogue struct{ C *catalog.Catalog }

var _ flow.Catalogue = Catalogue{}

// Zones returns the catalogue's zones and services in catalogue order.
func (c Catalogue) Zones() []flow.Zone {
	var out []flow.Zone
	for _, z := range c.C.Zones {
		fz := flow.Zone{Code: z.ID, NameZH: z.Name, NameEN: z.NameEN}
		for i := range z.Services {
			s := &z.Services[i]
			fz.Services = append(fz.Services, flow.Service{Code: s.ID, NameZH: s.Name, NameEN: s.NameEN,
				Prefix: s.Prefix, RealName: realName(s.RealNameMode())})
		}
		if len(fz.Services) > 0 {
			out = append(out, fz)
		}
	}
	return out
}

func realName(r catalog.RealName) flow.RealName {
	switch r {
	case catalog.RealNameNone:
		return flow.RealNameNone
	case catalog.RealNameRequired:
		return flow.RealNameRequired
	}
	return flow.RealNameOptional
}

// Hours reports opening hours and notices from the catalogue alone: what a
// kiosk knows when no live status is at hand (waiting counts stay zero).
type Hours struct {
	C   *catalog.Catalog
	Now func() time.Time // nil: time.Now
}

var _ flow.HallStatusSource = Hours{}

// HallStatus marks each service open or closed at the current time; the
// hall counts as open while any service that is not 24×7 is open.
func (h Hours) HallStatus(context.Context) (flow.HallStatus, error) {
	now := time.Now()
	if h.Now != nil {
		now = h.Now()
	}
	loc := h.C.Location()
	st := flow.HallStatus{Services: map[string]flow.ServiceStatus{}, Notices: h.C.Hall.Notices, NoticesEN: h.C.Hall.NoticesEN}
	for _, s := range h.C.Services() {
		open := s.OpenAt(now, loc)
		st.Services[s.ID] = flow.ServiceStatus{Open: open}
		if open && len(s.Hours) > 0 {
			st.Open = true
		}
	}
	return st, nil
}

var _ flow.Opening = Hours{}

// NextOpen returns when service next opens after t, looking a week ahead,
// and whether that is a break within the day (an opening period of the
// same day already ended, as at lunch).
func (h Hours) NextOpen(service string, t time.Time) (time.Time, bool, bool) {
	s, ok := h.C.Service(service)
	if !ok || len(s.Hours) == 0 {
		return time.Time{}, false, false
	}
	loc := h.C.Location()
	t = t.In(loc)
	for d := 0; d <= 7; d++ {
		for _, p := range s.Periods(t.AddDate(0, 0, d), loc) {
			if p[0].After(t) {
				lunch := false
				if d == 0 {
					for _, q := range s.Periods(t, loc) {
						lunch = lunch || !q[1].After(t)
					}
				}
				return p[0], lunch, true
			}
		}
	}
	return time.Time{}, false, false
}
