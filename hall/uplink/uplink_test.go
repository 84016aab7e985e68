package uplink

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	gosync "sync"
	"testing"
	"time"

	"hallkiosk/city/pgtest"
	"hallkiosk/city/server"
	"hallkiosk/city/store"
	"hallkiosk/city/wire"
	"hallkiosk/queue/sync"
	"hallkiosk/queue/sync/faultproxy"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

// memSource is a site log in memory: event i has seq i+1.
type memSource struct {
	mu    gosync.Mutex
	evs   []wire.Event
	reads int
}

func (m *memSource) add(n int, start time.Time, step time.Duration) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for i := 0; i < n; i++ {
		seq := int64(len(m.evs) + 1)
		at := start.Add(time.Duration(i) * step)
		kind := []string{"issue", "call", "finish", "rate"}[seq%4]
		m.evs = append(m.evs, wire.Event{Seq: seq, At: at.UnixMilli(), Day: at.In(zone).Format(time.DateOnly), Kind: kind,
			Ticket: fmt.Sprintf("t%d", seq/4), Label: "A" + fmt.Sprint(seq%999), Service: "tax", Window: 1, State: "done", Detail: "5"})
	}
}

func (m *memSource) EventsAfter(ctx context.Context, after int64, limit int) ([]wire.Event, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.reads++
	if after >= int64(len(m.evs)) {
		return nil, nil
	}
	end := min(int(after)+limit, len(m.evs))
	return append([]wire.Event(nil), m.evs[after:end]...), nil
}

var zone = time.FixedZone("CST", 8*3600)

type city struct {
	st  *store.Store
	srv *server.Server
	url string
	fp  string
	ts  *httptest.Server
}

func startCity(t *testing.T) *city { return startCityB(t) }

func startCityB(t testing.TB) *city {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, pgtest.DB(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(st.Close)
	if err := st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	cert, fp, err := sync.LoadOrCreateCert(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	srv := server.New(st, &server.Options{Fingerprint: fp, RegionCode: "620981", RaterKey: []byte("city-rater-key")})
	ts := httptest.NewUnstartedServer(srv)
	ts.TLS = &tls.Config{Certificates: []tls.Certificate{cert}}
	ts.Config.ErrorLog = log.New(io.Discard, "", 0)
	ts.StartTLS()
	t.Cleanup(ts.Close)
	return &city{st: st, srv: srv, url: ts.URL, fp: fp, ts: ts}
}

func (c *city) code(t *testing.T, site, kind string) string { return c.codeB(t, site, kind) }

func (c *city) codeB(t testing.TB, site, kind string) string {
	t.Helper()
	ctx := context.Background()
	if err := c.st.AddSite(ctx, site, "site "+site, kind, ""); err != nil && !errors.Is(err, store.ErrExists) {
		t.Fatal(err)
	}
	code, err := c.srv.NewCode(ctx, site, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	return code
}

func (c *city) held(t *testing.T, site string) (n, distinct, maxSeq int64) {
	t.Helper()
	err := c.st.Pool().QueryRow(context.Background(), `SELECT count(*), count(DISTINCT seq), COALESCE(max(seq),0) FROM events WHERE site_id=$1`, site).Scan(&n, &distinct, &maxSeq)
	if err != nil {
		t.Fatal(err)
	}
	return
}

func newUplink(t *testing.T, src Source, state string, o *Options) *Uplink {
	t.Helper()
	opts := Options{StatePath: state, BatchSize: 1000, Timeout: 5 * time.Second}
	if o != nil {
		opts = *o
		opts.StatePath = state
	}
	u, err := New(src, &opts)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func TestEnrolShipResume(t *testing.T) {
	c := startCity(t)
	ctx := context.Background()
	src := &memSource{}
	src.add(4500, time.Now().Add(-48*time.Hour), 30*time.Second)
	state := filepath.Join(t.TempDir(), "uplink.json")
	u := newUplink(t, src, state, nil)
	if _, err := u.SyncOnce(ctx); !errors.Is(err, ErrNotEnrolled) {
		t.Fatalf("sync before enrolment: %v", err)
	}
	code := c.code(t, "hall-a", "hall")
	rep, err := u.Enrol(ctx, c.url, code)
	if err != nil || rep.Site != "hall-a" || rep.Kind != "hall" {
		t.Fatalf("enrol: %+v %v", rep, err)
	}
	n, err := u.SyncOnce(ctx)
	if err != nil || n != 4500 {
		t.Fatalf("first sync applied %d, %v", n, err)
	}
	if got, d, mx := c.held(t, "hall-a"); got != 4500 || d != 4500 || mx != 4500 {
		t.Fatalf("city holds %d (%d distinct, max %d)", got, d, mx)
	}
	// A restarted uplink resumes from its checkpoint: nothing resent.
	u2 := newUplink(t, src, state, nil)
	if s := u2.Status(); !s.Enrolled || s.Acked != 4500 || s.Site != "hall-a" {
		t.Fatalf("state after restart: %+v", s)
	}
	src.mu.Lock()
	src.reads = 0
	src.mu.Unlock()
	src.add(10, time.Now(), time.Second)
	if n, err := u2.SyncOnce(ctx); err != nil || n != 10 {
		t.Fatalf("resume applied %d, %v", n, err)
	}
	if got, _, _ := c.held(t, "hall-a"); got != 4510 {
		t.Fatalf("city holds %d after resume", got)
	}
	// A lost checkpoint on the site (state file of an old backup) costs a
	// resend, never a double: the city's checkpoint wins.
	old := newUplink(t, src, state, nil)
	old.st.Acked = 100
	if n, err := old.SyncOnce(ctx); err != nil || n != 0 || old.Status().Acked != 4510 {
		t.Fatalf("stale checkpoint: applied %d, acked %d, %v", n, old.Status().Acked, err)
	}
	if got, d, _ := c.held(t, "hall-a"); got != 4510 || d != 4510 {
		t.Fatalf("city holds %d (%d distinct) after a stale resend", got, d)
	}
}

func TestEnrolRefusesWrongCertificateAndCode(t *testing.T) {
	c := startCity(t)
	ctx := context.Background()
	code := c.code(t, "hall-a", "hall")
	secret, _, _ := strings.Cut(code, ".")
	u := newUplink(t, &memSource{}, filepath.Join(t.TempDir(), "u.json"), nil)
	// A code whose pin names another certificate: refused before the secret leaves.
	if _, err := u.Enrol(ctx, c.url, secret+".0000000000000000"); !errors.Is(err, ErrPin) {
		t.Fatalf("wrong pin: %v", err)
	}
	if _, err := u.Enrol(ctx, c.url, "WRONG."+c.fp[:16]); !isCode(err, "bad_enrolment_code") {
		t.Fatalf("wrong secret: %v", err)
	}
	if _, err := u.Enrol(ctx, "http://"+strings.TrimPrefix(c.url, "https://"), code); err == nil {
		t.Fatal("plain http accepted")
	}
	if _, err := u.Enrol(ctx, c.url, code); err != nil {
		t.Fatal(err)
	}
	// The same code by another site key is refused.
	other := newUplink(t, &memSource{}, filepath.Join(t.TempDir(), "o.json"), nil)
	if _, err := other.Enrol(ctx, c.url, code); !isCode(err, "bad_enrolment_code") {
		t.Fatalf("code reused: %v", err)
	}
}

func isCode(err error, code string) bool {
	var he *HTTPError
	return errors.As(err, &he) && he.Code == code
}

func TestRevokedSiteRefused(t *testing.T) {
	c := startCity(t)
	ctx := context.Background()
	src := &memSource{}
	src.add(10, time.Now(), time.Second)
	u := newUplink(t, src, filepath.Join(t.TempDir(), "u.json"), nil)
	if _, err := u.Enrol(ctx, c.url, c.code(t, "town-b", "township")); err != nil {
		t.Fatal(err)
	}
	if _, err := u.SyncOnce(ctx); err != nil {
		t.Fatal(err)
	}
	if err := c.st.Revoke(ctx, "town-b", time.Now()); err != nil {
		t.Fatal(err)
	}
	src.add(5, time.Now(), time.Second)
	if _, err := u.SyncOnce(ctx); !isCode(err, "revoked") {
		t.Fatalf("push after revocation: %v", err)
	}
	if got, _, _ := c.held(t, "town-b"); got != 10 {
		t.Fatalf("revoked site's events applied: %d", got)
	}
}

// TestCityDownForDaysThenBack: the city is unreachable (a dead link)
// while the site keeps working for a week of events; when it is back,
// every event arrives once, in site order.
func TestCityDownForDaysThenBack(t *testing.T) {
	c := startCity(t)
	ctx := context.Background()
	target := strings.TrimPrefix(c.url, "https://")
	px, err := faultproxy.New("127.0.0.1:0", target, faultproxy.Faults{})
	if err != nil {
		t.Fatal(err)
	}
	defer px.Close()
	src := &memSource{}
	state := filepath.Join(t.TempDir(), "u.json")
	u := newUplink(t, src, state, &Options{BatchSize: 2000, Timeout: time.Minute})
	if _, err := u.Enrol(ctx, "https://"+px.Addr(), c.code(t, "hall-a", "hall")); err != nil {
		t.Fatal(err)
	}
	week := time.Now().Add(-7 * 24 * time.Hour)
	src.add(100, week, time.Minute)
	if _, err := u.SyncOnce(ctx); err != nil {
		t.Fatal(err)
	}
	px.SetFaults(faultproxy.Faults{Drop: 1}) // the city is gone
	// Short timeouts while it is gone keep the test fast.
	u = newUplink(t, src, state, &Options{BatchSize: 2000, Timeout: 300 * time.Millisecond})
	for day := 0; day < 7; day++ {
		src.add(2000, week.Add(time.Duration(day)*24*time.Hour), 40*time.Second)
		if _, err := u.SyncOnce(ctx); err == nil {
			t.Fatalf("day %d: push succeeded through a dead link", day)
		}
	}
	if got, _, _ := c.held(t, "hall-a"); got != 100 {
		t.Fatalf("city holds %d while down", got)
	}
	px.SetFaults(faultproxy.Faults{})
	// Back: the site's uplink (restarted, with the usual timeout) resumes.
	u = newUplink(t, src, state, &Options{BatchSize: 2000, Timeout: time.Minute})
	n, err := u.SyncOnce(ctx)
	if err != nil || n != 14000 {
		t.Fatalf("catch-up applied %d, %v", n, err)
	}
	if got, d, mx := c.held(t, "hall-a"); got != 14100 || d != 14100 || mx != 14100 {
		t.Fatalf("city holds %d (%d distinct, max %d), want 14100 once each", got, d, mx)
	}
	got, err := c.st.Events(ctx, "hall-a", 0, 20000)
	if err != nil {
		t.Fatal(err)
	}
	for i, e := range got {
		if !reflect.DeepEqual(e, src.evs[i]) {
			t.Fatalf("event %d differs: %+v vs %+v", i, e, src.evs[i])
		}
	}
}

// TestFaultyLink: duplicated, reordered, reset and cut segments on the
// way; the uplink retries and the city ends with each event once.
func TestFaultyLink(t *testing.T) {
	c := startCity(t)
	ctx := context.Background()
	px, err := faultproxy.New("127.0.0.1:0", strings.TrimPrefix(c.url, "https://"), faultproxy.Faults{})
	if err != nil {
		t.Fatal(err)
	}
	defer px.Close()
	src := &memSource{}
	src.add(6000, time.Now().Add(-24*time.Hour), 10*time.Second)
	u := newUplink(t, src, filepath.Join(t.TempDir(), "u.json"), &Options{BatchSize: 500, Timeout: 2 * time.Second})
	if _, err := u.Enrol(ctx, "https://"+px.Addr(), c.code(t, "hall-a", "hall")); err != nil {
		t.Fatal(err)
	}
	px.SetFaults(faultproxy.Faults{Duplicate: 0.02, Reorder: 0.02, Reset: 0.02, Truncate: 0.02, Delay: 0.05, MaxDelay: 5 * time.Millisecond, Seed: 7})
	fails := 0
	for i := 0; i < 500; i++ {
		_, err := u.SyncOnce(ctx)
		if err == nil && u.Status().Acked == 6000 {
			break
		}
		if err != nil {
			fails++
			u.hc.CloseIdleConnections()
		}
	}
	st := px.Stats()
	if st.Duplicates+st.Reorders+st.Resets+st.Truncates == 0 || fails == 0 {
		t.Fatalf("no fault happened (%v, %d failed rounds): the test proves nothing", st, fails)
	}
	if got, d, mx := c.held(t, "hall-a"); got != 6000 || d != 6000 || mx != 6000 {
		t.Fatalf("city holds %d (%d distinct, max %d) after %v", got, d, mx, st)
	}
}

// TestSkewedSiteClock: a site whose clock is 3 hours fast still ships
// (requests carry city-corrected time), its events keep their order and
// their own times, and the sites API reports the skew for the dashboard.
func TestSkewedSiteClock(t *testing.T) {
	c := startCity(t)
	ctx := context.Background()
	skew := 3 * time.Hour
	siteNow := func() time.Time { return time.Now().Add(skew) }
	src := &memSource{}
	src.add(50, siteNow(), -time.Second) // times going backwards: order is by seq, not clock
	u := newUplink(t, src, filepath.Join(t.TempDir(), "u.json"), &Options{Now: siteNow, Timeout: 5 * time.Second})
	if _, err := u.Enrol(ctx, c.url, c.code(t, "hall-a", "hall")); err != nil {
		t.Fatal(err)
	}
	if n, err := u.SyncOnce(ctx); err != nil || n != 50 {
		t.Fatalf("skewed site: applied %d, %v", n, err)
	}
	site, err := c.st.Site(ctx, "hall-a")
	if err != nil {
		t.Fatal(err)
	}
	if d := time.Duration(site.SkewMS) * time.Millisecond; d < skew-time.Minute || d > skew+time.Minute {
		t.Fatalf("skew recorded %v, want about %v", d, skew)
	}
	got, _ := c.st.Events(ctx, "hall-a", 0, 100)
	for i := range got {
		if got[i].Seq != int64(i+1) || got[i].At != src.evs[i].At {
			t.Fatalf("event %d: %+v", i, got[i])
		}
	}
	// The same site with a plain unsigned-time client (no correction) is refused.
	req, _ := http.NewRequest("POST", c.url+wire.PathPush, strings.NewReader(`{}`))
	resp, err := c.ts.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("unsigned push: %d", resp.StatusCode)
	}
}

// TestEnrolledByAnotherProcess: a running uplink that was not enrolled
// picks up an enrolment written by kioskctl city enrol (another Uplink on
// the same state file).
func TestEnrolledByAnotherProcess(t *testing.T) {
	c := startCity(t)
	ctx := context.Background()
	src := &memSource{}
	src.add(20, time.Now(), time.Second)
	state := filepath.Join(t.TempDir(), "u.json")
	running := newUplink(t, src, state, nil)
	if _, err := running.SyncOnce(ctx); !errors.Is(err, ErrNotEnrolled) {
		t.Fatalf("before enrolment: %v", err)
	}
	if _, err := newUplink(t, nil, state, nil).Enrol(ctx, c.url, c.code(t, "hall-a", "hall")); err != nil {
		t.Fatal(err)
	}
	if n, err := running.SyncOnce(ctx); err != nil || n != 20 {
		t.Fatalf("after enrolment elsewhere: applied %d, %v", n, err)
	}
}
