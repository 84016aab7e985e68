// Package latency summarises measured durations for benchmarks: the
// percentiles that the project's latency targets name.
package latency

import (
	"slices"
	"time"
)

// Reporter is what a benchmark reports metrics to (*testing.B).
type Reporter interface {
	ReportMetric(n float64, unit string)
}

// Quantile returns the q-quantile (0..1) of d in milliseconds: the value
// below which a fraction q of the samples lie (nearest rank). 0 when d is
// empty.
func Quantile(d []time.Duration, q float64) float64 {
	if len(d) == 0 {
		return 0
	}
	s := slices.Clone(d)
	slices.Sort(s)
	return ms(s[min(len(s)-1, int(q*float64(len(s))))])
}

// Report reports name-p50-ms, name-p99-ms and name-max-ms of d to r.
func Report(r Reporter, name string, d []time.Duration) {
	if len(d) == 0 {
		return
	}
	r.ReportMetric(Quantile(d, 0.5), name+"-p50-ms")
	r.ReportMetric(Quantile(d, 0.99), name+"-p99-ms")
	r.ReportMetric(ms(slices.Max(d)), name+"-max-ms")
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
