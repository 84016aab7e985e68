package catalog

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// WaitWindows returns the windows (for the printed ticket and the
// progress page) a service's citizens wait for: those of
// the service's own area (zone) that serve it; windows elsewhere that are
// only cross-authorised for it (一窗受理) are left out of the printed hint
// unless no window of its area serves it.
func (cat *Catalog) WaitWindows(serviceID string) []int {
	all := cat.WindowsFor(serviceID)
	z, ok := cat.ZoneOf(serviceID)
	if !ok {
		return all
	}
	var own []int
	for _, n := range all {
		if w, ok := cat.Window(n); ok && w.Zone == z.ID {
			own = append(own, n)
		}
	}
	if len(own) == 0 {
		return all
	}
	return own
}

// WindowRange writes window numbers compactly: 19–21, 105, or 19–20、105.
func WindowRange(ns []int) string {
	ns = slices.Clone(ns)
	slices.Sort(ns)
	ns = slices.Compact(ns)
	var out []string
	for i := 0; i < len(ns); {
		j := i
		for j+1 < len(ns) && ns[j+1] == ns[j]+1 {
			j++
		}
		if j > i {
			out = append(out, fmt.Sprintf("%d–%d", ns[i], ns[j]))
		} else {
			out = append(out, strconv.Itoa(ns[i]))
		}
		i = j + 1
	}
	return strings.Join(out, "、")
}
