package engine

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"hallkiosk/queue/catalog"
)

// BenchCatalog returns a catalogue with one 24×7 service and n windows
// authorised for it (benchmarks and load tests).
func benchCatalog(n int) *catalog.Catalog {
	c := &catalog.Catalog{Hall: catalog.HallInfo{Name: "bench"}, Zones: []catalog.Zone{{ID: "z", Name: "Z", Services: []catalog.Service{{ID: "svc", Prefix: "A", Name: "业务"}}}}}
	for i := 1; i <= n; i++ {
		c.Windows = append(c.Windows, catalog.Window{Number: i, Zone: "z", Services: []string{"svc"}})
	}
	return c
}

// fsyncFloor measures single-row INSERT+COMMIT transactions per second on
// the engine's SQLite settings (WAL, synchronous=FULL): the durable-write
// floor one sequential writer can reach.
func fsyncFloor(b *testing.B, path string) float64 {
	b.Helper()
	db, err := sql.Open("sqlite3", DSN(path))
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	if _, err := db.Exec(`CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)`); err != nil {
		b.Fatal(err)
	}
	start := time.Now()
	n := 0
	for time.Since(start) < time.Second || n < 100 {
		tx, err := db.Begin()
		if err != nil {
			b.Fatal(err)
		}
		if _, err := tx.Exec(`INSERT INTO t(v) VALUES (?)`, fmt.Sprint("row", n)); err != nil {
			b.Fatal(err)
		}
		if err := tx.Commit(); err != nil {
			b.Fatal(err)
		}
		n++
	}
	return float64(n) / time.Since(start).Seconds()
}

// perDay is how many tickets a benchmark issues before it moves its
// engine's clock to the next day: a service has 4,999 numbers a day
// (Options.NumberMax), and Go's benchtime asks for however many cycles fit
// in it, so long runs issue in blocks of a fresh day each.
const perDay = 4000

// blockClock is an engine clock that runs with real time but jumps a day
// ahead for every perDay tickets counted by issued.
type blockClock struct{ issued atomic.Int64 }

func newBlockClock() *blockClock { return &blockClock{} }

func (c *blockClock) Now() time.Time { return time.Now().AddDate(0, 0, c.day()) }

// day is the number of days the clock has moved ahead.
func (c *blockClock) day() int { return int(c.issued.Load() / perDay) }

// BenchmarkIssueCall runs ticket cycles — issue, call next, finish: three
// durable operations — from 32 concurrent windows, and compares the rate
// with the fsync floor measured in the same run. Metrics: cycles/s, ops/s
// (3 per cycle), floor_tx/s, ratio (cycles/s ÷ floor_tx/s; ≥ 0.5 is the
// target, and the issue+call pair alone is 2/3 of a cycle's work).
func BenchmarkIssueCall(b *testing.B) {
	dir := b.TempDir()
	floor := fsyncFloor(b, filepath.Join(dir, "floor.db"))
	clk := newBlockClock()
	e, err := Open(context.Background(), filepath.Join(dir, "hall.db"), Options{Catalog: benchCatalog(64), Now: clk.Now})
	if err != nil {
		b.Fatal(err)
	}
	defer e.Close()
	var win atomic.Int64
	b.SetParallelism(16) // 16 × GOMAXPROCS goroutines
	b.ResetTimer()
	start := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		n := int(win.Add(1)-1)%64 + 1
		ctx := context.Background()
		for pb.Next() {
			clk.issued.Add(1)
			if _, err := e.Issue(ctx, IssueRequest{Service: "svc"}); err != nil {
				b.Error(err)
				return
			}
			day := clk.day()
			if _, err := e.CallNext(ctx, n, "bench"); err != nil {
				if CodeOf(err) == CodeNoTicket {
					continue
				}
				b.Error(err)
				return
			}
			if _, err := e.Finish(ctx, n, "bench"); err != nil {
				if CodeOf(err) == CodeNoTicket && clk.day() != day {
					continue // the new day ended the ticket being served
				}
				b.Error(err)
				return
			}
		}
	})
	el := time.Since(start).Seconds()
	b.StopTimer()
	cycles := float64(b.N) / el
	b.ReportMetric(cycles, "cycles/s")
	b.ReportMetric(3*cycles, "ops/s")
	b.ReportMetric(floor, "floor_tx/s")
	b.ReportMetric(cycles/floor, "ratio")
	bt, ops := e.CommitStats()
	b.ReportMetric(float64(ops)/float64(bt), "ops/batch")
}

// BenchmarkIssueCallSerial is BenchmarkIssueCall from one client: no
// commits to share, so it shows the per-operation cost against the floor.
func BenchmarkIssueCallSerial(b *testing.B) {
	dir := b.TempDir()
	floor := fsyncFloor(b, filepath.Join(dir, "floor.db"))
	clk := newBlockClock()
	e, err := Open(context.Background(), filepath.Join(dir, "hall.db"), Options{Catalog: benchCatalog(1), Now: clk.Now})
	if err != nil {
		b.Fatal(err)
	}
	defer e.Close()
	ctx := context.Background()
	b.ResetTimer()
	start := time.Now()
	for range b.N {
		clk.issued.Add(1)
		if _, err := e.Issue(ctx, IssueRequest{Service: "svc"}); err != nil {
			b.Fatal(err)
		}
		if _, err := e.CallNext(ctx, 1, "bench"); err != nil {
			b.Fatal(err)
		}
		if _, err := e.Finish(ctx, 1, "bench"); err != nil {
			b.Fatal(err)
		}
	}
	el := time.Since(start).Seconds()
	b.StopTimer()
	cycles := float64(b.N) / el
	b.ReportMetric(cycles, "cycles/s")
	b.ReportMetric(3*cycles, "ops/s")
	b.ReportMetric(floor, "floor_tx/s")
	b.ReportMetric(cycles/floor, "ratio")
}
