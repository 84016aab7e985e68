package catalog

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestDefault(t *testing.T) {
	c := Default()
	if len(c.Zones) != 9 {
		t.Errorf("zones = %d, want 9", len(c.Zones))
	}
	if len(c.Windows) != 114 {
		t.Errorf("windows = %d, want 114", len(c.Windows))
	}
	for n := 1; n <= 114; n++ {
		if _, ok := c.Window(n); !ok {
			t.Errorf("window %d missing", n)
		}
	}
	want := []string{"项目联合审批", "公共资源交易", "税务", "公安", "商事登记", "不动产登记", "社保医保", "驾驶人体检与驾驶证", "综合咨询/帮办代办"}
	for i, z := range c.Zones {
		if z.Name != want[i] {
			t.Errorf("zone %d = %q, want %q", i, z.Name, want[i])
		}
	}
	cross := 0
	for _, w := range c.Windows {
		for _, id := range w.Cross {
			z, _ := c.ZoneOf(id)
			if z.ID == w.Zone {
				t.Errorf("window %d: cross service %s is its own zone's", w.Number, id)
			}
			cross++
		}
	}
	if cross == 0 {
		t.Error("no cross-authorised windows")
	}
	for _, s := range c.Services() {
		if len(c.WindowsFor(s.ID)) == 0 {
			t.Errorf("service %s has no window", s.ID)
		}
	}
	s, ok := c.Service("tax-invoice")
	if !ok || s.Prefix != "F" {
		t.Fatalf("Service(tax-invoice) = %v, %v", s, ok)
	}
	if p, ok := c.ServiceByPrefix("F"); !ok || p.ID != "tax-invoice" {
		t.Errorf("ServiceByPrefix(F) = %v", p)
	}
	if _, ok := c.Service("nope"); ok {
		t.Error("Service(nope) found")
	}
	if c.Location().String() != "Asia/Shanghai" {
		t.Errorf("location = %v", c.Location())
	}
}

func TestOpenAt(t *testing.T) {
	c := Default()
	loc := c.Location()
	s, _ := c.Service("household")
	cases := []struct {
		at   string
		open bool
	}{
		{"2026-11-25 09:00", true}, // Wednesday
		{"2026-11-25 08:59", false},
		{"2026-11-25 11:59", true},
		{"2026-11-25 12:00", false},
		{"2026-11-25 13:30", true},
		{"2026-11-28 10:00", false}, // Saturday
	}
	for _, tc := range cases {
		at, _ := time.ParseInLocation("2006-01-02 15:04", tc.at, loc)
		if got := s.OpenAt(at.UTC(), loc); got != tc.open {
			t.Errorf("OpenAt(%s) = %v, want %v", tc.at, got, tc.open)
		}
	}
	inv, _ := c.Service("tax-invoice")
	if !inv.OpenAt(time.Date(2026, 11, 29, 3, 0, 0, 0, loc), loc) {
		t.Error("24x7 service closed at night")
	}
	p := s.Periods(time.Date(2026, 11, 25, 10, 0, 0, 0, loc), loc)
	if len(p) != 2 || p[0][0].Hour() != 9 || p[1][1].Hour() != 17 {
		t.Errorf("periods = %v", p)
	}
}

func TestValidate(t *testing.T) {
	bad := map[string]func(c *Catalog){
		"dup prefix":      func(c *Catalog) { c.Zones[0].Services[1].Prefix = c.Zones[0].Services[0].Prefix },
		"dup service":     func(c *Catalog) { c.Zones[1].Services[0].ID = c.Zones[0].Services[0].ID },
		"bad prefix":      func(c *Catalog) { c.Zones[0].Services[0].Prefix = "a1" },
		"unknown service": func(c *Catalog) { c.Windows[3].Cross = []string{"ghost"} },
		"dup window":      func(c *Catalog) { c.Windows[1].Number = c.Windows[0].Number },
		"bad hours":       func(c *Catalog) { c.Zones[0].Services[0].Hours[0].Close = "08:00" },
		"bad weekday":     func(c *Catalog) { c.Zones[0].Services[0].Hours[0].Days = []int{0} },
		"bad priority":    func(c *Catalog) { c.Zones[0].Services[0].Priorities = []Priority{"gold"} },
		"bad real name":   func(c *Catalog) { c.Zones[0].Services[0].RealName = "maybe" },
		"unknown zone":    func(c *Catalog) { c.Windows[0].Zone = "moon" },
		"no name":         func(c *Catalog) { c.Hall.Name = "" },
		"bad tz":          func(c *Catalog) { c.Hall.TimeZone = "Mars/Base" },
		"appointment without slots": func(c *Catalog) {
			c.Zones[0].Services[0].SlotMinutes = 0
		},
	}
	for name, mutate := range bad {
		t.Run(name, func(t *testing.T) {
			c := Default()
			mutate(c)
			if err := c.Validate(); !errors.Is(err, ErrInvalid) {
				t.Errorf("Validate = %v, want ErrInvalid", err)
			}
		})
	}
}

func TestParseRoundTrip(t *testing.T) {
	c := Default()
	data, err := c.JSON()
	if err != nil {
		t.Fatal(err)
	}
	c2, err := Parse(data)
	if err != nil {
		t.Fatal(err)
	}
	if len(c2.Windows) != len(c.Windows) || c2.Zones[8].Services[2].Name != c.Zones[8].Services[2].Name {
		t.Error("round trip changed the catalogue")
	}
	if _, err := Parse([]byte(`{"hall":{"name":"x"},"zones":[],"extra":1}`)); err == nil || !strings.Contains(err.Error(), "extra") {
		t.Errorf("unknown field: %v", err)
	}
	cl := c.Clone()
	cl.Zones[0].Name = "changed"
	if c.Zones[0].Name == "changed" {
		t.Error("Clone shares memory")
	}
}

func FuzzParse(f *testing.F) {
	f.Add(defaultJSON)
	f.Add([]byte(`{"hall":{"name":"h"},"zones":[{"id":"z","name":"Z","services":[{"id":"s","prefix":"A","name":"S","hours":[{"days":[1],"open":"09:00","close":"10:00"}]}]}],"windows":[{"number":1,"zone":"z","services":["s"]}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := Parse(data)
		if err != nil {
			return
		}
		if err := c.Validate(); err != nil {
			t.Fatalf("parsed catalogue fails Validate: %v", err)
		}
		for _, s := range c.Services() {
			s.OpenAt(time.Now(), c.Location())
			s.Periods(time.Now(), c.Location())
		}
	})
}
