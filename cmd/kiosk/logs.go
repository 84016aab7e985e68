package main

import (
	"bytes"
	"sync"
)

// ring keeps the last lines written to it, for the maintenance screen's
// "recent logs" (the logger has already redacted personal data).
type ring struct {
	mu    sync.Mutex
	lines []string
	max   int
	part  []byte
}

func newRing(max int) *ring { return &ring{max: max} }

// Write stores complete lines.
func (r *ring) Write(p []byte) (int, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.part = append(r.part, p...)
	for {
		i := bytes.IndexByte(r.part, '\n')
		if i < 0 {
			break
		}
		line := string(r.part[:i])
		r.part = r.part[i+1:]
		if len(line) > 240 {
			line = line[:240] + "…"
		}
		r.lines = append(r.lines, line)
		if len(r.lines) > r.max {
			r.lines = r.lines[len(r.lines)-r.max:]
		}
	}
	return len(p), nil
}

// RecentLogs returns up to n of the most recent lines, oldest first.
func (r *ring) RecentLogs(n int) []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	if n > len(r.lines) {
		n = len(r.lines)
	}
	return append([]string(nil), r.lines[len(r.lines)-n:]...)
}
