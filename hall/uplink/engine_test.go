package uplink

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"hallkiosk/city/wire"
	"hallkiosk/queue/catalog"
	"hallkiosk/queue/engine"
)

// TestHallEngineReportsToCity: a real hall engine issues, calls, finishes
// and rates tickets; Start ships its log and status to the city, and the
// city's statistics and ratings reflect it.
func TestHallEngineReportsToCity(t *testing.T) {
	c := startCity(t)
	const person = "5f1c0e9a7b3d2c4e5f1c0e9a7b3d2c4e5f1c0e9a7b3d2c4e5f1c0e9a7b3d2c4e" // the hall's keyed hash of an ID number
	ctx := context.Background()
	dir := t.TempDir()
	e, err := engine.Open(ctx, filepath.Join(dir, "hall.db"), engine.Options{IgnoreHours: true})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	u, err := New(EngineSource{Engine: e}, &Options{StatePath: StatePath(dir)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := u.Enrol(ctx, c.url, c.code(t, "hall-a", "hall")); err != nil {
		t.Fatal(err)
	}
	svc := e.Catalog().Windows[0].Services[0]
	if err := e.SignIn(ctx, 1, "wang"); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 5; i++ {
		req := engine.IssueRequest{Service: svc, DeviceID: "k-0123456789abcdef"}
		if i == 0 {
			req.PersonHash = person // taken by ID card
		}
		if _, err := e.Issue(ctx, req); err != nil {
			t.Fatal(err)
		}
	}
	for i := 0; i < 3; i++ {
		tk, err := e.CallNext(ctx, 1, "wang")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.Finish(ctx, 1, "wang"); err != nil {
			t.Fatal(err)
		}
		if i == 2 {
			// A rating with reasons and words: they travel to the export.
			if _, err := e.RateStep(ctx, engine.RateRequest{Ticket: tk.ID, Level: 3, Channel: engine.ChannelPad, Device: "pad", Window: 1,
				Reasons: []string{"等候时间长", "材料说明不清"}, Text: "  希望增加窗口  "}); err != nil {
				t.Fatal(err)
			}
			continue
		}
		if _, err := e.Rate(ctx, tk.ID, 5-i, engine.Actor{Name: "pad", Window: 1}); err != nil {
			t.Fatal(err)
		}
	}
	stop, _, err := Start(ctx, e, dir, Config{URL: c.url, Interval: time.Hour}, nil, "test", nil)
	if err != nil {
		t.Fatal(err)
	}
	// Start's first round runs at once; wait for the city to hold the log.
	want, _ := e.EventsAfter(ctx, 0, 10000)
	deadline := time.Now().Add(20 * time.Second)
	for {
		n, _, _ := c.held(t, "hall-a")
		if n == int64(len(want)) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("city holds %d of %d events", n, len(want))
		}
		time.Sleep(50 * time.Millisecond)
	}
	stop()
	site, _ := c.st.Site(ctx, "hall-a")
	if site.Status.Waiting != 2 || site.Status.OpenWindows != 1 || site.Status.CatalogVersion == "" || site.Status.Software != "test" {
		t.Fatalf("status %+v", site.Status)
	}
	day := e.Today()
	rows, err := c.st.Stats(ctx, day, day, "hall-a")
	if err != nil {
		t.Fatal(err)
	}
	var hall bool
	for _, r := range rows {
		if r.Dimension == "hall" {
			hall = true
			if r.Issued != 5 || r.Served != 3 || r.Rated != 3 || r.RatingAvg != 4 {
				t.Fatalf("city stats %+v", r)
			}
		}
	}
	if !hall {
		t.Fatalf("no hall row: %v", rows)
	}
	rs, err := c.st.Ratings(ctx, day, day)
	if err != nil || len(rs) != 3 || rs[0].Staff != "wang" {
		t.Fatalf("ratings %+v %v", rs, err)
	}
	// 评价人: the person keyed again where the hall knows one, else the ticket.
	rater := func(msg string) string {
		m := hmac.New(sha256.New, []byte("city-rater-key"))
		m.Write([]byte(msg))
		return hex.EncodeToString(m.Sum(nil))[:32]
	}
	if rs[0].Rater != person || c.srv.ExportOf(rs[0]).Rater != rater("person\x00"+person) {
		t.Fatalf("rating of the ID-card ticket: %+v, 评价人 %s", rs[0], c.srv.ExportOf(rs[0]).Rater)
	}
	if rs[1].Rater != "" || c.srv.ExportOf(rs[1]).Rater != rater("hall-a\x00"+rs[1].Ticket) {
		t.Fatalf("rating of a plain ticket: %+v", rs[1])
	}
	x := c.srv.ExportOf(rs[2])
	if !reflect.DeepEqual(x.Reasons, []string{"等候时间长", "材料说明不清"}) || x.Text != "希望增加窗口" || x.SatisfactCode != "3" || x.Channel != "4" {
		t.Fatalf("export of the rating with reasons: %+v", x)
	}
	if x := c.srv.ExportOf(rs[0]); x.Reasons == nil || len(x.Reasons) != 0 || x.Text != "" {
		t.Fatalf("export of a score alone: %+v", x)
	}
}

// TestCityCatalogueWithOverride: the city publishes a catalogue and one
// site's override (a daily cap, opening hours); the site pulls, applies it
// to its engine and reports the version; with the city gone it keeps it.
func TestCityCatalogueWithOverride(t *testing.T) {
	c := startCity(t)
	ctx := context.Background()
	dir := t.TempDir()
	e, err := engine.Open(ctx, filepath.Join(dir, "hall.db"), engine.Options{IgnoreHours: true})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	base := catalog.Default()
	base.Hall.Notices = []string{"city notice"}
	if _, err := c.st.PublishCatalog(ctx, base); err != nil {
		t.Fatal(err)
	}
	code := c.code(t, "town-b", "township")
	svc := base.Windows[0].Services[0]
	cap := 7
	hours := []catalog.Hours{{Days: []int{1, 2, 3, 4, 5}, Open: "09:00", Close: "12:00"}}
	if _, err := c.st.SetOverride(ctx, "town-b", &wire.Override{Services: map[string]wire.ServiceOverride{svc: {DailyCap: &cap, Hours: hours}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.st.SetOverride(ctx, "town-b", &wire.Override{Services: map[string]wire.ServiceOverride{"no-such": {DailyCap: &cap}}}); err == nil {
		t.Fatal("override of an unknown service accepted")
	}
	apply := func(ctx context.Context, cat *catalog.Catalog) error {
		return e.SetCatalog(ctx, cat, engine.Actor{Name: "city"})
	}
	u, err := New(EngineSource{Engine: e}, &Options{StatePath: StatePath(dir), ApplyCatalog: apply, Timeout: 2 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := u.Enrol(ctx, c.url, code); err != nil {
		t.Fatal(err)
	}
	if _, err := u.SyncOnce(ctx); err != nil {
		t.Fatal(err)
	}
	if v := u.CatalogVersion(); v != "v1+town-b.1" {
		t.Fatalf("version %q", v)
	}
	s, _ := e.Catalog().Service(svc)
	if s.DailyCap != 7 || len(s.Hours) != 1 || s.Hours[0].Close != "12:00" || e.Catalog().Hall.Notices[0] != "city notice" {
		t.Fatalf("engine catalogue not applied: %+v", s)
	}
	// The city goes away: the site keeps its version, across a restart too.
	c.ts.Close()
	if _, err := u.SyncOnce(ctx); err == nil {
		t.Fatal("sync with the city gone succeeded")
	}
	u2, _ := New(EngineSource{Engine: e}, &Options{StatePath: StatePath(dir), ApplyCatalog: apply})
	if s, _ := e.Catalog().Service(svc); s.DailyCap != 7 || u2.CatalogVersion() != "v1+town-b.1" {
		t.Fatalf("after the city left: cap %d, version %q", s.DailyCap, u2.CatalogVersion())
	}
}
