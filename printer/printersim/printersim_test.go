package printersim

import (
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"hallkiosk/printer/escpos"
)

// start runs s on one end of an in-memory link and returns the other end.
func start(t *testing.T, s *Sim) net.Conn {
	t.Helper()
	host, dev := net.Pipe()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); s.Run(ctx, dev) }()
	t.Cleanup(func() { cancel(); dev.Close(); host.Close(); <-done })
	return host
}

func readN(t *testing.T, c net.Conn, n int) []byte {
	t.Helper()
	c.SetReadDeadline(time.Now().Add(2 * time.Second))
	b := make([]byte, n)
	if _, err := io.ReadFull(c, b); err != nil {
		t.Fatalf("reading %d bytes: %v", n, err)
	}
	return b
}

func waitJobs(s *Sim, n int) []Job {
	for i := 0; i < 200; i++ {
		if j := s.Jobs(); len(j) >= n {
			return j
		}
		time.Sleep(5 * time.Millisecond)
	}
	return s.Jobs()
}

func job(text string) []byte {
	e := escpos.NewEncoder(escpos.Profiles["80mm"])
	e.Init().Line(text).Cut(false)
	b, _ := e.Bytes()
	return b
}

func TestJobsStatusAndFiles(t *testing.T) {
	dir := t.TempDir()
	s := New(&Opts{Dir: dir, Render: true, Width: 384})
	c := start(t, s)
	// Two jobs and a status request in between, in one write.
	in := append(job("第一张"), escpos.StatusQuery...)
	in = append(in, job("第二张")...)
	go c.Write(in)
	got := readN(t, c, 4)
	if st := escpos.DecodeStatus([4]byte(got)); !st.Ready() {
		t.Errorf("status %v", st)
	}
	jobs := waitJobs(s, 2)
	if len(jobs) != 2 || string(jobs[0].Data) != string(job("第一张")) {
		t.Fatalf("jobs %+v", jobs)
	}
	for _, j := range jobs {
		if _, err := os.Stat(j.BinPath); err != nil {
			t.Error(err)
		}
		if _, err := os.Stat(j.PNGPath); err != nil {
			t.Error(err)
		}
		if len(j.Warnings) != 0 {
			t.Errorf("render warnings %v", j.Warnings)
		}
	}
}

func TestStatesAndRoutes(t *testing.T) {
	s := New(nil)
	c := start(t, s)
	mux := http.NewServeMux()
	s.Routes(mux, "/printer")
	srv := httptest.NewServer(mux)
	defer srv.Close()
	post := func(path string, want int) {
		t.Helper()
		resp, err := http.Post(srv.URL+path, "", nil)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != want {
			t.Fatalf("POST %s: %s", path, resp.Status)
		}
	}
	status := func() escpos.Status {
		t.Helper()
		go c.Write(escpos.StatusQuery)
		return escpos.DecodeStatus([4]byte(readN(t, c, 4)))
	}
	post("/printer/paper?state=near-end", 200)
	if st := status(); !st.PaperNearEnd || !st.Ready() {
		t.Errorf("near end: %v", st)
	}
	post("/printer/paper?state=out", 200)
	if st := status(); !st.PaperOut || st.Problem() != "paper out" {
		t.Errorf("out: %v", st)
	}
	// A job sent without paper is not printed: its bytes are lost.
	go c.Write(job("无纸"))
	if jobs := waitJobs(s, 1); len(jobs) != 1 || jobs[0].Bytes != 0 || jobs[0].Lost == 0 {
		t.Errorf("jobs %+v", jobs)
	}
	post("/printer/paper?state=ok", 200)
	post("/printer/cover?open=1", 200)
	if st := status(); !st.CoverOpen || !st.Offline {
		t.Errorf("cover: %v", st)
	}
	post("/printer/cover?open=0", 200)
	post("/printer/cutter?error=1", 200)
	if st := status(); !st.CutterError {
		t.Errorf("cutter: %v", st)
	}
	post("/printer/cutter?error=0", 200)
	post("/printer/width?dots=384", 200)
	if s.Width() != 384 {
		t.Errorf("width %d", s.Width())
	}
	post("/printer/width?dots=wide", 400)
	post("/printer/offline?on=yes", 400)
	post("/printer/paper?state=half", 400)

	resp, err := http.Get(srv.URL + "/printer/state")
	if err != nil {
		t.Fatal(err)
	}
	var st State
	json.NewDecoder(resp.Body).Decode(&st)
	resp.Body.Close()
	if st != (State{}) {
		t.Errorf("state %+v", st)
	}

	// Unplugged: no reply at all.
	post("/printer/unplug?on=1", 200)
	go c.Write(escpos.StatusQuery)
	c.SetReadDeadline(time.Now().Add(200 * time.Millisecond))
	if n, err := c.Read(make([]byte, 4)); err == nil || !strings.Contains(err.Error(), "timeout") {
		t.Errorf("unplugged printer answered %d bytes (%v)", n, err)
	}
}
