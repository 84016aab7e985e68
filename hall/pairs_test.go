package hall

import (
	"strings"
	"testing"
)

func TestParseWindowAddrs(t *testing.T) {
	got, err := parseWindowAddrs([]string{"1:1", " 2 : 0x02 ", "15:7"}, 0, 1, 247)
	if err != nil || len(got) != 3 || got[1] != (windowAddr{2, 2}) || got[2] != (windowAddr{15, 7}) {
		t.Fatalf("%v %v", got, err)
	}
	for _, bad := range [][]string{{"1:1", "1:2"}, {"1:1", "2:1"}, {"0:1"}, {"1:0"}, {"1:248"}, {"x:1"}, {"1"}, {"300:1"}} {
		if _, err := parseWindowAddrs(bad, 254, 1, 247); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

// FuzzWindowAddrs: the operator's window:address lists never panic, and
// what is accepted keeps to the ranges with each window and address once.
func FuzzWindowAddrs(f *testing.F) {
	f.Add("1:1, 2:0x02, 15:7")
	f.Add("auto")
	f.Add("0x10:1,1:-1")
	f.Fuzz(func(t *testing.T, list string) {
		parts := strings.Split(list, ",")
		got, err := parseWindowAddrs(parts, 254, 1, 247)
		if err != nil {
			return
		}
		windows, addrs := map[int]bool{}, map[byte]bool{}
		for _, x := range got {
			if x.window < 1 || x.window > 254 || x.addr < 1 || x.addr > 247 || windows[x.window] || addrs[x.addr] {
				t.Fatalf("%q: accepted %+v", list, got)
			}
			windows[x.window], addrs[x.addr] = true, true
		}
		if len(got) != len(parts) {
			t.Fatalf("%q: %d pairs from %d parts", list, len(got), len(parts))
		}
	})
}
