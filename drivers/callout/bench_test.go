package callout_test

import (
	"context"
	"fmt"
	"io"
	"path/filepath"
	"testing"
	"time"

	"hallkiosk/drivers/callout"
	"hallkiosk/drivers/display"
	"hallkiosk/drivers/serialport"
	"hallkiosk/drivers/serialtest"
	"hallkiosk/drivers/voice"
	"hallkiosk/internal/latency"
)

// timedWriter reports when each write to the port returned.
type timedWriter struct {
	w     io.Writer
	wrote chan time.Time
}

func (t *timedWriter) Write(b []byte) (int, error) {
	n, err := t.w.Write(b)
	select {
	case t.wrote <- time.Now():
	default:
	}
	return n, err
}

// timedSink reports when the first sample of an announcement was queued.
type timedSink struct {
	next   voice.Sink
	played chan time.Time
}

func (t *timedSink) Play(ctx context.Context, pcm []int16, rate int) error {
	select {
	case t.played <- time.Now():
	default:
	}
	return t.next.Play(ctx, pcm, rate)
}

// BenchmarkCallout measures, for a call event published to the hub, the
// time until (1) the first command was written to the serial port (a real
// pty; on this rig's one shared bus that is the board's top row), (2) the
// display simulator on the other side decoded the window strip's command
// (one bus gap after the board's row), and (3) the announcement's first
// sample was handed to the sink (null or a WAV file), and the end-to-end
// time max(2, 3). cmd/hallserver's BenchmarkCalloutHall measures the
// issue's number (board and voice) through the real API. The bus is paced at the
// real 300 ms; each call comes after the previous one's board update has
// gone out (the bus is idle), as when staff at different windows click a
// few seconds apart. BenchmarkCalloutBurst covers calls arriving together.
func BenchmarkCallout(b *testing.B) {
	for _, sinkName := range []string{"null", "wav"} {
		b.Run("sink="+sinkName, func(b *testing.B) {
			r := newRig(b, sinkName)
			var write, shown, audio, e2e []time.Duration
			for i := 0; b.Loop(); i++ {
				win := i%20 + 1
				num := fmt.Sprintf("A%03d", i%1000)
				before := r.sim.Count()
				t0 := time.Now()
				r.hub.Publish(callout.Event{Kind: callout.Call, Number: num, Window: win, At: t0})
				tw := <-r.wrote
				ta := <-r.played
				var ts time.Time
				select {
				case ts = <-r.shown:
				case <-time.After(5 * time.Second):
					b.Fatal("simulator saw nothing")
				}
				write = append(write, tw.Sub(t0))
				shown = append(shown, ts.Sub(t0))
				audio = append(audio, ta.Sub(t0))
				e2e = append(e2e, max(ts.Sub(t0), ta.Sub(t0)))
				// Let the board row go out too, then the bus gap pass.
				r.sim.WaitCount(r.ctx, before+2)
				b.StopTimer()
				drain(r.wrote, r.shown, r.played)
				time.Sleep(display.DefaultGap)
				b.StartTimer()
				if st := r.sim.State()[byte(win)]; st.Text != num {
					b.Fatalf("window %d strip shows %q, want %q", win, st.Text, num)
				}
			}
			report(b, "write", write)
			report(b, "shown", shown)
			report(b, "audio", audio)
			report(b, "e2e", e2e)
		})
	}
}

// BenchmarkCalloutBurst publishes calls from four windows at the same
// instant on one display bus and measures when each window's strip shows
// its number: the bus pacing (300 ms per command) orders them.
func BenchmarkCalloutBurst(b *testing.B) {
	r := newRig(b, "null")
	var last []time.Duration
	for i := 0; b.Loop(); i++ {
		t0 := time.Now()
		var lastNum string
		for w := 1; w <= 4; w++ {
			lastNum = fmt.Sprintf("B%03d", (4*i+w)%1000)
			r.hub.Publish(callout.Event{Kind: callout.Call, Number: lastNum, Window: w, At: t0})
		}
		var ts time.Time
		for range 4 {
			ts = <-r.shown
		}
		last = append(last, ts.Sub(t0))
		b.StopTimer()
		for r.sim.State()[100].Text != callout.BoardLine(lastNum, 4) {
			time.Sleep(5 * time.Millisecond)
		}
		drain(r.wrote, r.shown, r.played)
		time.Sleep(display.DefaultGap)
		b.StartTimer()
	}
	report(b, "4th-strip", last)
}

type rig struct {
	ctx    context.Context
	hub    *callout.Hub
	sim    *display.Sim
	wrote  chan time.Time
	shown  chan time.Time // strip commands decoded by the simulator
	played chan time.Time
}

func newRig(b *testing.B, sinkName string) *rig {
	ctx, cancel := context.WithCancel(context.Background())
	p, err := serialtest.OpenPTY()
	if err != nil {
		b.Fatal(err)
	}
	port, err := serialport.Open(p.SlavePath, 115200)
	if err != nil {
		b.Fatal(err)
	}
	r := &rig{ctx: ctx, wrote: make(chan time.Time, 64), shown: make(chan time.Time, 64), played: make(chan time.Time, 64)}
	r.sim = display.NewSim(display.GB18030)
	r.sim.OnCommand = func(c display.Command, _ display.Codec) {
		if c.Addr <= 20 { // window strips; the board rows are 100+
			r.shown <- time.Now()
		}
	}
	simDone := make(chan struct{})
	go func() { defer close(simDone); r.sim.Run(ctx, p.Master) }()

	bus, err := display.New(&timedWriter{w: port, wrote: r.wrote}, &display.Opts{Codec: display.NewFramed(display.GB18030)})
	if err != nil {
		b.Fatal(err)
	}
	wins := map[int]display.Target{}
	for w := 1; w <= 20; w++ {
		wins[w] = display.Target{Dev: bus, Addr: byte(w)}
	}
	m := display.NewManager(display.ManagerOpts{Windows: wins, Board: []display.Target{{Dev: bus, Addr: 100}}})
	var sink voice.Sink = voice.Null{}
	var wav *voice.WAVFile
	if sinkName == "wav" {
		wav, err = voice.CreateWAV(filepath.Join(b.TempDir(), "bench.wav"))
		if err != nil {
			b.Fatal(err)
		}
		sink = wav
	}
	ann, err := voice.NewAnnouncer(&voice.Opts{Sink: &timedSink{next: sink, played: r.played}})
	if err != nil {
		b.Fatal(err)
	}
	r.hub = callout.New(&callout.Opts{Display: m, Voice: ann, TickEvery: time.Hour})
	hubDone := make(chan struct{})
	go func() { defer close(hubDone); r.hub.Run(ctx) }()
	b.Cleanup(func() {
		cancel()
		<-hubDone
		port.Close()
		p.Close()
		<-simDone
		if wav != nil {
			wav.Close()
		}
	})
	return r
}

func drain(chs ...chan time.Time) {
	for _, c := range chs {
		for len(c) > 0 {
			<-c
		}
	}
}

func report(b *testing.B, name string, d []time.Duration) { latency.Report(b, name, d) }

// BenchmarkCalloutBusy is a busy hall: a call every 500 ms from windows
// 1..20 in turn, the window strips and a four-row hall board on two buses
// paced at the real 300 ms. Every call shifts the board's rows (four
// writes, 1.2 s), so calls come faster than the board can be rewritten:
// the board writer stops before a lower row when a call is waiting and
// writes the new top row next. It measures, from Publish, when the strip
// and the board's top row show the call.
func BenchmarkCalloutBusy(b *testing.B) {
	ctx, cancel := context.WithCancel(context.Background())
	type seen struct {
		addr byte
		text string
		at   time.Time
	}
	got := make(chan seen, 1024)
	bus := func(codec display.Codec) *display.Dev {
		p, err := serialtest.OpenPTY()
		if err != nil {
			b.Fatal(err)
		}
		port, err := serialport.Open(p.SlavePath, 115200)
		if err != nil {
			b.Fatal(err)
		}
		sim := display.NewSim(display.GB18030)
		sim.OnCommand = func(c display.Command, _ display.Codec) {
			select {
			case got <- seen{c.Addr, c.Text, time.Now()}:
			default:
			}
		}
		done := make(chan struct{})
		go func() { defer close(done); sim.Run(ctx, p.Master) }()
		b.Cleanup(func() { cancel(); port.Close(); p.Close(); <-done })
		d, err := display.New(port, &display.Opts{Codec: codec})
		if err != nil {
			b.Fatal(err)
		}
		return d
	}
	strips, board := bus(display.NewLine(display.GB18030)), bus(display.NewFramed(display.GB18030))
	wins := map[int]display.Target{}
	for w := 1; w <= 20; w++ {
		wins[w] = display.Target{Dev: strips, Addr: byte(w)}
	}
	var rows []display.Target
	for a := byte(200); a < 204; a++ {
		rows = append(rows, display.Target{Dev: board, Addr: a})
	}
	hub := callout.New(&callout.Opts{Display: display.NewManager(display.ManagerOpts{Windows: wins, Board: rows}), TickEvery: time.Hour})
	hubDone := make(chan struct{})
	go func() { defer close(hubDone); hub.Run(ctx) }()
	b.Cleanup(func() { cancel(); <-hubDone })

	sent := map[string]time.Time{} // strip or board text -> publish time
	var strip, top []time.Duration
	collect := func(wait time.Duration) {
		deadline := time.After(wait)
		for {
			select {
			case s := <-got:
				if t0, ok := sent[s.text]; ok && s.text != "" {
					if s.addr == 200 {
						top = append(top, s.at.Sub(t0))
						delete(sent, s.text)
					} else if s.addr <= 20 {
						strip = append(strip, s.at.Sub(t0))
						delete(sent, s.text)
					}
				}
			case <-deadline:
				return
			}
		}
	}
	for i := 0; b.Loop(); i++ {
		num := fmt.Sprintf("C%03d", i%1000)
		w := i%20 + 1
		t0 := time.Now()
		sent[num], sent[callout.BoardLine(num, w)] = t0, t0
		hub.Publish(callout.Event{Kind: callout.Call, Number: num, Window: w, At: t0})
		collect(500 * time.Millisecond)
	}
	collect(2 * time.Second)
	if len(sent) > 0 {
		b.Fatalf("%d displays never showed their call", len(sent))
	}
	report(b, "strip", strip)
	report(b, "board-top", top)
}
