// Package sdnotify speaks systemd's notify protocol (sd_notify(3)) without
// libsystemd: READY=1 when the service is up, WATCHDOG=1 pings at half the
// WatchdogSec interval, STOPPING=1 on shutdown. Outside systemd
// (NOTIFY_SOCKET unset) every call is a no-op.
package sdnotify

import (
	"context"
	"net"
	"os"
	"strconv"
	"time"
)

// Notify sends one state string, e.g. "READY=1". It reports whether a
// notification socket was present.
func Notify(state string) (bool, error) {
	path := os.Getenv("NOTIFY_SOCKET")
	if path == "" {
		return false, nil
	}
	if path[0] == '@' {
		path = "\x00" + path[1:]
	}
	conn, err := net.DialUnix("unixgram", nil, &net.UnixAddr{Name: path, Net: "unixgram"})
	if err != nil {
		return true, err
	}
	defer conn.Close()
	_, err = conn.Write([]byte(state))
	return true, err
}

// WatchdogInterval returns the configured watchdog timeout (WATCHDOG_USEC),
// or 0 when the watchdog is off or meant for another process.
func WatchdogInterval() time.Duration {
	if pid := os.Getenv("WATCHDOG_PID"); pid != "" && pid != strconv.Itoa(os.Getpid()) {
		return 0
	}
	us, err := strconv.ParseInt(os.Getenv("WATCHDOG_USEC"), 10, 64)
	if err != nil || us <= 0 {
		return 0
	}
	return time.Duration(us) * time.Microsecond
}

// Watchdog pings systemd at half the watchdog interval for as long as
// healthy returns true and ctx is live. A stuck main loop makes healthy
// return false, the pings stop and systemd restarts the service.
func Watchdog(ctx context.Context, healthy func() bool) {
	iv := WatchdogInterval()
	if iv == 0 {
		return
	}
	t := time.NewTicker(iv / 2)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if healthy == nil || healthy() {
				_, _ = Notify("WATCHDOG=1")
			}
		}
	}
}
