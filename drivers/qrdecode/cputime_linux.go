package qrdecode

import (
	"time"

	"golang.org/x/sys/unix"
)

// threadCPU returns the CPU time used by the calling OS thread; Decode locks
// its goroutine to a thread, so budgets and timings do not depend on how
// busy the rest of the machine is.
func threadCPU() time.Duration {
	// CLOCK_THREAD_CPUTIME_ID counts to the nanosecond up to now;
	// getrusage(RUSAGE_THREAD) only moves when the scheduler accounts the
	// running thread (a tick or a switch), so a short pass could look free.
	var ts unix.Timespec
	if err := unix.ClockGettime(unix.CLOCK_THREAD_CPUTIME_ID, &ts); err != nil {
		return time.Duration(time.Now().UnixNano())
	}
	return time.Duration(ts.Nano())
}
