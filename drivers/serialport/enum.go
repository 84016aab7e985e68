package serialport

import (
	"errors"
	"fmt"
	"strings"

	"go.bug.st/serial"
	"go.bug.st/serial/enumerator"
)

// PortInfo describes a serial port found on the system.
type PortInfo struct {
	Path         string `json:"path"`
	IsUSB        bool   `json:"usb"`
	VID          string `json:"vid,omitempty"` // lower-case hex, e.g. "1a86"
	PID          string `json:"pid,omitempty"`
	Serial       string `json:"serial,omitempty"`
	Manufacturer string `json:"manufacturer,omitempty"`
	Product      string `json:"product,omitempty"`
}

// List returns the system's serial ports with their USB identity where
// there is one.
func List() ([]PortInfo, error) {
	ds, err := enumerator.GetDetailedPortsList()
	if err != nil {
		return nil, fmt.Errorf("serialport: list: %w", err)
	}
	out := make([]PortInfo, 0, len(ds))
	for _, d := range ds {
		out = append(out, PortInfo{Path: d.Name, IsUSB: d.IsUSB, VID: strings.ToLower(d.VID), PID: strings.ToLower(d.PID),
			Serial: d.SerialNumber, Manufacturer: d.Manufacturer, Product: d.Product})
	}
	return out, nil
}

// Spec says which port to open: a path, or a USB VID:PID with an optional
// serial number.
type Spec struct {
	Path   string
	VID    string // hex, any case
	PID    string
	Serial string
	Baud   int // default 9600
}

// ParseSpec reads "PATH" or "usb:VID:PID[:SERIAL]" (e.g. "usb:1a86:7523").
func ParseSpec(s string, baud int) (Spec, error) {
	if rest, ok := strings.CutPrefix(s, "usb:"); ok {
		parts := strings.SplitN(rest, ":", 3)
		if len(parts) < 2 || parts[0] == "" || parts[1] == "" {
			return Spec{}, fmt.Errorf("serialport: bad usb spec %q, want usb:VID:PID[:SERIAL]", s)
		}
		sp := Spec{VID: parts[0], PID: parts[1], Baud: baud}
		if len(parts) == 3 {
			sp.Serial = parts[2]
		}
		return sp, nil
	}
	if s == "" {
		return Spec{}, errors.New("serialport: empty port")
	}
	return Spec{Path: s, Baud: baud}, nil
}

// String returns the spec in ParseSpec's form.
func (s Spec) String() string {
	if s.Path != "" {
		return s.Path
	}
	out := "usb:" + s.VID + ":" + s.PID
	if s.Serial != "" {
		out += ":" + s.Serial
	}
	return out
}

// ErrNotFound means no port matches a Spec.
var ErrNotFound = errors.New("serialport: no such device")

// Resolve returns the path to open: Path itself, or the first port with
// the USB identity.
func (s Spec) Resolve() (string, error) {
	if s.Path != "" {
		return s.Path, nil
	}
	ports, err := List()
	if err != nil {
		return "", err
	}
	return s.match(ports)
}

func (s Spec) match(ports []PortInfo) (string, error) {
	for _, p := range ports {
		if p.IsUSB && strings.EqualFold(p.VID, s.VID) && strings.EqualFold(p.PID, s.PID) && (s.Serial == "" || p.Serial == s.Serial) {
			return p.Path, nil
		}
	}
	return "", fmt.Errorf("%w: %s", ErrNotFound, s)
}

// OpenSpec resolves s and opens the port at s.Baud.
func OpenSpec(s Spec) (Port, error) {
	path, err := s.Resolve()
	if err != nil {
		return nil, err
	}
	return Open(path, s.Baud)
}

// IsClosed reports whether err says the port was closed or the device went
// away (go.bug.st/serial's PortError has no Unwrap, so this uses errors.As
// and its Code).
func IsClosed(err error) bool {
	var pe *serial.PortError
	if errors.As(err, &pe) {
		return pe.Code() == serial.PortClosed || pe.Code() == serial.PortNotFound
	}
	return false
}
