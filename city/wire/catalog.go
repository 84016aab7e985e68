package wire

import (
	"encoding/json"
	"fmt"

	"hallkiosk/queue/catalog"
)

// PathCatalog is the route a site pulls the city's catalogue from.
const PathCatalog = "/api/v1/uplink/catalog"

// CatalogPull is the body of POST catalog: the version the site runs.
type CatalogPull struct {
	Site string `json:"site"`
	Have string `json:"have"`
}

// CatalogReply answers a pull: the version the site should run, and the
// catalogue itself only when it differs from Have ("" when the city has
// published none).
type CatalogReply struct {
	Version string          `json:"version"`
	Catalog json.RawMessage `json:"catalog,omitempty"`
}

// Override is a site's deviation from the city catalogue: its own windows
// (replacing the catalogue's when set) and, per service, opening hours
// and a daily cap.
type Override struct {
	Windows  []catalog.Window           `json:"windows,omitempty"`
	Services map[string]ServiceOverride `json:"services,omitempty"`
}

// ServiceOverride changes one service at one site.
type ServiceOverride struct {
	Hours    []catalog.Hours `json:"hours,omitempty"`
	DailyCap *int            `json:"daily_cap,omitempty"`
}

// Apply returns the catalogue with the override applied, validated.
func (o *Override) Apply(c *catalog.Catalog) (*catalog.Catalog, error) {
	out := c.Clone()
	if o == nil {
		return out, nil
	}
	if len(o.Windows) > 0 {
		out.Windows = append([]catalog.Window(nil), o.Windows...)
	}
	for id, so := range o.Services {
		s, ok := out.Service(id)
		if !ok {
			return nil, fmt.Errorf("wire: override names unknown service %q", id)
		}
		if so.Hours != nil {
			s.Hours = append([]catalog.Hours(nil), so.Hours...)
		}
		if so.DailyCap != nil {
			s.DailyCap = *so.DailyCap
		}
	}
	if err := out.Validate(); err != nil {
		return nil, fmt.Errorf("wire: catalogue with the override: %w", err)
	}
	return out, nil
}
