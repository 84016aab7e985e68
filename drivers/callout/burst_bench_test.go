package callout_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"hallkiosk/drivers/callout"
	"hallkiosk/drivers/display"
	"hallkiosk/drivers/voice"
)

// BenchmarkBurst114 is a morning opening at full scale: 114 windows call
// at the same instant, with the shipped pacing (300 ms between commands on
// a bus) and a four-row board. It measures, from the publishing, when the
// last of the 114 board lines has been on the board's top row (read back
// from the simulator's decoded bytes) and reports it as a multiple of
// 114 × the gap (the budget: at most 1, plus the strips' share when the
// board and the strips share one bus, "shared"), and fails if a call is
// never shown or never announced. One iteration takes about 35 s
// (separate) or 70 s (shared): run with -benchtime=1x.
func BenchmarkBurst114(b *testing.B) {
	for _, shared := range []bool{false, true} {
		name := "separate"
		if shared {
			name = "shared"
		}
		b.Run(name, func(b *testing.B) {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			boardBus := newRecBus(b, ctx, display.NewFramed(display.GB18030), display.DefaultGap)
			stripBus := boardBus
			if !shared {
				stripBus = newRecBus(b, ctx, display.NewLine(display.GB18030), display.DefaultGap)
			}
			rows := []byte{200, 201, 202, 203}
			for i := 0; b.Loop(); i++ {
				mo := display.ManagerOpts{Windows: map[int]display.Target{}}
				for w := 1; w <= 114; w++ {
					mo.Windows[w] = display.Target{Dev: stripBus.dev, Addr: byte(w)}
				}
				for _, a := range rows {
					mo.Board = append(mo.Board, display.Target{Dev: boardBus.dev, Addr: a})
				}
				m := display.NewManager(mo)
				ann, err := voice.NewAnnouncer(&voice.Opts{Sink: voice.Null{}})
				if err != nil {
					b.Fatal(err)
				}
				hub := callout.New(&callout.Opts{Display: m, Voice: ann, Repeat: 2, TickEvery: time.Hour})
				hctx, hcancel := context.WithCancel(ctx)
				done := make(chan struct{})
				go func() { defer close(done); hub.Run(hctx) }()
				before := len(boardBus.texts(rows[0]))
				var want []string
				t0 := time.Now()
				for w := 1; w <= 114; w++ {
					num := fmt.Sprintf("%c%03d", 'A'+i%26, w)
					hub.Publish(callout.Event{Kind: callout.Call, Number: num, Window: w, At: t0})
					want = append(want, callout.BoardLine(num, w))
				}
				deadline := t0.Add(3 * 114 * display.DefaultGap)
				for !subsequence(boardBus.texts(rows[0])[before:], want) {
					if time.Now().After(deadline) {
						b.Fatalf("not every call shown on the board within %v", 3*114*display.DefaultGap)
					}
					time.Sleep(time.Millisecond)
				}
				all := time.Since(t0)
				for hub.Status().Voices[0].Said < 114 || hub.Status().Voices[0].Waiting > 0 {
					if time.Now().After(deadline) {
						b.Fatalf("announced %d of 114", hub.Status().Voices[0].Said)
					}
					time.Sleep(time.Millisecond)
				}
				b.ReportMetric(all.Seconds(), "s-all-shown")
				b.ReportMetric(all.Seconds()/(114*display.DefaultGap).Seconds(), "x114gaps")
				b.ReportMetric(float64(hub.Status().Voices[0].Said), "announced")
				hcancel()
				<-done
			}
		})
	}
}
