package latency

import (
	"testing"
	"time"
)

type metrics map[string]float64

func (m metrics) ReportMetric(n float64, unit string) { m[unit] = n }

func TestQuantilesAndReport(t *testing.T) {
	var d []time.Duration
	for i := 100; i >= 1; i-- { // 100 ms .. 1 ms, unsorted on purpose
		d = append(d, time.Duration(i)*time.Millisecond)
	}
	if q := Quantile(d, 0.5); q != 51 {
		t.Errorf("p50 %v", q)
	}
	if q := Quantile(d, 0.99); q != 100 {
		t.Errorf("p99 %v", q)
	}
	if d[0] != 100*time.Millisecond {
		t.Error("Quantile sorted its argument")
	}
	m := metrics{}
	Report(m, "x", d)
	if m["x-p50-ms"] != 51 || m["x-p99-ms"] != 100 || m["x-max-ms"] != 100 || len(m) != 3 {
		t.Errorf("report %v", m)
	}
	Report(m, "empty", nil)
	if len(m) != 3 {
		t.Error("empty input reported")
	}
}
