package hallapi

import (
	"slices"
	"strings"
	"sync"
)

// extraMetrics holds, per Server, the functions AddMetrics added.
var extraMetrics sync.Map // *Server -> *extraList

type extraList struct {
	mu sync.Mutex
	fs []func(*strings.Builder)
}

// AddMetrics adds f to /metrics: it appends lines in the Prometheus text
// format after the server's own (a program's extra parts, such as the hall
// server's call-out backlog).
func (s *Server) AddMetrics(f func(*strings.Builder)) {
	v, _ := extraMetrics.LoadOrStore(s, &extraList{})
	l := v.(*extraList)
	l.mu.Lock()
	l.fs = append(l.fs, f)
	l.mu.Unlock()
}

func (s *Server) writeExtraMetrics(b *strings.Builder) {
	v, ok := extraMetrics.Load(s)
	if !ok {
		return
	}
	l := v.(*extraList)
	l.mu.Lock()
	fs := slices.Clone(l.fs)
	l.mu.Unlock()
	for _, f := range fs {
		f(b)
	}
}
