package uplink

import (
	"context"
	"fmt"
	"path/filepath"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"hallkiosk/city/wire"
	"hallkiosk/queue/sync/faultproxy"
)

// genSource makes events on the fly (nothing kept): a site log of n events.
type genSource struct {
	n     atomic.Int64
	start time.Time
}

func (g *genSource) event(seq int64) wire.Event {
	at := g.start.Add(time.Duration(seq) * 8 * time.Second)
	kind := [...]string{"issue", "call", "finish", "rate"}[seq%4]
	return wire.Event{Seq: seq, At: at.UnixMilli(), Day: at.In(zone).Format(time.DateOnly), Kind: kind,
		Ticket: fmt.Sprintf("20261201-%08d", seq/4), Label: fmt.Sprintf("A%03d", seq%999), Service: "tax", Window: int(seq % 40), Actor: "staff07", State: "done", Detail: "5"}
}

func (g *genSource) EventsAfter(ctx context.Context, after int64, limit int) ([]wire.Event, error) {
	n := g.n.Load()
	out := make([]wire.Event, 0, min(int64(limit), max(n-after, 0)))
	for s := after + 1; s <= n && len(out) < limit; s++ {
		out = append(out, g.event(s))
	}
	return out, nil
}

// copyFloor COPYs n events of a fresh site straight into the event log,
// one COPY per batch of 5,000 in its own transaction: what PostgreSQL
// does at best with the same rows.
func copyFloor(b *testing.B, c *city, site string, src *genSource, n int) float64 {
	ctx := context.Background()
	if err := c.st.AddSite(ctx, site, site, "hall", ""); err != nil {
		b.Fatal(err)
	}
	days := map[string]bool{}
	for s := int64(1); s <= int64(n); s += 1000 {
		days[src.event(s).Day] = true
	}
	for d := range days {
		if err := c.st.EnsurePartitions(ctx, d); err != nil {
			b.Fatal(err)
		}
	}
	t0 := time.Now()
	for first := int64(1); first <= int64(n); first += 5000 {
		rows := [][]any{}
		for s := first; s < first+5000 && s <= int64(n); s++ {
			e := src.event(s)
			d, _ := time.Parse(time.DateOnly, e.Day)
			rows = append(rows, []any{site, d, e.Seq, time.UnixMilli(e.At), time.Now(), e.Kind, e.Ticket, e.Label, e.Service, int32(e.Window), e.Actor, e.State, e.Detail})
		}
		err := pgx.BeginFunc(ctx, c.st.Pool(), func(tx pgx.Tx) error {
			_, err := tx.CopyFrom(ctx, pgx.Identifier{"events"}, eventColumns, pgx.CopyFromRows(rows))
			return err
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	return float64(n) / time.Since(t0).Seconds()
}

var eventColumns = []string{"site_id", "day", "seq", "at", "received_at", "kind", "ticket", "label", "service", "win", "actor", "state", "detail"}

// BenchmarkIngest: events/s from a site's log into PostgreSQL through the
// real uplink and city API (TLS on loopback, signed batches of 5,000),
// against the COPY floor of the same server in the same run.
func BenchmarkIngest(b *testing.B) {
	const n = 70000
	for i := 0; i < b.N; i++ {
		c := startCityB(b)
		ctx := context.Background()
		floor := copyFloor(b, c, fmt.Sprintf("floor-%d", i), &genSource{start: time.Now().Add(-7 * 24 * time.Hour)}, n)
		src := &genSource{start: time.Now().Add(-7 * 24 * time.Hour)}
		src.n.Store(n)
		u, err := New(src, &Options{StatePath: filepath.Join(b.TempDir(), "u.json"), BatchSize: wire.MaxEvents, Timeout: time.Minute})
		if err != nil {
			b.Fatal(err)
		}
		if _, err := u.Enrol(ctx, c.url, c.codeB(b, "hall-a", "hall")); err != nil {
			b.Fatal(err)
		}
		t0 := time.Now()
		got, err := u.SyncOnce(ctx)
		el := time.Since(t0)
		if err != nil || got != n {
			b.Fatalf("applied %d, %v", got, err)
		}
		rate := float64(n) / el.Seconds()
		b.ReportMetric(rate, "uplink-events/s")
		b.ReportMetric(floor, "copy-floor-events/s")
		b.ReportMetric(rate/floor, "ratio")
		// The 7-day outage catch-up: 70,000 events in one SyncOnce.
		b.ReportMetric(el.Seconds(), "catchup-70k-s")
	}
}

// BenchmarkUplinkMemoryCityDown: the city is unreachable (its address refuses connections)
// while the site's log grows by a simulated week (70,000 events, 10,000
// a day); after each day's failed attempt the live heap is sampled. Flat
// means the uplink holds one batch at most, whatever the backlog.
func BenchmarkUplinkMemoryCityDown(b *testing.B) {
	for i := 0; i < b.N; i++ {
		c := startCityB(b)
		ctx := context.Background()
		px, err := faultproxy.New("127.0.0.1:0", strings.TrimPrefix(c.url, "https://"), faultproxy.Faults{})
		if err != nil {
			b.Fatal(err)
		}
		src := &genSource{start: time.Now().Add(-7 * 24 * time.Hour)}
		state := filepath.Join(b.TempDir(), "u.json")
		u, err := New(src, &Options{StatePath: state, Timeout: 200 * time.Millisecond})
		if err != nil {
			b.Fatal(err)
		}
		if _, err := u.Enrol(ctx, "https://"+px.Addr(), c.codeB(b, "hall-a", "hall")); err != nil {
			b.Fatal(err)
		}
		// The city goes away: nothing listens on its address any more
		// (connections refused), so no state piles up on the other side.
		addr := px.Addr()
		px.Close()
		var heaps []float64
		for day := 1; day <= 7; day++ {
			src.n.Store(int64(day) * 10000)
			for k := 0; k < 3; k++ {
				if _, err := u.SyncOnce(ctx); err == nil {
					b.Fatal("push through a dead link")
				}
			}
			runtime.GC()
			var ms runtime.MemStats
			runtime.ReadMemStats(&ms)
			heaps = append(heaps, float64(ms.HeapAlloc)/(1<<20))
		}
		b.Logf("live heap after each day's failed attempts (MiB; the city server and its pool share the process): %.2f", heaps)
		b.ReportMetric(heaps[0], "heap-day1-MiB")
		b.ReportMetric(heaps[6], "heap-day7-MiB")
		if px, err = faultproxy.New(addr, strings.TrimPrefix(c.url, "https://"), faultproxy.Faults{}); err != nil {
			b.Fatal(err)
		}
		// The city is back; the site restarts its uplink with the usual timeout.
		u, err = New(src, &Options{StatePath: state, Timeout: time.Minute})
		if err != nil {
			b.Fatal(err)
		}
		t0 := time.Now()
		if n, err := u.SyncOnce(ctx); err != nil || n != 70000 {
			b.Fatalf("after the week: applied %d, %v", n, err)
		}
		b.ReportMetric(time.Since(t0).Seconds(), "catchup-after-week-s")
		px.Close()
	}
}
