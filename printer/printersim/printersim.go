// Package printersim simulates an ESC/POS thermal ticket printer on the
// device side of a serial link (a pseudo-terminal in tests and in devsim):
// it answers DLE EOT real-time status like a real printer, prints what it
// receives while it has paper and its cover is closed, and cuts the stream
// into jobs at each cut command (or tear-off feed), rendering each job to
// PNG with printer/render.
//
// Paper, cover, offline, cutter and "unplugged" states are set with Set or
// over HTTP (Routes), so tests and demos can run out of paper mid-job.
package printersim

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"time"

	"hallkiosk/drivers/serialtest"
	"hallkiosk/internal/httpjson"
	"hallkiosk/printer/escpos"
	"hallkiosk/printer/render"
)

// State is the simulated printer's condition.
type State struct {
	PaperNearEnd bool `json:"paper_near_end"`
	PaperOut     bool `json:"paper_out"`
	CoverOpen    bool `json:"cover_open"`
	Offline      bool `json:"offline"`
	CutterError  bool `json:"cutter_error"`
	// Unplugged: the printer neither prints nor answers (power off, cable
	// pulled).
	Unplugged bool `json:"unplugged"`
}

// Status is what the printer reports in state s.
func (s State) Status() escpos.Status {
	return escpos.Status{PaperNearEnd: s.PaperNearEnd || s.PaperOut, PaperOut: s.PaperOut, PaperStop: s.PaperOut,
		CoverOpen: s.CoverOpen, Offline: s.Offline, CutterError: s.CutterError, Error: s.CutterError}
}

func (s State) printing() bool {
	return !s.PaperOut && !s.CoverOpen && !s.Offline && !s.CutterError && !s.Unplugged
}

// Job is one printed job (bytes up to and including a cut).
type Job struct {
	N        int       `json:"n"`
	Time     time.Time `json:"time"`
	Bytes    int       `json:"bytes"`
	Lost     int       `json:"lost"` // bytes received while unable to print
	BinPath  string    `json:"bin,omitempty"`
	PNGPath  string    `json:"png,omitempty"`
	Warnings []string  `json:"warnings,omitempty"`
	Data     []byte    `json:"-"`
}

// Opts configure a Sim.
type Opts struct {
	// Dir receives job-NNNN.bin and job-NNNN.png; empty: jobs are kept in
	// memory only.
	Dir string
	// Width is the paper width in dots; default 576.
	Width int
	// Baud, when set, makes the simulator consume input no faster than a
	// serial line at that speed (10 bits per byte), so timings over a
	// pseudo-terminal resemble a real link.
	Baud int
	// PrintTime is how long the mechanism takes to print a job once its
	// cut has arrived. Real-time status (DLE EOT) is answered at once, as
	// real printers do, while "GS r 1" is answered only when printing is
	// done, and not at all if the printer stops (paper out, cover open)
	// meanwhile. Zero prints instantly.
	PrintTime time.Duration
	// Render makes the simulator render each job to PNG (in Dir).
	Render bool
	// Log receives events; default discards.
	Log *slog.Logger
	// OnJob is called after each job is stored.
	OnJob func(Job)
}

// Sim is a simulated printer.
type Sim struct {
	opts Opts

	mu        sync.Mutex
	state     State
	jobs      []Job
	cur       bytes.Buffer
	lost      int
	n         int
	busyUntil time.Time // mechanism printing until then

	wmu     sync.Mutex // port writes: the read loop and delayed replies
	stopped bool
	timers  []*time.Timer
}

// MaxJob bounds a job held in memory; beyond it bytes are counted lost.
const MaxJob = 4 << 20

// New returns a simulator.
func New(opts *Opts) *Sim {
	var o Opts
	if opts != nil {
		o = *opts
	}
	if o.Width <= 0 {
		o.Width = 576
	}
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	return &Sim{opts: o}
}

// Set changes the state.
func (s *Sim) Set(f func(*State)) {
	s.mu.Lock()
	f(&s.state)
	st := s.state
	s.mu.Unlock()
	s.opts.Log.Info("printer state", "state", st.Status().String(), "unplugged", st.Unplugged)
}

// SetWidth changes the paper width in dots (384 for 58 mm, 576 for 80 mm)
// used to render the following jobs.
func (s *Sim) SetWidth(dots int) {
	s.mu.Lock()
	s.opts.Width = dots
	s.mu.Unlock()
}

// Width returns the paper width in dots.
func (s *Sim) Width() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.opts.Width
}

// State returns the current state.
func (s *Sim) State() State {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.state
}

// Jobs returns the jobs printed so far.
func (s *Sim) Jobs() []Job {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Job(nil), s.jobs...)
}

// Run plays the printer on port until ctx ends or port fails. The caller
// closes port after cancelling ctx to unblock a pending read.
func (s *Sim) Run(ctx context.Context, port io.ReadWriter) error {
	var pending []byte
	buf := make([]byte, 4096)
	var due time.Time
	byteTime := time.Duration(0)
	if s.opts.Baud > 0 {
		byteTime = time.Second * 10 / time.Duration(s.opts.Baud)
	}
	wait := serialtest.Waiter(port) // a pty master's Read is not woken by Close
	defer func() {
		s.wmu.Lock()
		s.stopped = true
		for _, t := range s.timers {
			t.Stop()
		}
		s.timers = nil
		s.wmu.Unlock()
	}()
	for {
		if err := wait(ctx); err != nil {
			s.flush()
			if ctx.Err() != nil {
				return nil
			}
			return fmt.Errorf("printersim: poll: %w", err)
		}
		n, err := port.Read(buf)
		if ctx.Err() != nil {
			s.flush()
			return nil
		}
		if n > 0 && byteTime > 0 {
			due = later(due, time.Now()).Add(time.Duration(n) * byteTime)
			t := time.NewTimer(time.Until(due))
			select {
			case <-t.C:
			case <-ctx.Done(): // switched off while receiving
				t.Stop()
				s.flush()
				return nil
			}
		}
		pending = append(pending, buf[:n]...)
		pending = s.consume(port, pending)
		if err != nil {
			s.flush()
			if errors.Is(err, io.EOF) || ctx.Err() != nil {
				return nil
			}
			return fmt.Errorf("printersim: read: %w", err)
		}
	}
}

func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

// consume handles the complete commands at the start of b and returns the
// rest.
func (s *Sim) consume(w io.Writer, b []byte) []byte {
	// Replies go out in one write per chunk (and before a job is stored):
	// one write is much less exposed to scheduling delays than one per byte.
	var replies []byte
	reply := func() {
		if len(replies) > 0 {
			s.write(w, replies)
			replies = replies[:0]
		}
	}
	defer reply()
	for len(b) > 0 {
		n := render.NextCommand(b)
		if n == 0 {
			if len(b) > MaxJob { // a command that never ends
				s.mu.Lock()
				s.lost += len(b)
				s.mu.Unlock()
				return b[:0]
			}
			break
		}
		cmd := b[:n]
		b = b[n:]
		s.mu.Lock()
		st := s.state
		if st.Unplugged {
			s.mu.Unlock()
			continue
		}
		if q, ok := render.IsStatusRequest(cmd); ok {
			s.mu.Unlock()
			if q >= 1 && q <= 4 {
				replies = append(replies, st.Status().Encode()[q-1])
			}
			continue
		}
		if cmd[0] == 0x10 { // other real-time commands: no reply
			s.mu.Unlock()
			continue
		}
		if len(cmd) == 3 && cmd[0] == 0x1D && cmd[1] == 'r' { // GS r n: answered in order, once printed
			busy := time.Until(s.busyUntil)
			s.mu.Unlock()
			if busy > 0 {
				s.replyWhenPrinted(w, busy)
			} else if st.printing() {
				replies = append(replies, escpos.PrintedReplyFor(st.Status()))
			}
			continue
		}
		if !st.printing() || s.cur.Len()+len(cmd) > MaxJob {
			s.lost += len(cmd)
		} else {
			s.cur.Write(cmd)
		}
		cut := render.IsCut(cmd) || isTearFeed(cmd)
		s.mu.Unlock()
		if cut {
			reply()
			s.finishJob()
		}
	}
	return b
}

// write sends b to the host.
func (s *Sim) write(w io.Writer, b []byte) {
	s.wmu.Lock()
	defer s.wmu.Unlock()
	if s.stopped {
		return
	}
	if _, err := w.Write(b); err != nil {
		s.opts.Log.Warn("printer reply failed", "err", err)
	}
}

// replyWhenPrinted answers GS r 1 once the mechanism is done, if it is
// still able to print then.
func (s *Sim) replyWhenPrinted(w io.Writer, after time.Duration) {
	s.wmu.Lock()
	defer s.wmu.Unlock()
	if s.stopped {
		return
	}
	t := time.AfterFunc(after, func() {
		st := s.State()
		if !st.printing() {
			s.opts.Log.Warn("printer stopped before the job was printed", "state", st.Status().String())
			return
		}
		s.write(w, []byte{escpos.PrintedReplyFor(st.Status())})
	})
	s.timers = append(s.timers, t)
	if len(s.timers) > 64 {
		s.timers = s.timers[len(s.timers)-64:]
	}
}

// isTearFeed recognises the feed printer/escpos sends instead of a cut on
// printers without a cutter (ESC d 4 at the end of a job).
func isTearFeed(cmd []byte) bool {
	return len(cmd) == 3 && cmd[0] == 0x1B && cmd[1] == 'd' && cmd[2] == 4
}

func (s *Sim) flush() {
	s.mu.Lock()
	has := s.cur.Len() > 0 || s.lost > 0
	s.mu.Unlock()
	if has {
		s.finishJob()
	}
}

func (s *Sim) finishJob() {
	s.mu.Lock()
	s.n++
	if s.opts.PrintTime > 0 {
		s.busyUntil = later(s.busyUntil, time.Now()).Add(s.opts.PrintTime)
	}
	j := Job{N: s.n, Time: time.Now(), Bytes: s.cur.Len(), Lost: s.lost, Data: bytes.Clone(s.cur.Bytes())}
	s.cur.Reset()
	s.lost = 0
	s.mu.Unlock()
	if j.Lost > 0 {
		s.opts.Log.Warn("printer could not print part of a job", "job", j.N, "printed_bytes", j.Bytes, "lost_bytes", j.Lost)
	}
	if s.opts.Dir != "" && len(j.Data) > 0 {
		base := filepath.Join(s.opts.Dir, fmt.Sprintf("job-%04d", j.N))
		if err := os.WriteFile(base+".bin", j.Data, 0o644); err != nil {
			s.opts.Log.Error("printer job not saved", "err", err)
		} else {
			j.BinPath = base + ".bin"
		}
		if s.opts.Render {
			if res, err := render.Render(j.Data, &render.Options{Width: s.Width()}); err != nil {
				s.opts.Log.Error("printer job not rendered", "err", err)
			} else {
				j.Warnings = res.Warnings
				var png bytes.Buffer
				if err := res.WritePNG(&png); err == nil && os.WriteFile(base+".png", png.Bytes(), 0o644) == nil {
					j.PNGPath = base + ".png"
				}
			}
		}
	}
	s.opts.Log.Info("printer job", "job", j.N, "bytes", j.Bytes, "png", j.PNGPath)
	s.mu.Lock()
	s.jobs = append(s.jobs, j)
	if len(s.jobs) > 1000 {
		s.jobs = s.jobs[len(s.jobs)-1000:]
	}
	s.mu.Unlock()
	if s.opts.OnJob != nil {
		s.opts.OnJob(j)
	}
}

// Routes adds the control endpoints under prefix (e.g. "/printer"):
//
//	GET  prefix/state                  current state as JSON
//	POST prefix/paper?state=ok|near-end|out
//	POST prefix/cover?open=1|0
//	POST prefix/offline?on=1|0
//	POST prefix/cutter?error=1|0
//	POST prefix/unplug?on=1|0          stop answering and printing
//	POST prefix/width?dots=384|576     paper width for rendering jobs
//	GET  prefix/jobs                   printed jobs as JSON
func (s *Sim) Routes(mux *http.ServeMux, prefix string) {
	mux.HandleFunc("GET "+prefix+"/state", func(w http.ResponseWriter, r *http.Request) {
		httpjson.WriteJSON(w, http.StatusOK, s.State())
	})
	mux.HandleFunc("GET "+prefix+"/jobs", func(w http.ResponseWriter, r *http.Request) {
		httpjson.WriteJSON(w, http.StatusOK, s.Jobs())
	})
	mux.HandleFunc("POST "+prefix+"/paper", func(w http.ResponseWriter, r *http.Request) {
		v := r.URL.Query().Get("state")
		switch v {
		case "ok":
			s.Set(func(st *State) { st.PaperNearEnd, st.PaperOut = false, false })
		case "near-end":
			s.Set(func(st *State) { st.PaperNearEnd, st.PaperOut = true, false })
		case "out":
			s.Set(func(st *State) { st.PaperNearEnd, st.PaperOut = true, true })
		default:
			badParam(w, "state must be ok, near-end or out")
			return
		}
		httpjson.WriteJSON(w, http.StatusOK, s.State())
	})
	mux.HandleFunc("POST "+prefix+"/width", func(w http.ResponseWriter, r *http.Request) {
		dots, err := strconv.Atoi(r.URL.Query().Get("dots"))
		if err != nil || dots < 64 || dots > 4096 {
			badParam(w, "dots must be a paper width in dots, e.g. 384 or 576")
			return
		}
		s.SetWidth(dots)
		httpjson.WriteJSON(w, http.StatusOK, map[string]int{"dots": dots})
	})
	flag := func(path, param string, set func(*State, bool)) {
		mux.HandleFunc("POST "+prefix+"/"+path, func(w http.ResponseWriter, r *http.Request) {
			on, err := strconv.ParseBool(r.URL.Query().Get(param))
			if err != nil {
				badParam(w, param+" must be 1 or 0")
				return
			}
			s.Set(func(st *State) { set(st, on) })
			httpjson.WriteJSON(w, http.StatusOK, s.State())
		})
	}
	flag("cover", "open", func(st *State, on bool) { st.CoverOpen = on })
	flag("offline", "on", func(st *State, on bool) { st.Offline = on })
	flag("cutter", "error", func(st *State, on bool) { st.CutterError = on })
	flag("unplug", "on", func(st *State, on bool) { st.Unplugged = on })
}

// badParam answers a control request with a bad parameter in the one error
// format of internal/httpjson; detail says what the parameter takes.
func badParam(w http.ResponseWriter, detail string) {
	httpjson.WriteErrorDetail(w, http.StatusBadRequest, httpjson.CodeInvalid, "参数有误", detail)
}
