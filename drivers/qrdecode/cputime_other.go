//go:build !linux

package qrdecode

import "time"

// threadCPU falls back to the wall clock where thread CPU time is not
// available.
func threadCPU() time.Duration { return time.Duration(time.Now().UnixNano()) }
