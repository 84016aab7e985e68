package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"hallkiosk/drivers/idcard"
	"hallkiosk/drivers/serialport"
)

// startDevsim runs devsim in-process with only the named simulators and
// returns the paths from devsim.json.
func startDevsim(t *testing.T, only string) map[string]string {
	t.Helper()
	dir := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	var out, errb bytes.Buffer
	go func() {
		done <- run(ctx, []string{"--dir", dir, "--only", only, "--control", "127.0.0.1:0", "--log-level", "warn"}, &out, &errb)
	}()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("devsim: %v %s", err, errb.String())
		}
	})
	var paths map[string]string
	for i := 0; i < 100; i++ {
		b, err := os.ReadFile(filepath.Join(dir, "devsim.json"))
		if err == nil && json.Unmarshal(b, &paths) == nil {
			return paths
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("devsim did not start: %s", errb.String())
	return nil
}

func post(t *testing.T, url, body string) string {
	t.Helper()
	resp, err := http.Post(url, "text/plain", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("POST %s: %s %s", url, resp.Status, b)
	}
	return string(b)
}

func TestIDCardSim(t *testing.T) {
	paths := startDevsim(t, "idcard")
	ctl := paths["control"]
	port, err := serialport.Open(paths["idcard"], 115200)
	if err != nil {
		t.Fatal(err)
	}
	defer port.Close()
	dev, err := idcard.New(port, nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := dev.Find(ctx); err == nil {
		t.Fatal("card found before one was laid")
	}
	for _, mode := range []string{"normal", "noise"} {
		post(t, ctl+"/idcard/mode?m="+mode, "")
		post(t, ctl+"/idcard/card?name=foreign2023", "")
		c, err := dev.WaitCard(ctx)
		if err != nil || c.Type != idcard.ForeignPermanent2023 || c.Nationality != "ESP" {
			t.Fatalf("%s: %v %v", mode, c, err)
		}
	}
	post(t, ctl+"/idcard/mode?m=normal", "")
	post(t, ctl+"/idcard/remove", "")
	if err := dev.Find(ctx); err == nil {
		t.Fatal("card found after remove")
	}
	resp, err := http.Post(ctl+"/idcard/card?name=nobody", "", nil)
	if err != nil || resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("unknown card: %v %v", resp.Status, err)
	}
	resp.Body.Close()
	if st := post(t, ctl+"/idcard/baud?b=0", ""); !strings.Contains(st, `"reads":2`) {
		t.Fatalf("state: %s", st)
	}
}
