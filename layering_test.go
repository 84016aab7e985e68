// Package hallkiosk_test guards the import layering of the repository:
//
//	cmd, tools → hall → kiosk / queue / printer / drivers / city → internal, assets
//
// with, inside the middle layer: drivers never import queue, kiosk or city;
// queue never imports kiosk or city; printer never imports queue, kiosk or
// city; city never imports kiosk (hall/uplink may import city/wire, as any
// hall package may); kiosk may import queue, printer and drivers. Test imports
// count too: a test that imports a layer above its package is the same arrow
// running back up.
package hallkiosk_test

import (
	"bufio"
	"bytes"
	"fmt"
	"os/exec"
	"sort"
	"strings"
	"testing"
)

const module = "hallkiosk"

// layerOf names the top-level area of a package path inside the module
// ("cmd", "hall", "queue", ...); "" for the module root.
func layerOf(pkg string) string {
	p := strings.TrimPrefix(strings.TrimPrefix(pkg, module), "/")
	if i := strings.IndexByte(p, '/'); i >= 0 {
		p = p[:i]
	}
	return p
}

// rank orders the layers: a package may import only packages of a lower
// rank, or of its own area. Areas of the same rank may import each other
// only where allowedSibling says so.
var rank = map[string]int{
	"cmd": 4, "tools": 4, "acceptance": 4,
	"hall":  3,
	"kiosk": 2, "queue": 1, "printer": 1, "drivers": 1, "city": 1,
	"internal": 0, "assets": 0,
}

// allowedSibling lists the arrows between different areas of the middle
// layer that are allowed. kiosk sits above the other middle areas except
// city; city reads the queue's catalogue types (the published 事项 list).
var allowedSibling = map[[2]string]bool{
	{"printer", "drivers"}: true, // the printer opens its serial port
	{"city", "queue"}:      true, // city/wire carries queue/catalog types
}

// edge is one import arrow, from a package (or its tests) to another.
type edge struct {
	From, To string
	Test     bool
}

// violations returns one message per edge that runs against the layering.
func violations(edges []edge) []string {
	var out []string
	for _, e := range edges {
		if !strings.HasPrefix(e.To, module+"/") && e.To != module {
			continue
		}
		from, to := layerOf(e.From), layerOf(e.To)
		if from == to {
			continue
		}
		rf, okf := rank[from]
		rt, okt := rank[to]
		kind := "imports"
		if e.Test {
			kind = "imports (in its tests)"
		}
		switch {
		case !okf || !okt:
			out = append(out, fmt.Sprintf("%s %s %s: area %q or %q has no layer (add it to rank in layering_test.go)", e.From, kind, e.To, from, to))
		case rf < rt:
			out = append(out, fmt.Sprintf("%s %s %s: %s is below %s", e.From, kind, e.To, from, to))
		case rf == rt && !allowedSibling[[2]string{from, to}]:
			out = append(out, fmt.Sprintf("%s %s %s: %s may not import %s", e.From, kind, e.To, from, to))
		}
	}
	sort.Strings(out)
	return out
}

// TestLayering lists every package of the module with `go list` (imports,
// test imports and external test imports) and fails on any arrow that runs
// back up.
func TestLayering(t *testing.T) {
	if _, err := exec.LookPath("go"); err != nil {
		t.Fatalf("go not on PATH: %v", err)
	}
	cmd := exec.Command("go", "list", "-f",
		`{{.ImportPath}}|{{join .Imports " "}}|{{join .TestImports " "}} {{join .XTestImports " "}}`, "./...")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, stderr.Bytes())
	}
	var edges []edge
	n := 0
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		f := strings.Split(sc.Text(), "|")
		if len(f) != 3 {
			t.Fatalf("go list line %q", sc.Text())
		}
		n++
		for _, imp := range strings.Fields(f[1]) {
			edges = append(edges, edge{From: f[0], To: imp})
		}
		for _, imp := range strings.Fields(f[2]) {
			edges = append(edges, edge{From: f[0], To: imp, Test: true})
		}
	}
	if n < 40 {
		t.Fatalf("go list gave %d packages; expected the whole module", n)
	}
	for _, v := range violations(edges) {
		t.Error(v)
	}
}

// TestLayeringCatches runs the check on made-up arrows: each bad one must
// be reported, each good one must not.
func TestLayeringCatches(t *testing.T) {
	bad := []edge{
		{From: "hallkiosk/queue/sync/killloop", To: "hallkiosk/kiosk/store"},
		{From: "hallkiosk/queue/sync", To: "hallkiosk/kiosk/store", Test: true},
		{From: "hallkiosk/drivers/idcard", To: "hallkiosk/queue/engine"},
		{From: "hallkiosk/drivers/callout", To: "hallkiosk/kiosk/flow"},
		{From: "hallkiosk/kiosk/flow", To: "hallkiosk/hall/uplink"},
		{From: "hallkiosk/city/server", To: "hallkiosk/hall/uplink"},
		{From: "hallkiosk/city/server", To: "hallkiosk/kiosk/store"},
		{From: "hallkiosk/queue/engine", To: "hallkiosk/city/wire"},
		{From: "hallkiosk/hall", To: "hallkiosk/cmd/hallserver"},
		{From: "hallkiosk/internal/pii", To: "hallkiosk/queue/engine"},
		{From: "hallkiosk/newarea/x", To: "hallkiosk/internal/pii"},
	}
	for _, e := range bad {
		if v := violations([]edge{e}); len(v) != 1 {
			t.Errorf("%s → %s (test %v): got %q, want one violation", e.From, e.To, e.Test, v)
		}
	}
	good := []edge{
		{From: "hallkiosk/cmd/hallserver", To: "hallkiosk/hall"},
		{From: "hallkiosk/hall/uplink", To: "hallkiosk/city/wire"},
		{From: "hallkiosk/tools/killloop", To: "hallkiosk/kiosk/store"},
		{From: "hallkiosk/kiosk/store", To: "hallkiosk/queue/sync"},
		{From: "hallkiosk/city/wire", To: "hallkiosk/queue/catalog"},
		{From: "hallkiosk/printer", To: "hallkiosk/drivers/serialport"},
		{From: "hallkiosk/queue/engine", To: "hallkiosk/internal/pii"},
		{From: "hallkiosk/queue/engine", To: "fmt"},
	}
	if v := violations(good); len(v) != 0 {
		t.Errorf("allowed arrows reported: %q", v)
	}
}
