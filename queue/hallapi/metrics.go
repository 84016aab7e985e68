package hallapi

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"hallkiosk/queue/engine"
)

// metrics are exported in the Prometheus text format at /metrics.
type metrics struct {
	mu            sync.Mutex
	requests      map[string]int64 // pattern + "\x00" + code
	events        map[engine.EventKind]int64
	callBuckets   []float64 // seconds
	callCounts    []int64
	callSum       float64
	callN         int64
	issued        atomic.Int64
	loginFailures atomic.Int64
	sseClients    atomic.Int64
}

func newMetrics() *metrics {
	b := []float64{0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1}
	return &metrics{requests: map[string]int64{}, events: map[engine.EventKind]int64{}, callBuckets: b, callCounts: make([]int64, len(b))}
}

func (m *metrics) request(pattern string, code int, _ time.Duration) {
	if pattern == "" {
		pattern = "unmatched"
	}
	m.mu.Lock()
	m.requests[pattern+"\x00"+fmt.Sprint(code)]++
	m.mu.Unlock()
}

func (m *metrics) event(k engine.EventKind) {
	m.mu.Lock()
	m.events[k]++
	m.mu.Unlock()
}

func (m *metrics) callNext(d time.Duration, err error) {
	if err != nil {
		return
	}
	s := d.Seconds()
	m.mu.Lock()
	for i, b := range m.callBuckets {
		if s <= b {
			m.callCounts[i]++
		}
	}
	m.callSum += s
	m.callN++
	m.mu.Unlock()
}

func esc(s string) string {
	return strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`).Replace(s)
}

func (s *Server) metrics(w http.ResponseWriter, r *http.Request) {
	m := s.met
	w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
	var b strings.Builder
	m.mu.Lock()
	b.WriteString("# HELP hall_http_requests_total HTTP requests by route pattern and status.\n# TYPE hall_http_requests_total counter\n")
	keys := make([]string, 0, len(m.requests))
	for k := range m.requests {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		p, c, _ := strings.Cut(k, "\x00")
		fmt.Fprintf(&b, "hall_http_requests_total{route=\"%s\",code=\"%s\"} %d\n", esc(p), c, m.requests[k])
	}
	b.WriteString("# HELP hall_events_total Committed queue events by kind.\n# TYPE hall_events_total counter\n")
	kinds := make([]string, 0, len(m.events))
	for k := range m.events {
		kinds = append(kinds, string(k))
	}
	slices.Sort(kinds)
	for _, k := range kinds {
		fmt.Fprintf(&b, "hall_events_total{kind=\"%s\"} %d\n", esc(k), m.events[engine.EventKind(k)])
	}
	b.WriteString("# HELP hall_call_next_seconds Latency of successful call-next operations.\n# TYPE hall_call_next_seconds histogram\n")
	for i, le := range m.callBuckets {
		fmt.Fprintf(&b, "hall_call_next_seconds_bucket{le=\"%g\"} %d\n", le, m.callCounts[i])
	}
	fmt.Fprintf(&b, "hall_call_next_seconds_bucket{le=\"+Inf\"} %d\nhall_call_next_seconds_sum %g\nhall_call_next_seconds_count %d\n", m.callN, m.callSum, m.callN)
	m.mu.Unlock()
	fmt.Fprintf(&b, "# HELP hall_tickets_issued_total Tickets issued through the API since start.\n# TYPE hall_tickets_issued_total counter\nhall_tickets_issued_total %d\n", m.issued.Load())
	fmt.Fprintf(&b, "# HELP hall_login_failures_total Failed staff logins since start.\n# TYPE hall_login_failures_total counter\nhall_login_failures_total %d\n", m.loginFailures.Load())
	fmt.Fprintf(&b, "# HELP hall_sse_clients Connected display streams.\n# TYPE hall_sse_clients gauge\nhall_sse_clients %d\n", m.sseClients.Load())
	b.WriteString("# HELP hall_waiting Tickets waiting per service.\n# TYPE hall_waiting gauge\n")
	st := s.e.Status()
	for _, q := range st {
		fmt.Fprintf(&b, "hall_waiting{service=\"%s\"} %d\n", esc(q.ID), q.Waiting)
	}
	b.WriteString("# HELP hall_issued_today Tickets issued today per service.\n# TYPE hall_issued_today gauge\n")
	for _, q := range st {
		fmt.Fprintf(&b, "hall_issued_today{service=\"%s\"} %d\n", esc(q.ID), q.IssuedToday)
	}
	b.WriteString("# HELP hall_estimated_wait_minutes Estimated wait of a ticket taken now.\n# TYPE hall_estimated_wait_minutes gauge\n")
	for _, q := range st {
		fmt.Fprintf(&b, "hall_estimated_wait_minutes{service=\"%s\"} %d\n", esc(q.ID), q.WaitMin)
	}
	open, paused := 0, 0
	for _, w := range s.e.Windows() {
		if w.Paused {
			paused++
		} else if w.Staff != "" {
			open++
		}
	}
	fmt.Fprintf(&b, "# HELP hall_windows Windows by state.\n# TYPE hall_windows gauge\nhall_windows{state=\"open\"} %d\nhall_windows{state=\"paused\"} %d\n", open, paused)
	s.writeExtraMetrics(&b)
	w.Write([]byte(b.String()))
}
