package engine

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// TestCrashChild is the child process of TestKill9: it issues tickets from
// several goroutines and prints each one once Issue has returned.
func TestCrashChild(t *testing.T) {
	path := os.Getenv("ENGINE_CRASH_DB")
	if path == "" {
		t.Skip("helper process for TestKill9")
	}
	e, err := Open(context.Background(), path, Options{Catalog: benchCatalog(4)})
	if err != nil {
		fmt.Println("error", err)
		os.Exit(1)
	}
	var mu sync.Mutex
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for {
				tk, err := e.Issue(context.Background(), IssueRequest{Service: "svc"})
				if err != nil {
					fmt.Println("error", err)
					os.Exit(1)
				}
				mu.Lock()
				fmt.Println("issued", tk.ID, tk.Number)
				mu.Unlock()
			}
		})
	}
	wg.Wait()
}

// TestKill9 kills a process that is issuing tickets with SIGKILL and
// checks that every ticket it reported survives and that numbering goes on
// without reusing a number.
func TestKill9(t *testing.T) {
	if testing.Short() {
		t.Skip("spawns a process")
	}
	path := filepath.Join(t.TempDir(), "hall.db")
	cmd := exec.Command(os.Args[0], "-test.run=^TestCrashChild$", "-test.v=false")
	cmd.Env = append(os.Environ(), "ENGINE_CRASH_DB="+path)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	acked := map[string]int{}
	sc := bufio.NewScanner(out)
	deadline := time.Now().Add(20 * time.Second)
	for sc.Scan() && len(acked) < 300 && time.Now().Before(deadline) {
		f := strings.Fields(sc.Text())
		if len(f) == 3 && f[0] == "issued" {
			var n int
			fmt.Sscan(f[2], &n)
			acked[f[1]] = n
		} else if len(f) > 0 && f[0] == "error" {
			t.Fatal(sc.Text())
		}
	}
	cmd.Process.Signal(syscall.SIGKILL)
	cmd.Wait()
	if len(acked) < 50 {
		t.Fatalf("child reported only %d tickets", len(acked))
	}
	e, err := Open(context.Background(), path, Options{Catalog: benchCatalog(4)})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	maxN := 0
	for id, n := range acked {
		tk, err := e.Ticket(context.Background(), id)
		if err != nil || tk.Number != n || tk.State != StateWaiting {
			t.Fatalf("acknowledged ticket %s lost after kill -9: %+v %v", id, tk, err)
		}
		maxN = max(maxN, n)
	}
	stored, err := e.Tickets(context.Background(), e.Today())
	if err != nil {
		t.Fatal(err)
	}
	next, err := e.Issue(context.Background(), IssueRequest{Service: "svc"})
	if err != nil {
		t.Fatal(err)
	}
	for _, tk := range stored {
		if tk.Number >= next.Number {
			t.Fatalf("number %d reissued after restart (stored %d tickets, max acknowledged %d)", next.Number, len(stored), maxN)
		}
	}
	t.Logf("%d acknowledged, %d stored, next number %d", len(acked), len(stored), next.Number)
}
