package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"testing"
	"time"

	"hallkiosk/drivers/display"
	"hallkiosk/drivers/voice"
	"hallkiosk/internal/latency"
)

// firstSample reports when each announcement's first sample was handed to
// the voice output.
type firstSample struct {
	next voice.Sink
	at   chan time.Time
}

func (f *firstSample) Play(ctx context.Context, pcm []int16, rate int) error {
	select {
	case f.at <- time.Now():
	default:
	}
	return f.next.Play(ctx, pcm, rate)
}

// shown is one decoded display command with its arrival time.
type shown struct {
	addr byte
	text string
	at   time.Time
}

// watchBus starts a simulator whose decoded commands are also sent on a
// channel, and counts commands for the idle check.
func watchBus(b *testing.B) (*simBus, chan shown) {
	ch := make(chan shown, 1024)
	bus := newSimBus(b, func(c display.Command, _ display.Codec) {
		select {
		case ch <- shown{c.Addr, c.Text, time.Now()}:
		default:
		}
	})
	return bus, ch
}

// BenchmarkCalloutHall measures the issue's number end to end: from the
// staff's click (the POST /api/v1/windows/19/next request leaving the
// client) through the real hall server (HTTP on loopback, session check,
// the engine's durable SQLite commit, the event subscription, the call-out
// hub) to (strip) the window strip's simulator on a pty decoding the
// number, (board) the hall board's simulator decoding the top row, and
// (audio) the first sample of the announcement handed to the voice output
// (a WAV directory); issue is the later of board and audio (the issue's
// number: "the board updated and the first audio sample queued"), e2e the
// latest of all three, http the API reply.
// Each click is "call next" while the previous ticket is being served, so
// the engine finishes it and calls the next in one commit, as at a real
// window. Buses are paced at the real 300 ms and idle when the click comes
// (as when staff at different windows click seconds apart).
//
// bus=split has the board and the strips on two ports; bus=shared puts
// them on one bus, where the board's top row goes first and the strip
// follows one gap (300 ms) later.
//
// clock=on turns the idle clock on (idle_clock = 10s): the strips get the
// time one at a time every 2 s, and a click that comes just after such a
// write waits for the rest of its gap.
func BenchmarkCalloutHall(b *testing.B) {
	for _, c := range []struct {
		name          string
		shared, clock bool
	}{{"bus=split", false, false}, {"bus=shared", true, false}, {"bus=split/clock=on", false, true}} {
		b.Run(c.name, func(b *testing.B) { benchHall(b, c.shared, c.clock) })
	}
}

func benchHall(b *testing.B, shared, clock bool) {
	boardBus, boardCh := watchBus(b)
	stripBus, stripCh := boardBus, boardCh
	proto := "line"
	if !shared {
		stripBus, stripCh = watchBus(b)
	} else {
		proto = "framed"
	}
	audio := make(chan time.Time, 64)
	wrapCalloutSink = func(s voice.Sink) voice.Sink { return &firstSample{next: s, at: audio} }
	defer func() { wrapCalloutSink = nil }()
	wavs := filepath.Join(b.TempDir(), "voice")
	idleClock := "0"
	if clock {
		idleClock = "10s"
	}
	h := startHall(b, fmt.Sprintf(`[display]
board_port = %s
board_protocol = framed
strip_port = %s
strip_protocol = %s
gap = 300ms
idle_clock = %s
[voice]
output = wav:%s
repeat = 1
`, boardBus.pty.SlavePath, stripBus.pty.SlavePath, proto, idleClock, wavs))
	staff := h.login("staff1", "staff1-demo")
	var httpD, stripD, boardD, audioD, issueD, e2eD []time.Duration
	drain := func() {
		for _, c := range []chan shown{boardCh, stripCh} {
			for len(c) > 0 {
				<-c
			}
		}
		for len(audio) > 0 {
			<-audio
		}
	}
	// idle waits until neither bus has had a command for a gap and a bit
	// (with the idle clock on, until the clock's next write is due at some
	// point during the click: the phase is random).
	idle := func() {
		last := boardBus.sim.Count() + stripBus.sim.Count()
		for {
			time.Sleep(400 * time.Millisecond)
			n := boardBus.sim.Count() + stripBus.sim.Count()
			if n == last {
				return
			}
			last = n
		}
	}
	for i := 0; b.Loop(); i++ {
		b.StopTimer()
		label := h.issue("tax-invoice")
		idle()
		if clock {
			// Click at a random moment of the clock's 2 s cycle.
			time.Sleep(rand.N(2 * time.Second))
		}
		drain()
		line := "请" + label + "号到19号窗口"
		b.StartTimer()
		t0 := time.Now()
		got := h.act(staff, 19, "next", "")
		tHTTP := time.Now()
		var tStrip, tBoard time.Time
		deadline := time.After(10 * time.Second)
		for tStrip.IsZero() || tBoard.IsZero() {
			var s shown
			select {
			case s = <-stripCh:
			case s = <-boardCh:
			case <-deadline:
				b.Fatalf("call %d: strip %v board %v", i, tStrip, tBoard)
			}
			switch {
			case s.addr == 19 && s.text == label:
				tStrip = s.at
			case s.addr == boardTop && s.text == line:
				tBoard = s.at
			}
		}
		var tAudio time.Time
		select {
		case tAudio = <-audio:
		case <-time.After(10 * time.Second):
			b.Fatal("no announcement")
		}
		b.StopTimer()
		if got != label {
			b.Fatalf("called %s, want %s", got, label)
		}
		httpD = append(httpD, tHTTP.Sub(t0))
		stripD = append(stripD, tStrip.Sub(t0))
		boardD = append(boardD, tBoard.Sub(t0))
		audioD = append(audioD, tAudio.Sub(t0))
		issueD = append(issueD, max(tBoard.Sub(t0), tAudio.Sub(t0)))
		e2eD = append(e2eD, max(tStrip.Sub(t0), tBoard.Sub(t0), tAudio.Sub(t0)))
		h.act(staff, 19, "start", "")
		b.StartTimer()
	}
	report(b, "http", httpD)
	report(b, "strip", stripD)
	report(b, "board", boardD)
	report(b, "audio", audioD)
	report(b, "issue", issueD)
	report(b, "e2e", e2eD)
}

func report(b *testing.B, name string, d []time.Duration) { latency.Report(b, name, d) }
