package escpos

import (
	"fmt"
	"sort"
	"strings"
)

// Profile describes a printer family.
type Profile struct {
	// Name identifies the profile, e.g. "80mm".
	Name string
	// Description is a one-line human description.
	Description string
	// Width is the printable width in dots (384 for 58 mm, 576 for 80 mm).
	Width int
	// NativeQR is true when the printer draws QR codes itself (GS ( k);
	// otherwise QR codes are sent as raster images.
	NativeQR bool
	// Cutter is true when the printer has an auto-cutter.
	Cutter bool
	// Chinese is true when the printer needs "FS &" to enter Chinese
	// (double-byte) mode after init.
	Chinese bool
	// FourByte is true when the printer's font covers four-byte GB18030
	// sequences; most printers only print the two-byte GBK area.
	FourByte bool
	// PrintedReply is true when the printer answers "GS r 1" (transmit
	// paper sensor status) only after printing everything sent before it,
	// so a job can be confirmed as printed, not only as received.
	PrintedReply bool
}

// Columns is the number of Font A half-width (12-dot) columns per line.
func (p Profile) Columns() int { return p.Width / 12 }

// Profiles lists the built-in printer profiles by name.
var Profiles = map[string]Profile{
	"80mm": {Name: "80mm", Description: "generic 80 mm Chinese thermal printer, native QR, auto-cutter",
		Width: 576, NativeQR: true, Cutter: true, Chinese: true},
	"58mm": {Name: "58mm", Description: "generic 58 mm Chinese thermal printer, native QR, tear bar",
		Width: 384, NativeQR: true, Cutter: false, Chinese: true},
	"58mm-raster": {Name: "58mm-raster", Description: "58 mm printer without native QR (QR sent as raster image)",
		Width: 384, NativeQR: false, Cutter: false, Chinese: true},
	"xprinter-xp80": {Name: "xprinter-xp80", Description: "Xprinter XP-80/XP-Q800 class, 80 mm, native QR, cutter",
		Width: 576, NativeQR: true, Cutter: true, Chinese: true},
	"xprinter-xp58": {Name: "xprinter-xp58", Description: "Xprinter XP-58 class, 58 mm, no native QR, tear bar",
		Width: 384, NativeQR: false, Cutter: false, Chinese: true},
	"kiosk-80": {Name: "kiosk-80", Description: "80 mm kiosk panel printer (SPRT/Hprt class), native QR, cutter, GB18030 font",
		Width: 576, NativeQR: true, Cutter: true, Chinese: true, FourByte: true, PrintedReply: true},
}

// DefaultProfile is the profile used when none is named.
const DefaultProfile = "80mm"

// LookupProfile returns the named profile.
func LookupProfile(name string) (Profile, error) {
	if name == "" {
		name = DefaultProfile
	}
	p, ok := Profiles[name]
	if !ok {
		return Profile{}, fmt.Errorf("escpos: unknown printer profile %q (have %s)", name, strings.Join(ProfileNames(), ", "))
	}
	return p, nil
}

// ProfileNames returns the built-in profile names, sorted.
func ProfileNames() []string {
	out := make([]string, 0, len(Profiles))
	for n := range Profiles {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}
