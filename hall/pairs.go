package hall

import (
	"fmt"
	"strconv"
	"strings"
)

// windowAddr is one "window:address" pair of a configuration list: a
// window number and the bus address of its device (strip or pad).
type windowAddr struct {
	window int
	addr   byte
}

// parseWindowAddrs parses the "window:address" pairs of [display] windows
// and [evaluator] windows: window 1..maxWindow (0: no upper bound),
// address minAddr..maxAddr in decimal or 0x hex, each window and each
// address once. Spaces around either part are ignored. The error says
// what is wrong without the key, which the caller adds.
func parseWindowAddrs(pairs []string, maxWindow int, minAddr, maxAddr byte) ([]windowAddr, error) {
	var out []windowAddr
	for _, p := range pairs {
		w, a, ok := strings.Cut(p, ":")
		n, err := strconv.Atoi(strings.TrimSpace(w))
		if !ok || err != nil || n < 1 || maxWindow > 0 && n > maxWindow {
			return nil, fmt.Errorf("want window:address pairs (e.g. 1:1, 2:0x02), not %q", p)
		}
		addr, err := strconv.ParseUint(strings.TrimSpace(a), 0, 8)
		if err != nil || addr < uint64(minAddr) || addr > uint64(maxAddr) {
			return nil, fmt.Errorf("window %d: address %q: want %d..%d (decimal or 0x hex)", n, strings.TrimSpace(a), minAddr, maxAddr)
		}
		for _, x := range out {
			if x.window == n {
				return nil, fmt.Errorf("window %d given twice", n)
			}
			if x.addr == byte(addr) {
				return nil, fmt.Errorf("address %d given to windows %d and %d", addr, x.window, n)
			}
		}
		out = append(out, windowAddr{n, byte(addr)})
	}
	return out, nil
}
