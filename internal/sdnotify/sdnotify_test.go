package sdnotify

import (
	"context"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"
)

func TestNotifyAndWatchdog(t *testing.T) {
	sock := filepath.Join(t.TempDir(), "notify.sock")
	l, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: sock, Net: "unixgram"})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	t.Setenv("NOTIFY_SOCKET", sock)
	t.Setenv("WATCHDOG_USEC", "40000")
	t.Setenv("WATCHDOG_PID", strconv.Itoa(os.Getpid()))
	if ok, err := Notify("READY=1"); !ok || err != nil {
		t.Fatal(ok, err)
	}
	buf := make([]byte, 64)
	_ = l.SetReadDeadline(time.Now().Add(2 * time.Second))
	n, _, err := l.ReadFromUnix(buf)
	if err != nil || string(buf[:n]) != "READY=1" {
		t.Fatalf("got %q %v", buf[:n], err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	go Watchdog(ctx, func() bool { return true })
	n, _, err = l.ReadFromUnix(buf)
	cancel()
	if err != nil || string(buf[:n]) != "WATCHDOG=1" {
		t.Fatalf("got %q %v", buf[:n], err)
	}
}

func TestNoSocket(t *testing.T) {
	t.Setenv("NOTIFY_SOCKET", "")
	if ok, err := Notify("READY=1"); ok || err != nil {
		t.Fatal(ok, err)
	}
	t.Setenv("WATCHDOG_USEC", "1000")
	t.Setenv("WATCHDOG_PID", "1")
	if WatchdogInterval() != 0 {
		t.Fatal("watchdog meant for another pid")
	}
}
