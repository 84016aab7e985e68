package report

import (
	"bufio"
	"context"
	"crypto/ed25519"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sort"
	gosync "sync"
	"testing"
	"time"

	"hallkiosk/city/pgtest"
	"hallkiosk/city/server"
	"hallkiosk/city/store"
	"hallkiosk/city/wire"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

// setup makes a store with two sites holding ratings: n rate events each
// (interleaved with finish events, so rating sequences are not consecutive).
func setup(t *testing.T, n int) (*store.Store, *server.Server) {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, pgtest.DB(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(st.Close)
	if err := st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 12, 1, 2, 0, 0, 0, time.UTC)
	for _, site := range []string{"hall-a", "town-b"} {
		if err := st.AddSite(ctx, site, site, "hall", "620981"); err != nil {
			t.Fatal(err)
		}
		st.AddCode(ctx, site, "c-"+site, at.Add(time.Hour))
		pub, _, _ := ed25519.GenerateKey(nil)
		if _, err := st.Enrol(ctx, "c-"+site, pub, "", at); err != nil {
			t.Fatal(err)
		}
		var evs []wire.Event
		for i := 0; i < n; i++ {
			tk := fmt.Sprintf("t%d", i)
			ms := at.Add(time.Duration(i) * time.Second).UnixMilli()
			evs = append(evs,
				wire.Event{Seq: int64(2*i + 1), At: ms, Day: "2026-12-01", Kind: "finish", Ticket: tk, Service: "tax", Actor: "wang", State: "done"},
				wire.Event{Seq: int64(2*i + 2), At: ms, Day: "2026-12-01", Kind: "rate", Ticket: tk, Service: "tax", Actor: "pad", State: "done", Detail: fmt.Sprint(1 + i%5)})
		}
		for len(evs) > 0 {
			k := min(len(evs), 2000)
			if _, err := st.Ingest(ctx, &wire.Push{Site: site, SentAt: at.UnixMilli(), Events: evs[:k]}, at); err != nil {
				t.Fatal(err)
			}
			evs = evs[k:]
		}
	}
	return st, server.New(st, &server.Options{RaterKey: []byte("k")})
}

type key struct {
	site string
	seq  int64
}

func readLines(t *testing.T, data []byte) []server.Export {
	t.Helper()
	var out []server.Export
	sc := bufio.NewScanner(bytesReader(data))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		var e server.Export
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			t.Fatal(err)
		}
		out = append(out, e)
	}
	return out
}

func TestFileDropOnceAcrossRestarts(t *testing.T) {
	st, srv := setup(t, 1200)
	ctx := context.Background()
	dir := t.TempDir()
	l := &Loop{St: st, Srv: srv, Rep: &FileDrop{Dir: dir}, Batch: 500}
	n, err := l.Once(ctx)
	if err != nil || n != 2400 {
		t.Fatalf("first round delivered %d, %v", n, err)
	}
	// A restarted loop (new value, same database) sends nothing again.
	l2 := &Loop{St: st, Srv: srv, Rep: &FileDrop{Dir: dir}, Batch: 500}
	if n, err := l2.Once(ctx); err != nil || n != 0 {
		t.Fatalf("after restart delivered %d, %v", n, err)
	}
	files, _ := filepath.Glob(filepath.Join(dir, "*.jsonl"))
	sort.Strings(files)
	if len(files) != 6 {
		t.Fatalf("%d files: %v", len(files), files)
	}
	seen := map[key]bool{}
	last := map[string]int64{}
	for _, f := range files {
		data, _ := os.ReadFile(f)
		for _, e := range readLines(t, data) {
			k := key{e.Site, e.Seq}
			if seen[k] {
				t.Fatalf("rating %v delivered twice", k)
			}
			if e.Seq <= last[e.Site] {
				t.Fatalf("site %s out of order: %d after %d", e.Site, e.Seq, last[e.Site])
			}
			seen[k], last[e.Site] = true, e.Seq
		}
	}
	if len(seen) != 2400 {
		t.Fatalf("%d distinct ratings delivered, want 2400", len(seen))
	}
}

// TestHTTPPostFailingEndpoint: the endpoint fails, then times out (after
// taking the batch), then acknowledges: the same batch under the same key
// is retried until acknowledged, in order; no rating is skipped.
func TestHTTPPostFailingEndpoint(t *testing.T) {
	st, srv := setup(t, 300)
	ctx := context.Background()
	var mu gosync.Mutex
	calls := 0
	bodies := map[string][]byte{} // key → body, as the province dedups
	var order []string
	block := make(chan struct{})
	ep := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		k := r.Header.Get("Idempotency-Key")
		mu.Lock()
		calls++
		c := calls
		if prev, ok := bodies[k]; ok && string(prev) != string(body) {
			mu.Unlock()
			t.Errorf("key %s resent with other content", k)
			return
		}
		mu.Unlock()
		switch {
		case c <= 2:
			http.Error(w, "down", http.StatusServiceUnavailable)
			return
		case c == 3:
			mu.Lock()
			bodies[k] = body
			order = append(order, k)
			mu.Unlock()
			<-block // took it, but the answer never comes in time
			return
		}
		mu.Lock()
		if _, dup := bodies[k]; !dup {
			bodies[k] = body
			order = append(order, k)
		}
		mu.Unlock()
		fmt.Fprintf(w, `{"accepted":%d}`, len(readLines(t, body)))
	}))
	defer ep.Close()
	defer close(block)
	l := &Loop{St: st, Srv: srv, Batch: 100, Rep: &HTTPPost{URL: ep.URL, Client: &http.Client{Timeout: 300 * time.Millisecond}}}
	total := 0
	for round := 0; round < 10 && total < 600; round++ {
		n, _ := l.Once(ctx)
		total += n
	}
	if total != 600 {
		t.Fatalf("delivered %d, want 600", total)
	}
	mu.Lock()
	defer mu.Unlock()
	if calls < 3+6 {
		t.Fatalf("%d calls: the failures were not exercised", calls)
	}
	var got []server.Export
	for _, k := range order {
		got = append(got, readLines(t, bodies[k])...)
	}
	if len(got) != 600 {
		t.Fatalf("province holds %d ratings after dedup by key, want 600", len(got))
	}
	last := map[string]int64{}
	for _, e := range got {
		if e.Seq <= last[e.Site] {
			t.Fatalf("site %s out of order at %d", e.Site, e.Seq)
		}
		last[e.Site] = e.Seq
	}
	if n, err := l.Once(ctx); n != 0 || err != nil {
		t.Fatalf("extra round delivered %d, %v", n, err)
	}
}
