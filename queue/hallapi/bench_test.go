package hallapi

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"hallkiosk/internal/latency"
	"hallkiosk/queue/catalog"
	"hallkiosk/queue/engine"
)

// perService is how many tickets a benchmark issues of one service before
// it moves on to the next: a service has 4,999 numbers a day, and Go's
// benchtime may ask for more calls than that.
const perService = 4000

// benchCatalog returns a catalogue of n windows, each authorised for
// enough services ("svc", "svc2", ...) to issue tickets tickets.
func benchCatalog(n, tickets int) *catalog.Catalog {
	var svcs []catalog.Service
	var ids []string
	for k := 0; k <= tickets/perService; k++ {
		s := catalog.Service{ID: serviceID(k), Prefix: prefix(k), Name: "业务"}
		svcs = append(svcs, s)
		ids = append(ids, s.ID)
	}
	c := &catalog.Catalog{Hall: catalog.HallInfo{Name: "bench"}, Zones: []catalog.Zone{{ID: "z", Name: "Z", Services: svcs}}}
	for i := 1; i <= n; i++ {
		c.Windows = append(c.Windows, catalog.Window{Number: i, Zone: "z", Services: ids})
	}
	return c
}

// serviceID names the service of the k-th block of tickets.
func serviceID(k int) string {
	if k == 0 {
		return "svc"
	}
	return fmt.Sprintf("svc%d", k+1)
}

// prefix returns the ticket letters of block k: A..Z, then AA, AB, ...
func prefix(k int) string {
	if k < 26 {
		return string(rune('A' + k))
	}
	k -= 26
	return string(rune('A'+k/26%26)) + string(rune('A'+k%26))
}

// BenchmarkCallNext200 measures call-next latency over HTTP on loopback
// with 200 concurrent clients (one per window, each with its own staff
// session), every call durable before the reply. After each call the
// client marks the citizen as arrived (start), outside the measured
// request, so that the next call finishes the served ticket.
//
// The sub-benchmarks offer a fixed aggregate rate (open loop: each client
// calls on its own schedule, starting at a random offset) and measure each
// call from the moment it was due, so a client that falls behind counts
// the delay too. closed has every client call again as soon as the
// previous reply arrives: that is the server's saturation throughput, and
// its latency is 200 / throughput by Little's law, not a property of one
// call. Metrics: p50_ms, p99_ms, calls/s (achieved).
func BenchmarkCallNext200(b *testing.B) {
	for _, rate := range []int{200, 1000, 2000, 2500} {
		b.Run(fmt.Sprintf("rate=%d", rate), func(b *testing.B) { benchCallNext(b, time.Second*200/time.Duration(rate)) })
	}
	b.Run("closed", func(b *testing.B) { benchCallNext(b, 0) })
}

func benchCallNext(b *testing.B, every time.Duration) {
	const clients = 200
	ctx := context.Background()
	// Enough waiting tickets for every call, issued concurrently, in blocks
	// of perService tickets a service.
	total := b.N + clients
	e, err := engine.Open(ctx, filepath.Join(b.TempDir(), "hall.db"), engine.Options{Catalog: benchCatalog(clients, total)})
	if err != nil {
		b.Fatal(err)
	}
	defer e.Close()
	s, err := New(ctx, e, Config{})
	if err != nil {
		b.Fatal(err)
	}
	rctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go s.Run(rctx)
	ts := httptest.NewServer(s)
	defer ts.Close()
	tr := &http.Transport{MaxIdleConns: clients * 2, MaxIdleConnsPerHost: clients * 2}
	hc := &http.Client{Transport: tr}
	post := func(path, tok string, body any) (int, []byte) {
		var rd io.Reader = http.NoBody
		if body != nil {
			data, _ := json.Marshal(body)
			rd = bytes.NewReader(data)
		}
		req, _ := http.NewRequest("POST", ts.URL+path, rd)
		if body != nil {
			req.Header.Set("Content-Type", "application/json") // JSON bodies must say so
		}
		if tok != "" {
			req.Header.Set("Authorization", "Bearer "+tok)
		}
		resp, err := hc.Do(req)
		if err != nil {
			return 0, []byte(err.Error())
		}
		data, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		return resp.StatusCode, data
	}
	tokens := make([]string, clients)
	for i := range clients {
		name := fmt.Sprintf("w%d", i+1)
		if err := s.AddUser(ctx, User{Name: name, Role: RoleStaff, Window: i + 1}, "password-"+name); err != nil {
			b.Fatal(err)
		}
		code, data := post("/api/v1/login", "", map[string]string{"user": name, "password": "password-" + name})
		var r struct{ Token string }
		json.Unmarshal(data, &r)
		if code != 200 || r.Token == "" {
			b.Fatalf("login %s: %d %s", name, code, data)
		}
		tokens[i] = r.Token
	}
	var wg sync.WaitGroup
	var issued atomic.Int64
	for range 32 {
		wg.Go(func() {
			for {
				k := issued.Add(1)
				if k > int64(total) {
					return
				}
				if _, err := e.Issue(ctx, engine.IssueRequest{Service: serviceID(int(k-1) / perService)}); err != nil {
					b.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	var left atomic.Int64
	left.Store(int64(b.N))
	lat := make([][]time.Duration, clients)
	b.ResetTimer()
	start := time.Now()
	for i := range clients {
		wg.Go(func() {
			win := i + 1
			path := fmt.Sprintf("/api/v1/windows/%d/", win)
			due := start
			if every > 0 {
				due = start.Add(time.Duration(rand.Int64N(int64(every))))
			}
			for left.Add(-1) >= 0 {
				t0 := time.Now()
				if every > 0 {
					time.Sleep(time.Until(due))
					t0 = due // latency counts from when the call was due
					due = due.Add(every)
				}
				code, data := post(path+"next", tokens[i], nil)
				lat[i] = append(lat[i], time.Since(t0))
				if code != 200 {
					b.Errorf("next: %d %s", code, data)
					return
				}
				if code, data := post(path+"start", tokens[i], nil); code != 200 {
					b.Errorf("start: %d %s", code, data)
					return
				}
			}
		})
	}
	wg.Wait()
	el := time.Since(start)
	b.StopTimer()
	var all []time.Duration
	for _, l := range lat {
		all = append(all, l...)
	}
	b.ReportMetric(latency.Quantile(all, 0.50), "p50_ms")
	b.ReportMetric(latency.Quantile(all, 0.99), "p99_ms")
	b.ReportMetric(float64(len(all))/el.Seconds(), "calls/s")
}
