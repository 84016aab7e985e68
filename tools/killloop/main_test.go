package main

import (
	"bytes"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestKillLoop is the short form of scripts/sync-killloop.sh: it builds
// this command, starts a hall, and kills a kiosk process with SIGKILL at
// random points while it issues, prints and syncs, then checks that no
// number was issued twice and every printed ticket reached the hall.
func TestKillLoop(t *testing.T) {
	iters := 15
	if testing.Short() {
		iters = 6
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "killloop")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	var hallErr bytes.Buffer
	hall := exec.Command(bin, "hall", "-dir", dir)
	hall.Stderr = &hallErr
	if err := hall.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { hall.Process.Kill(); hall.Wait() }()
	for i := 0; i < 200; i++ {
		if b, _ := os.ReadFile(filepath.Join(dir, "hall.url")); len(b) > 0 {
			break
		}
		time.Sleep(25 * time.Millisecond)
	}
	killed := 0
	for i := 0; i < iters; i++ {
		var kerr bytes.Buffer
		k := exec.Command(bin, "kiosk", "-dir", dir)
		k.Stderr = &kerr
		if err := k.Start(); err != nil {
			t.Fatal(err)
		}
		time.Sleep(time.Duration(20+rand.IntN(280)) * time.Millisecond)
		if k.Process.Signal(syscall.SIGKILL) == nil {
			killed++
		}
		err := k.Wait()
		if ee, ok := err.(*exec.ExitError); !ok || !strings.Contains(ee.String(), "killed") {
			t.Fatalf("kiosk run %d ended with %v before the kill: %s", i, err, kerr.String())
		}
	}
	out, err := exec.Command(bin, "check", "-dir", dir).CombinedOutput()
	t.Logf("%d kills; %s", killed, out)
	if err != nil {
		t.Fatalf("check: %v\n%s\nhall: %s", err, out, hallErr.String())
	}
	m := regexp.MustCompile(`(?:^|\s)printed=(\d+)`).FindSubmatch(out)
	if m == nil || string(m[1]) == "0" {
		t.Fatalf("nothing was printed: %s", out)
	}
}
