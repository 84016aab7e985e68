package callout_test

import (
	"context"
	"go/build"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"hallkiosk/drivers/callout"
	"hallkiosk/drivers/display"
	"hallkiosk/drivers/serialport"
	"hallkiosk/drivers/serialtest"
	"hallkiosk/drivers/voice"
)

func TestRender(t *testing.T) {
	o := callout.Opts{Repeat: 2, RecallRepeat: 3, English: true}
	c := callout.Render(callout.Event{Kind: callout.Call, Number: "A001", Window: 3}, o)
	if c.Strip != "A001" || c.BoardPush != "请A001号到3号窗口" || len(c.Say) != 2 ||
		c.Say[0] != (voice.Announcement{Number: "A001", Window: 3, Lang: voice.Mandarin, Repeat: 2}) ||
		c.Say[1].Lang != voice.English {
		t.Fatalf("call: %+v", c)
	}
	c = callout.Render(callout.Event{Kind: callout.Recall, Number: "A001", Window: 3}, o)
	if c.Say[0].Repeat != 3 {
		t.Fatalf("recall: %+v", c)
	}
	c = callout.Render(callout.Event{Kind: callout.Call, Number: "A001", Window: 3},
		callout.Opts{Repeat: 2, English: true, Languages: []voice.Lang{voice.English}})
	if len(c.Say) != 1 || c.Say[0].Lang != voice.English || c.Say[0].Repeat != 2 {
		t.Fatalf("english only: %+v", c.Say)
	}
	for _, k := range []callout.Kind{callout.NoShow, callout.Finish, callout.Leave} {
		c = callout.Render(callout.Event{Kind: k, Number: "A001", Window: 3}, o)
		if !c.ClearStrip || !c.BoardRemove || len(c.Say) != 0 || c.Strip != "" {
			t.Fatalf("%s: %+v", k, c)
		}
	}
	for k := callout.Call; k <= callout.Leave; k++ {
		if p, err := callout.ParseKind(k.String()); err != nil || p != k {
			t.Fatalf("ParseKind(%s) = %v, %v", k, p, err)
		}
	}
}

// playSink records the announcements played.
type playSink struct {
	mu    sync.Mutex
	plays [][]int16
}

func (s *playSink) Play(_ context.Context, pcm []int16, _ int) error {
	s.mu.Lock()
	s.plays = append(s.plays, pcm)
	s.mu.Unlock()
	return nil
}

func (s *playSink) count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.plays)
}

// TestHubOverPTY sends calls through the hub to the display simulator over
// a real pseudo-terminal and to the announcer.
func TestHubOverPTY(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	p, err := serialtest.OpenPTY()
	if err != nil {
		t.Fatal(err)
	}
	port, err := serialport.Open(p.SlavePath, 9600)
	if err != nil {
		t.Fatal(err)
	}
	sim := display.NewSim(display.GB18030)
	simDone := make(chan struct{})
	go func() { defer close(simDone); sim.Run(ctx, p.Master) }()
	defer func() { cancel(); port.Close(); p.Close(); <-simDone }()

	bus, err := display.New(port, &display.Opts{Codec: display.NewLine(display.GB18030), Gap: 2 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	m := display.NewManager(display.ManagerOpts{
		Windows: map[int]display.Target{3: {Dev: bus, Addr: 3}, 5: {Dev: bus, Addr: 5}},
		Board:   []display.Target{{Dev: bus, Addr: 100}, {Dev: bus, Addr: 101}},
	})
	sink := &playSink{}
	ann, err := voice.NewAnnouncer(&voice.Opts{Sink: sink})
	if err != nil {
		t.Fatal(err)
	}
	hub := callout.New(&callout.Opts{Display: m, Voice: ann})
	hubDone := make(chan error)
	go func() { hubDone <- hub.Run(ctx) }()

	// waitState waits until the boards show want (address -> text).
	waitState := func(step string, want map[byte]string) {
		t.Helper()
		deadline := time.Now().Add(10 * time.Second)
		for {
			st := sim.State()
			ok := true
			for a, w := range want {
				if st[a].Text != w {
					ok = false
				}
			}
			if ok {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s: boards show %v, want %v", step, st, want)
			}
			time.Sleep(2 * time.Millisecond)
		}
	}
	hub.Publish(callout.Event{Kind: callout.Call, Number: "A001", Window: 3})
	hub.Publish(callout.Event{Kind: callout.Call, Number: "B002", Window: 5})
	waitState("calls", map[byte]string{3: "A001", 5: "B002", 100: "请B002号到5号窗口", 101: "请A001号到3号窗口"})
	// A001 is served; then B002 is transferred from window 5 to window 3.
	hub.Publish(callout.Event{Kind: callout.Finish, Number: "A001", Window: 3})
	waitState("finish", map[byte]string{3: "", 5: "B002", 100: "请B002号到5号窗口", 101: ""})
	hub.Publish(callout.Event{Kind: callout.Transfer, Number: "B002", Window: 3})
	waitState("transfer", map[byte]string{3: "B002", 5: "", 100: "请B002号到3号窗口", 101: ""})
	// A recall on a two-row board moves the line to the top; calls batched
	// together still leave the newest on top.
	hub.Publish(callout.Event{Kind: callout.Call, Number: "C003", Window: 5})
	hub.Publish(callout.Event{Kind: callout.Recall, Number: "B002", Window: 3})
	waitState("recall", map[byte]string{3: "B002", 5: "C003", 100: "请B002号到3号窗口", 101: "请C003号到5号窗口"})
	deadline := time.Now().Add(10 * time.Second)
	for sink.count() < 5 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	clips, _ := voice.DefaultClips()
	want, _ := clips.Render(voice.Announcement{Number: "B002", Window: 3}, voice.DefaultGaps)
	if sink.count() != 5 || !slices.Equal(sink.plays[2], want) {
		t.Fatalf("%d announcements; transfer's right: %v", sink.count(), sink.count() == 5 && slices.Equal(sink.plays[2], want))
	}
	cancel()
	if err := <-hubDone; err != nil {
		t.Fatal(err)
	}
	if hub.Dropped() != 0 {
		t.Fatalf("dropped %d", hub.Dropped())
	}
}

func TestPublishNeverBlocks(t *testing.T) {
	hub := callout.New(&callout.Opts{QueueLen: 2})
	for range 5 {
		hub.Publish(callout.Event{Kind: callout.Call, Number: "A1", Window: 1})
	}
	if hub.Dropped() != 3 {
		t.Fatalf("dropped %d, want 3", hub.Dropped())
	}
}

// TestNoQueueImports keeps the package free of the queue and kiosk layers.
func TestNoQueueImports(t *testing.T) {
	pkg, err := build.ImportDir(".", 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, imp := range pkg.Imports {
		if strings.HasPrefix(imp, "hallkiosk/queue") || strings.HasPrefix(imp, "hallkiosk/kiosk") {
			t.Errorf("imports %s", imp)
		}
	}
}
