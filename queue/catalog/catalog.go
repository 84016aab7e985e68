// Package catalog describes what a service hall offers: zones (departments)
// holding services, each with a ticket letter prefix, bilingual names,
// opening hours, a daily cap, notes, whether a ticket needs the citizen's ID
// card, and which priority classes may be used; and the hall's numbered
// windows with the services each is authorised for, including services of
// another department (cross-authorisation, 授权跨部门办理).
//
// Default returns the catalogue modelled on the source hall (9 zones, 114
// windows), embedded as default.json; Parse and Load read an edited copy.
// Every catalogue is checked by Validate before use.
package catalog

import (
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

//go:embed default.json
var defaultJSON []byte

// DefaultJSON returns the embedded default catalogue text.
func DefaultJSON() []byte { return slices.Clone(defaultJSON) }

// Catalog is a hall's whole offer: its zones, services and windows.
type Catalog struct {
	Hall    HallInfo `json:"hall"`
	Zones   []Zone   `json:"zones"`
	Windows []Window `json:"windows"`
}

// HallInfo names the hall and the time zone its days are counted in.
type HallInfo struct {
	Name     string `json:"name"`
	NameEN   string `json:"name_en"`
	TimeZone string `json:"time_zone"` // IANA name; empty means Asia/Shanghai
	// Notices are shown on the display board's ticker and the kiosk home screen.
	Notices []string `json:"notices,omitempty"`
	// NoticesEN are the notices in English for English sessions at the
	// kiosk, by position; a missing or empty entry shows the Chinese one.
	NoticesEN []string `json:"notices_en,omitempty"`
}

// Zone is one department or service area of the hall.
type Zone struct {
	ID       string    `json:"id"`
	Name     string    `json:"name"`
	NameEN   string    `json:"name_en"`
	VIP      bool      `json:"vip,omitempty"` // e.g. the 帮办代办 room
	Services []Service `json:"services"`
}

// RealName says whether a ticket for a service needs an identity document.
type RealName string

// RealName values.
const (
	RealNameNone     RealName = "none"     // anonymous tickets only
	RealNameOptional RealName = "optional" // the citizen may present an ID card
	RealNameRequired RealName = "required" // a ticket needs an ID card (against ticket touts)
)

// String returns the mode's name.
func (r RealName) String() string { return string(r) }

// Priority is a call priority class.
type Priority string

// Priority classes, highest first in the call policy: appointments within
// their slot, the green channel (elderly, disabled, military), VIP project
// service, then normal tickets.
const (
	PriorityAppointment Priority = "appointment"
	PriorityGreen       Priority = "green"
	PriorityVIP         Priority = "vip"
	PriorityNormal      Priority = "normal"
)

// Priorities lists every class, highest first.
var Priorities = []Priority{PriorityAppointment, PriorityGreen, PriorityVIP, PriorityNormal}

// String returns the class name.
func (p Priority) String() string { return string(p) }

// Rank orders classes: 0 is called first; unknown classes rank last.
func (p Priority) Rank() int {
	if i := slices.Index(Priorities, p); i >= 0 {
		return i
	}
	return len(Priorities)
}

// Valid reports whether p is a known class.
func (p Priority) Valid() bool { return slices.Contains(Priorities, p) }

// Hours is one opening period on some weekdays, in the hall's time zone.
type Hours struct {
	// Days are ISO weekdays 1 (Monday) .. 7 (Sunday).
	Days []int `json:"days"`
	// Open and Close are "HH:MM"; Close "24:00" means midnight.
	Open  string `json:"open"`
	Close string `json:"close"`
}

// Service is one item citizens take a ticket for.
type Service struct {
	ID     string `json:"id"`
	Prefix string `json:"prefix"` // ticket letter(s), e.g. "A" → A001
	Name   string `json:"name"`
	NameEN string `json:"name_en"`
	// Hours lists the opening periods; an empty list means open 24×7.
	Hours []Hours `json:"hours,omitempty"`
	// DailyCap bounds the tickets issued per day; 0 means no cap.
	DailyCap int      `json:"daily_cap,omitempty"`
	Notes    string   `json:"notes,omitempty"`
	NotesEN  string   `json:"notes_en,omitempty"`
	RealName RealName `json:"real_name,omitempty"` // empty means optional
	// PersonDailyLimit bounds real-name tickets per person per day; 0 means no limit.
	PersonDailyLimit int `json:"person_daily_limit,omitempty"`
	// Priorities lists the classes besides normal a ticket may carry.
	Priorities []Priority `json:"priorities,omitempty"`
	// AvgMinutes is the expected service time, used for estimates until
	// the day has measured rates.
	AvgMinutes float64 `json:"avg_minutes,omitempty"`
	// SlotMinutes and SlotCapacity define appointment slots; SlotMinutes 0
	// means the service takes no appointments.
	SlotMinutes  int `json:"slot_minutes,omitempty"`
	SlotCapacity int `json:"slot_capacity,omitempty"`
}

// RealNameMode returns the service's real-name mode with the default applied.
func (s *Service) RealNameMode() RealName {
	if s.RealName == "" {
		return RealNameOptional
	}
	return s.RealName
}

// Allows reports whether a ticket of class p may be issued for the service.
func (s *Service) Allows(p Priority) bool {
	return p == PriorityNormal || p == "" || slices.Contains(s.Priorities, p)
}

// TakesAppointments reports whether the service has appointment slots.
func (s *Service) TakesAppointments() bool { return s.SlotMinutes > 0 && s.SlotCapacity > 0 }

// OpenAt reports whether the service is open at t (converted to loc).
func (s *Service) OpenAt(t time.Time, loc *time.Location) bool {
	if len(s.Hours) == 0 {
		return true
	}
	t = t.In(loc)
	wd := int(t.Weekday())
	if wd == 0 {
		wd = 7
	}
	m := t.Hour()*60 + t.Minute()
	for _, h := range s.Hours {
		if !slices.Contains(h.Days, wd) {
			continue
		}
		o, _ := parseHHMM(h.Open)
		c, _ := parseHHMM(h.Close)
		if m >= o && m < c {
			return true
		}
	}
	return false
}

// Periods returns the service's opening periods on the day of t in loc, as
// absolute times, in order. A 24×7 service yields the whole day.
func (s *Service) Periods(t time.Time, loc *time.Location) [][2]time.Time {
	t = t.In(loc)
	day := time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, loc)
	if len(s.Hours) == 0 {
		return [][2]time.Time{{day, day.AddDate(0, 0, 1)}}
	}
	wd := int(t.Weekday())
	if wd == 0 {
		wd = 7
	}
	var out [][2]time.Time
	for _, h := range s.Hours {
		if !slices.Contains(h.Days, wd) {
			continue
		}
		o, _ := parseHHMM(h.Open)
		c, _ := parseHHMM(h.Close)
		out = append(out, [2]time.Time{day.Add(time.Duration(o) * time.Minute), day.Add(time.Duration(c) * time.Minute)})
	}
	slices.SortFunc(out, func(a, b [2]time.Time) int { return a[0].Compare(b[0]) })
	return out
}

// Window is one numbered counter of the hall.
type Window struct {
	Number int    `json:"number"`
	Name   string `json:"name"`
	Zone   string `json:"zone"`
	// Services are the window's own department's services it handles.
	Services []string `json:"services"`
	// Cross lists services of other departments the window is authorised
	// for (cross-authorisation).
	Cross []string `json:"cross,omitempty"`
	// Prefer lists services, among those the window is authorised for,
	// that it calls first within a priority class (window preference, e.g.
	// a window that helps out with another department's queue only when
	// its own is empty). Empty: no preference, issue time decides.
	Prefer []string `json:"prefer,omitempty"`
}

// Prefers reports whether the window calls serviceID first within a class.
func (w *Window) Prefers(serviceID string) bool {
	return slices.Contains(w.Prefer, serviceID)
}

// Authorised reports whether the window may serve the service.
func (w *Window) Authorised(serviceID string) bool {
	return slices.Contains(w.Services, serviceID) || slices.Contains(w.Cross, serviceID)
}

// AllServices returns the window's own and cross-authorised services.
func (w *Window) AllServices() []string {
	return append(slices.Clone(w.Services), w.Cross...)
}

// Default returns a fresh copy of the embedded default catalogue.
func Default() *Catalog {
	c, err := Parse(defaultJSON)
	if err != nil {
		panic("catalog: embedded default is invalid: " + err.Error())
	}
	return c
}

// Parse decodes and validates catalogue JSON. Unknown fields are errors.
func Parse(data []byte) (*Catalog, error) {
	dec := json.NewDecoder(strings.NewReader(string(data)))
	dec.DisallowUnknownFields()
	var c Catalog
	if err := dec.Decode(&c); err != nil {
		return nil, fmt.Errorf("catalog: decode: %w", err)
	}
	if err := c.Validate(); err != nil {
		return nil, err
	}
	return &c, nil
}

// Load reads and validates a catalogue file.
func Load(path string) (*Catalog, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("catalog: %w", err)
	}
	c, err := Parse(data)
	if err != nil {
		return nil, fmt.Errorf("%w (file %s)", err, path)
	}
	return c, nil
}

// JSON encodes the catalogue (indented).
func (c *Catalog) JSON() ([]byte, error) { return json.MarshalIndent(c, "", "  ") }

// Clone returns a deep copy.
func (c *Catalog) Clone() *Catalog {
	data, err := json.Marshal(c)
	if err != nil {
		panic(err)
	}
	var out Catalog
	if err := json.Unmarshal(data, &out); err != nil {
		panic(err)
	}
	return &out
}

// Location returns the hall's time zone (Asia/Shanghai by default; a fixed
// UTC+8 zone if the tz database is missing).
func (c *Catalog) Location() *time.Location {
	name := c.Hall.TimeZone
	if name == "" {
		name = "Asia/Shanghai"
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return time.FixedZone("CST", 8*3600)
	}
	return loc
}

// Service returns the service with id.
func (c *Catalog) Service(id string) (*Service, bool) {
	for zi := range c.Zones {
		for si := range c.Zones[zi].Services {
			if c.Zones[zi].Services[si].ID == id {
				return &c.Zones[zi].Services[si], true
			}
		}
	}
	return nil, false
}

// ServiceByPrefix returns the service whose ticket prefix is p.
func (c *Catalog) ServiceByPrefix(p string) (*Service, bool) {
	for zi := range c.Zones {
		for si := range c.Zones[zi].Services {
			if c.Zones[zi].Services[si].Prefix == p {
				return &c.Zones[zi].Services[si], true
			}
		}
	}
	return nil, false
}

// ZoneOf returns the zone that holds service id.
func (c *Catalog) ZoneOf(serviceID string) (*Zone, bool) {
	for zi := range c.Zones {
		for si := range c.Zones[zi].Services {
			if c.Zones[zi].Services[si].ID == serviceID {
				return &c.Zones[zi], true
			}
		}
	}
	return nil, false
}

// Services returns every service in catalogue order.
func (c *Catalog) Services() []*Service {
	var out []*Service
	for zi := range c.Zones {
		for si := range c.Zones[zi].Services {
			out = append(out, &c.Zones[zi].Services[si])
		}
	}
	return out
}

// Window returns the window numbered n.
func (c *Catalog) Window(n int) (*Window, bool) {
	for i := range c.Windows {
		if c.Windows[i].Number == n {
			return &c.Windows[i], true
		}
	}
	return nil, false
}

// WindowsFor returns the numbers of the windows authorised for a service.
func (c *Catalog) WindowsFor(serviceID string) []int {
	var out []int
	for i := range c.Windows {
		if c.Windows[i].Authorised(serviceID) {
			out = append(out, c.Windows[i].Number)
		}
	}
	return out
}

// ErrInvalid is wrapped by every validation error.
var ErrInvalid = errors.New("catalog: invalid")

var (
	idRe     = regexp.MustCompile(`^[a-z][a-z0-9_-]{0,31}$`)
	prefixRe = regexp.MustCompile(`^[A-Z]{1,2}$`)
)

func invalid(format string, a ...any) error {
	return fmt.Errorf("%w: %s", ErrInvalid, fmt.Sprintf(format, a...))
}

func parseHHMM(s string) (int, error) {
	h, m, ok := strings.Cut(s, ":")
	if !ok || len(h) != 2 || len(m) != 2 {
		return 0, fmt.Errorf("want HH:MM, got %q", s)
	}
	hh, err1 := strconv.Atoi(h)
	mm, err2 := strconv.Atoi(m)
	if err1 != nil || err2 != nil || hh < 0 || hh > 24 || mm < 0 || mm > 59 || hh == 24 && mm != 0 {
		return 0, fmt.Errorf("want HH:MM, got %q", s)
	}
	return hh*60 + mm, nil
}

// Validate checks the catalogue: unique ids, prefixes and window numbers,
// known references, well-formed hours and sane numbers.
func (c *Catalog) Validate() error {
	if strings.TrimSpace(c.Hall.Name) == "" {
		return invalid("hall name is empty")
	}
	if c.Hall.TimeZone != "" {
		if _, err := time.LoadLocation(c.Hall.TimeZone); err != nil {
			return invalid("hall time zone %q: %v", c.Hall.TimeZone, err)
		}
	}
	if len(c.Zones) == 0 {
		return invalid("no zones")
	}
	zones := map[string]bool{}
	services := map[string]bool{}
	prefixes := map[string]string{}
	for _, z := range c.Zones {
		if !idRe.MatchString(z.ID) {
			return invalid("zone id %q: want lowercase letters, digits, - or _", z.ID)
		}
		if zones[z.ID] {
			return invalid("zone %q defined twice", z.ID)
		}
		zones[z.ID] = true
		if z.Name == "" {
			return invalid("zone %q has no name", z.ID)
		}
		if len(z.Services) == 0 {
			return invalid("zone %q has no services", z.ID)
		}
		for _, s := range z.Services {
			if !idRe.MatchString(s.ID) {
				return invalid("service id %q: want lowercase letters, digits, - or _", s.ID)
			}
			if services[s.ID] || zones[s.ID] && s.ID != z.ID {
				return invalid("service %q defined twice", s.ID)
			}
			services[s.ID] = true
			if !prefixRe.MatchString(s.Prefix) {
				return invalid("service %q: prefix %q: want 1-2 capital letters", s.ID, s.Prefix)
			}
			if other, dup := prefixes[s.Prefix]; dup {
				return invalid("service %q: prefix %q already used by %q", s.ID, s.Prefix, other)
			}
			prefixes[s.Prefix] = s.ID
			if s.Name == "" {
				return invalid("service %q has no name", s.ID)
			}
			if s.DailyCap < 0 || s.PersonDailyLimit < 0 || s.AvgMinutes < 0 || s.SlotMinutes < 0 || s.SlotCapacity < 0 {
				return invalid("service %q: negative number", s.ID)
			}
			switch s.RealName {
			case "", RealNameNone, RealNameOptional, RealNameRequired:
			default:
				return invalid("service %q: real_name %q: want none, optional or required", s.ID, s.RealName)
			}
			if s.RealName == RealNameNone && s.PersonDailyLimit > 0 {
				return invalid("service %q: person_daily_limit needs real-name tickets", s.ID)
			}
			for _, p := range s.Priorities {
				if !p.Valid() {
					return invalid("service %q: unknown priority class %q", s.ID, p)
				}
			}
			if slices.Contains(s.Priorities, PriorityAppointment) && !s.TakesAppointments() {
				return invalid("service %q: appointment class needs slot_minutes and slot_capacity", s.ID)
			}
			for _, h := range s.Hours {
				if len(h.Days) == 0 {
					return invalid("service %q: opening period without days", s.ID)
				}
				for _, d := range h.Days {
					if d < 1 || d > 7 {
						return invalid("service %q: weekday %d: want 1 (Monday) .. 7 (Sunday)", s.ID, d)
					}
				}
				o, err := parseHHMM(h.Open)
				if err != nil {
					return invalid("service %q: open: %v", s.ID, err)
				}
				cl, err := parseHHMM(h.Close)
				if err != nil {
					return invalid("service %q: close: %v", s.ID, err)
				}
				if cl <= o {
					return invalid("service %q: closes (%s) before it opens (%s)", s.ID, h.Close, h.Open)
				}
			}
		}
	}
	nums := map[int]bool{}
	for _, w := range c.Windows {
		if w.Number < 1 || w.Number > 9999 {
			return invalid("window number %d: want 1..9999", w.Number)
		}
		if nums[w.Number] {
			return invalid("window %d defined twice", w.Number)
		}
		nums[w.Number] = true
		if !zones[w.Zone] {
			return invalid("window %d: unknown zone %q", w.Number, w.Zone)
		}
		if len(w.Services) == 0 && len(w.Cross) == 0 {
			return invalid("window %d serves nothing", w.Number)
		}
		for _, id := range w.AllServices() {
			if !services[id] {
				return invalid("window %d: unknown service %q", w.Number, id)
			}
		}
		for _, id := range w.Prefer {
			if !w.Authorised(id) {
				return invalid("window %d: prefers %q, which it is not authorised for", w.Number, id)
			}
		}
	}
	return nil
}
