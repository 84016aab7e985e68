package hall

import (
	"context"
	"encoding/json"
	"testing"
	"time"
)

// TestRenamedWindowOnBoard: with [display] board_names, a window renamed
// in the catalogue on /admin (PUT /api/v1/catalog) shows its new name on
// the hall board (a display simulator on a pty) from the next call on.
func TestRenamedWindowOnBoard(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	board := newSimBus(t, ctx)
	th := openTestHall(t, func(c *Config) {
		c.Display.BoardPort, c.Display.BoardRows = board.pty.SlavePath, []string{"200", "201"}
		c.Display.Gap, c.Display.BoardNames = 5*time.Millisecond, true
	})
	staff := th.login("staff1", "staff1-demo")
	var old string
	for _, w := range th.h.Engine().Catalog().Windows {
		if w.Number == 19 {
			old = w.Name
		}
	}
	first := th.callAt19(staff)
	waitFor(t, "the first call on the board", func() bool {
		return board.sim.State()[200].Text == "请"+first.Number+"号到"+old
	})
	for _, step := range []string{"start", "finish"} {
		if resp, b := th.do("POST", "/api/v1/windows/19/"+step, staff, ""); resp.StatusCode != 200 {
			t.Fatalf("%s: %d %s", step, resp.StatusCode, b)
		}
	}
	admin := th.login("demoadmin", "admin-demo")
	resp, b := th.do("GET", "/api/v1/catalog", admin, "")
	var cat map[string]any
	if err := json.Unmarshal(b, &cat); err != nil || resp.StatusCode != 200 {
		t.Fatalf("catalogue: %d %v", resp.StatusCode, err)
	}
	const renamed = "19号窗口 综合受理"
	for _, w := range cat["windows"].([]any) {
		if w := w.(map[string]any); w["number"] == float64(19) {
			w["name"] = renamed
		}
	}
	nb, _ := json.Marshal(cat)
	if resp, b := th.do("PUT", "/api/v1/catalog", admin, string(nb)); resp.StatusCode/100 != 2 {
		t.Fatalf("edit: %d %s", resp.StatusCode, b)
	}
	second := th.callAt19(staff)
	want := "请" + second.Number + "号到" + renamed
	waitFor(t, want+" on the board", func() bool { return board.sim.State()[200].Text == want })
}
