package synctest_test

import (
	"context"
	"fmt"
	"runtime"
	"testing"
	"time"

	"hallkiosk/kiosk/store"
	qsync "hallkiosk/queue/sync"
)

// peakHeap samples the in-use heap every millisecond until stop is
// closed and returns the peak in MiB. Kiosk and hall share this process,
// so it bounds both.
func peakHeap(stop <-chan struct{}) <-chan float64 {
	out := make(chan float64, 1)
	go func() {
		var ms runtime.MemStats
		peak := uint64(0)
		tk := time.NewTicker(time.Millisecond)
		defer tk.Stop()
		for {
			runtime.ReadMemStats(&ms)
			peak = max(peak, ms.HeapInuse)
			select {
			case <-stop:
				out <- float64(peak) / (1 << 20)
				return
			case <-tk.C:
			}
		}
	}()
	return out
}

// timedSync runs one catch-up and returns its duration and peak heap.
func timedSync(b *testing.B, c *qsync.Client, st *store.Store) (time.Duration, float64) {
	ctx := context.Background()
	runtime.GC()
	stop := make(chan struct{})
	peak := peakHeap(stop)
	b.StartTimer()
	start := time.Now()
	err := c.SyncOnce(ctx)
	d := time.Since(start)
	b.StopTimer()
	close(stop)
	if err != nil {
		b.Fatal(err)
	}
	if n, _ := st.PendingCount(ctx); n != 0 {
		b.Fatalf("%d events still pending", n)
	}
	return d, <-peak
}

// BenchmarkCatchUp7DayOutage: a busy kiosk was cut off for a week and
// holds 10,000 events: 3,000 tickets issued and printed (6,000 events)
// and 4,000 evaluations, health reports and audit entries. One op is the
// whole catch-up over TLS on loopback into the SQLite reference hall.
func BenchmarkCatchUp7DayOutage(b *testing.B) {
	ctx := context.Background()
	var total time.Duration
	var peak float64
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		th := newTestHall(b, &qsync.HallOptions{Lease: 1000})
		st, c := newKiosk(b, th, th.url, nil)
		st.SetServices(ctx, "A", "B", "C")
		if err := c.SyncOnce(ctx); err != nil { // leases of 1,000 numbers per service
			b.Fatal(err)
		}
		// Offline from here: 3,000 tickets from the leases.
		for k := 0; k < 3000; k++ {
			tk, err := st.Issue(ctx, []string{"A", "B", "C"}[k%3])
			if err != nil {
				b.Fatal(err)
			}
			if tk.Overflow {
				b.Fatal("ticket from the overflow range")
			}
			if err := st.MarkPrinted(ctx, tk); err != nil {
				b.Fatal(err)
			}
		}
		for _, kind := range []string{qsync.KindEvaluation, qsync.KindHealth, qsync.KindAudit, qsync.KindEvaluation} {
			p := make([]any, 1000)
			for k := range p {
				p[k] = map[string]any{"ticket": fmt.Sprintf("A%04d", k+1), "score": k%5 + 1, "window": k % 114}
			}
			if _, err := st.AppendMany(ctx, kind, p); err != nil {
				b.Fatal(err)
			}
		}
		if n, _ := st.PendingCount(ctx); n != 10000 {
			b.Fatalf("pending %d, want 10000", n)
		}
		d, p := timedSync(b, c, st)
		total += d
		peak = max(peak, p)
	}
	b.ReportMetric(total.Seconds()/float64(b.N), "s/catchup")
	b.ReportMetric(10000*float64(b.N)/total.Seconds(), "events/s")
	b.ReportMetric(peak, "peak-heap-MiB")
}

// BenchmarkPush measures push throughput (kiosk outbox → TLS → hall
// SQLite and back to the acknowledgement) and the peak heap, for two
// backlog sizes: a flat peak across them shows memory does not grow with
// the backlog.
func BenchmarkPush(b *testing.B) {
	for _, n := range []int{20000, 80000} {
		b.Run(fmt.Sprintf("events=%d", n), func(b *testing.B) {
			ctx := context.Background()
			var total time.Duration
			var peak float64
			for i := 0; i < b.N; i++ {
				b.StopTimer()
				th := newTestHall(b, nil)
				st, c := newKiosk(b, th, th.url, nil)
				p := make([]any, 2000)
				for k := range p {
					p[k] = map[string]any{"ticket": fmt.Sprintf("B%04d", k+1), "score": k%5 + 1, "window": k % 114, "note": "办理满意"}
				}
				for done := 0; done < n; done += len(p) {
					if _, err := st.AppendMany(ctx, qsync.KindEvaluation, p); err != nil {
						b.Fatal(err)
					}
				}
				d, pk := timedSync(b, c, st)
				total += d
				peak = max(peak, pk)
			}
			b.ReportMetric(float64(n)*float64(b.N)/total.Seconds(), "events/s")
			b.ReportMetric(peak, "peak-heap-MiB")
		})
	}
}
