package voice

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// clipFile reads a shipped clip straight from the assets directory.
func clipFile(t *testing.T, name string) []int16 {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("../../assets/voice", name+".wav"))
	if err != nil {
		t.Fatal(err)
	}
	rate, pcm, err := ReadWAV(b)
	if err != nil || rate != 16000 {
		t.Fatalf("%s: rate %d err %v", name, rate, err)
	}
	return pcm
}

// TestWAVA001Window3 proves the WAV for (A001, window 3) is exactly the
// chime and the clips 请 A 零 零 一 号 到 三 号 窗 口 办 理 in that order with
// the defined gaps, said twice.
func TestWAVA001Window3(t *testing.T) {
	out := filepath.Join(t.TempDir(), "a001.wav")
	sink, err := CreateWAV(out)
	if err != nil {
		t.Fatal(err)
	}
	a, err := NewAnnouncer(&Opts{Sink: sink})
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Play(context.Background(), Announcement{Number: "A001", Window: 3, Repeat: 2}); err != nil {
		t.Fatal(err)
	}
	if err := sink.Close(); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	rate, got, err := ReadWAV(b)
	if err != nil || rate != 16000 {
		t.Fatalf("rate %d err %v", rate, err)
	}
	silence := func(ms int) []int16 { return make([]int16, 16*ms) }
	// The gaps defined in DefaultGaps: 250 ms after the chime, 40 ms between
	// words, 700 ms between the two sayings.
	var saying []int16
	for i, c := range []string{"zh/qing3", "letter/A", "zh/ling2", "zh/ling2", "zh/yi1", "zh/hao4", "zh/dao4",
		"zh/san1", "zh/hao4", "zh/chuang1", "zh/kou3", "zh/ban4", "zh/li3"} {
		if i > 0 {
			saying = append(saying, silence(40)...)
		}
		saying = append(saying, clipFile(t, c)...)
	}
	want := slices.Concat(clipFile(t, "chime"), silence(250), saying, silence(700), saying)
	if len(got) != len(want) {
		t.Fatalf("got %d samples, want %d", len(got), len(want))
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("sample %d = %d, want %d", i, got[i], want[i])
		}
	}
	if len(b) != 44+2*len(want) {
		t.Fatalf("file is %d bytes, want %d", len(b), 44+2*len(want))
	}
}

var zhChar = map[string]string{"zh/ling2": "零", "zh/yi1": "一", "zh/er4": "二", "zh/san1": "三", "zh/si4": "四",
	"zh/wu3": "五", "zh/liu4": "六", "zh/qi1": "七", "zh/ba1": "八", "zh/jiu3": "九", "zh/shi2": "十", "zh/bai3": "百",
	"zh/qing3": "请", "zh/hao4": "号", "zh/dao4": "到", "zh/chuang1": "窗", "zh/kou3": "口", "zh/ban4": "办", "zh/li3": "理"}

func zhString(t *testing.T, clips []string) string {
	var sb strings.Builder
	for _, c := range clips {
		if l, ok := strings.CutPrefix(c, "letter/"); ok {
			sb.WriteString(l)
			continue
		}
		s, ok := zhChar[c]
		if !ok {
			t.Fatalf("unexpected clip %q", c)
		}
		sb.WriteString(s)
	}
	return sb.String()
}

// expectZh spells n the way the rules of Chinese number reading do, from its
// decimal digits: a written-out reference independent of ZhCardinal.
func expectZh(n int) string {
	d := []rune("零一二三四五六七八九")
	h, te, u := n/100, n/10%10, n%10
	s := ""
	if h > 0 {
		s = string(d[h]) + "百"
		switch {
		case te == 0 && u == 0:
			return s
		case te == 0:
			return s + "零" + string(d[u])
		}
		s += string(d[te]) + "十" // 一百一十, not 一百十
	} else if te > 0 {
		if te > 1 {
			s = string(d[te])
		}
		s += "十"
	}
	if u > 0 {
		s += string(d[u])
	}
	return s
}

func TestZhCardinal(t *testing.T) {
	fixed := map[int]string{1: "一", 3: "三", 10: "十", 11: "十一", 12: "十二", 20: "二十", 21: "二十一", 99: "九十九",
		100: "一百", 101: "一百零一", 105: "一百零五", 110: "一百一十", 115: "一百一十五", 120: "一百二十", 199: "一百九十九"}
	for n := 1; n <= 199; n++ {
		c, err := ZhCardinal(n)
		if err != nil {
			t.Fatal(err)
		}
		got := zhString(t, c)
		if want, ok := fixed[n]; ok && got != want {
			t.Errorf("%d read %s, want %s", n, got, want)
		}
		if want := expectZh(n); got != want {
			t.Errorf("%d read %s, want %s", n, got, want)
		}
	}
	for _, n := range []int{0, -1, 1000} {
		if _, err := ZhCardinal(n); err == nil {
			t.Errorf("ZhCardinal(%d) succeeded", n)
		}
	}
}

func TestWords(t *testing.T) {
	w, err := Words(Announcement{Number: "a001", Window: 3})
	if err != nil {
		t.Fatal(err)
	}
	if got := zhString(t, w); got != "请A零零一号到三号窗口办理" {
		t.Fatalf("zh: %s", got)
	}
	w, err = Words(Announcement{Number: "B12", Window: 105, Lang: English})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"en/number", "letter/B", "en/one", "en/two", "en/please_go_to_window", "en/one", "en/hundred", "en/five"}
	if !slices.Equal(w, want) {
		t.Fatalf("en: %v", w)
	}
	for n, want := range map[int]string{3: "three", 12: "twelve", 20: "twenty", 42: "forty two", 110: "one hundred ten", 199: "one hundred ninety nine"} {
		c, _ := EnCardinal(n)
		var s []string
		for _, x := range c {
			s = append(s, strings.TrimPrefix(x, "en/"))
		}
		if strings.Join(s, " ") != want {
			t.Errorf("EnCardinal(%d) = %v", n, s)
		}
	}
	// Every clip any window 1..999 or number needs is shipped.
	clips, err := DefaultClips()
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range []Lang{Mandarin, English} {
		for n := 1; n <= MaxWindow; n++ {
			w, err := Words(Announcement{Number: "ABCDEFGHIJKLM"[n%13:n%13+1] + "0123456789", Window: n, Lang: l})
			if err != nil {
				t.Fatal(err)
			}
			for _, c := range w {
				if _, ok := clips.Clip(c); !ok {
					t.Fatalf("missing clip %s", c)
				}
			}
		}
	}
	for _, bad := range []string{"", "A-01", "号1", "A0000000000001", "ſ1", "ı2"} {
		if _, err := Words(Announcement{Number: bad, Window: 1}); err == nil {
			t.Errorf("Words(%q) succeeded", bad)
		}
	}
}

// recordSink records what it plays and checks that plays never overlap.
type recordSink struct {
	mu       sync.Mutex
	inFlight int
	overlap  bool
	plays    [][]int16
	delay    time.Duration
}

func (r *recordSink) Play(_ context.Context, pcm []int16, _ int) error {
	r.mu.Lock()
	r.inFlight++
	if r.inFlight > 1 {
		r.overlap = true
	}
	r.mu.Unlock()
	time.Sleep(r.delay)
	r.mu.Lock()
	r.inFlight--
	r.plays = append(r.plays, append([]int16(nil), pcm...))
	r.mu.Unlock()
	return nil
}

func TestQueueNoOverlap(t *testing.T) {
	sink := &recordSink{delay: 5 * time.Millisecond}
	a, err := NewAnnouncer(&Opts{Sink: sink, QueueLen: 4})
	if err != nil {
		t.Fatal(err)
	}
	clips, _ := DefaultClips()
	anns := []Announcement{{Number: "A001", Window: 1}, {Number: "A002", Window: 2, Repeat: 3}, {Number: "B001", Window: 12, Lang: English}, {Number: "C9", Window: 105}}
	for _, an := range anns {
		if err := a.Say(an); err != nil {
			t.Fatal(err)
		}
	}
	if err := a.Say(Announcement{Number: "D1", Window: 1}); err != ErrQueueFull {
		t.Fatalf("fifth Say: %v", err)
	}
	if err := a.Say(Announcement{Number: "D1", Window: 0}); err == nil {
		t.Fatal("Say of window 0 succeeded")
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- a.Run(ctx) }()
	// Play from another goroutine at the same time: must not overlap either.
	if err := a.Play(ctx, Announcement{Number: "E5", Window: 5}); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		sink.mu.Lock()
		n := len(sink.plays)
		sink.mu.Unlock()
		if n == 5 || time.Now().After(deadline) {
			break
		}
		time.Sleep(2 * time.Millisecond)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if sink.overlap || len(sink.plays) != 5 {
		t.Fatalf("overlap %v, %d plays", sink.overlap, len(sink.plays))
	}
	// The queued ones came in order; the repeated one is three sayings long.
	var queued [][]int16
	for _, p := range sink.plays {
		want, _ := clips.Render(Announcement{Number: "E5", Window: 5}, DefaultGaps)
		if !slices.Equal(p, want) {
			queued = append(queued, p)
		}
	}
	for i, an := range anns {
		want, _ := clips.Render(an, DefaultGaps)
		if !slices.Equal(queued[i], want) {
			t.Fatalf("play %d is not %+v", i, an)
		}
	}
	once, _ := clips.Render(Announcement{Number: "A002", Window: 2}, DefaultGaps)
	chime, _ := clips.Clip(ClipChime)
	saying := len(once) - len(chime) - 4000
	if len(queued[1]) != len(chime)+4000+3*saying+2*11200 {
		t.Fatalf("repeat 3: %d samples", len(queued[1]))
	}
}

func TestVolumeAndQuietHours(t *testing.T) {
	clips, _ := DefaultClips()
	full, _ := clips.Render(Announcement{Number: "A1", Window: 3}, DefaultGaps)
	now := time.Date(2026, 11, 25, 12, 30, 0, 0, time.Local)
	sink := &recordSink{}
	a, err := NewAnnouncer(&Opts{Sink: sink, Volume: 50, Now: func() time.Time { return now },
		Quiet: QuietHours{From: 12 * time.Hour, To: 14 * time.Hour, Volume: 20}})
	if err != nil {
		t.Fatal(err)
	}
	play := func() {
		if err := a.Play(context.Background(), Announcement{Number: "A1", Window: 3}); err != nil {
			t.Fatal(err)
		}
	}
	play() // quiet: 20%
	now = now.Add(2 * time.Hour)
	play() // 14:30: 50%
	a.SetVolume(0)
	play() // muted: nothing
	if len(sink.plays) != 2 {
		t.Fatalf("%d plays", len(sink.plays))
	}
	for i, pct := range []int{20, 50} {
		for j, s := range full {
			if want := int16(int(s) * pct / 100); sink.plays[i][j] != want {
				t.Fatalf("play %d sample %d = %d, want %d", i, j, sink.plays[i][j], want)
			}
		}
	}
	night := QuietHours{From: 22 * time.Hour, To: 6 * time.Hour}
	for h, want := range map[int]bool{23: true, 2: true, 6: false, 12: false, 22: true} {
		if got := night.In(time.Date(2026, 1, 1, h, 0, 0, 0, time.Local)); got != want {
			t.Errorf("night.In(%d:00) = %v", h, got)
		}
	}
}

func FuzzReadWAV(f *testing.F) {
	f.Fuzz(func(t *testing.T, b []byte) {
		rate, pcm, err := ReadWAV(b)
		if err != nil {
			return
		}
		var sb strings.Builder
		if err := WriteWAV(&sb, rate, pcm); err != nil {
			t.Fatal(err)
		}
		rate2, pcm2, err := ReadWAV([]byte(sb.String()))
		if err != nil || rate2 != rate || !slices.Equal(pcm, pcm2) {
			t.Fatalf("round trip: %d %d %v", rate2, len(pcm2), err)
		}
	})
}

func TestTranscript(t *testing.T) {
	for a, want := range map[Announcement]string{
		{Number: "A001", Window: 3}:                "请A零零一号到三号窗口办理",
		{Number: "A001", Window: 105}:              "请A零零一号到一百零五号窗口办理",
		{Number: "A001", Window: 3, Lang: English}: "number A zero zero one please go to window three",
	} {
		if got, err := Transcript(a); err != nil || got != want {
			t.Errorf("Transcript(%+v) = %q, %v; want %q", a, got, err, want)
		}
	}
}

// TestMaxWait: an announcement that waited too long is still said, once
// (its repeats skipped), never dropped.
func TestMaxWait(t *testing.T) {
	now := time.Date(2026, 11, 25, 9, 0, 0, 0, time.Local)
	var mu sync.Mutex
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	sink := &recordSink{}
	a, err := NewAnnouncer(&Opts{Sink: sink, MaxWait: 30 * time.Second, Now: clock})
	if err != nil {
		t.Fatal(err)
	}
	a.Say(Announcement{Number: "A1", Window: 1, Repeat: 2})                     // will be stale
	a.Say(Announcement{Number: "A1", Window: 1, Lang: English, Optional: true}) // stale and optional: skipped
	mu.Lock()
	now = now.Add(time.Minute)
	mu.Unlock()
	a.Say(Announcement{Number: "A2", Window: 2, Repeat: 2}) // fresh
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- a.Run(ctx) }()
	deadline := time.Now().Add(5 * time.Second)
	for {
		if b := a.Backlog(); b.Said >= 2 && b.Waiting == 0 || time.Now().After(deadline) {
			break
		}
		time.Sleep(time.Millisecond)
	}
	cancel()
	<-done
	clips, _ := DefaultClips()
	stale, _ := clips.Render(Announcement{Number: "A1", Window: 1}, DefaultGaps)
	fresh, _ := clips.Render(Announcement{Number: "A2", Window: 2, Repeat: 2}, DefaultGaps)
	if len(sink.plays) != 2 || !slices.Equal(sink.plays[0], stale) || !slices.Equal(sink.plays[1], fresh) {
		t.Fatalf("%d plays", len(sink.plays))
	}
	if b := a.Backlog(); b.Skipped != 2 || b.Said != 2 {
		t.Fatalf("backlog %+v, want 2 said and 2 skipped (a repeat, the English)", b)
	}
}

// TestBacklogSkipsRepeatsFirst: a burst far past the backlog limit is said
// in order, every call at least once; repeats and the second language are
// skipped while the queue is behind, and the burst is logged once.
func TestBacklogSkipsRepeatsFirst(t *testing.T) {
	sink := &recordSink{}
	var logs strings.Builder
	a, err := NewAnnouncer(&Opts{Sink: sink, Backlog: 3, Log: slog.New(slog.NewTextHandler(&logs, nil))})
	if err != nil {
		t.Fatal(err)
	}
	const calls = 114
	for i := range calls {
		num := fmt.Sprintf("A%03d", i+1)
		if err := a.Say(Announcement{Number: num, Window: i%114 + 1, Repeat: 2}); err != nil {
			t.Fatal(err)
		}
		if err := a.Say(Announcement{Number: num, Window: i%114 + 1, Lang: English, Optional: true}); err != nil {
			t.Fatal(err)
		}
	}
	if b := a.Backlog(); b.Waiting != 2*calls || b.Oldest.IsZero() {
		t.Fatalf("backlog before playing %+v", b)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- a.Run(ctx) }()
	deadline := time.Now().Add(20 * time.Second)
	for {
		if b := a.Backlog(); b.Waiting == 0 && !b.Playing || time.Now().After(deadline) {
			break
		}
		time.Sleep(time.Millisecond)
	}
	cancel()
	<-done
	clips, _ := DefaultClips()
	// Each call's Mandarin announcement is among the plays, in order.
	next := 0
	for _, p := range sink.plays {
		if next == calls {
			break
		}
		num := fmt.Sprintf("A%03d", next+1)
		once, _ := clips.Render(Announcement{Number: num, Window: next%114 + 1}, DefaultGaps)
		twice, _ := clips.Render(Announcement{Number: num, Window: next%114 + 1, Repeat: 2}, DefaultGaps)
		if slices.Equal(p, once) || slices.Equal(p, twice) {
			next++
		}
	}
	if next != calls {
		t.Fatalf("only %d of %d calls announced in order (%d plays)", next, calls, len(sink.plays))
	}
	b := a.Backlog()
	if b.Skipped == 0 || b.Said != int64(len(sink.plays)) || b.Said < calls {
		t.Fatalf("backlog after %+v, %d plays", b, len(sink.plays))
	}
	if n := strings.Count(logs.String(), "backlog past the limit"); n != 1 {
		t.Fatalf("burst logged %d times:\n%s", n, logs.String())
	}
	// The last calls, with nothing behind them, kept their repeats.
	last, _ := clips.Render(Announcement{Number: fmt.Sprintf("A%03d", calls), Window: (calls-1)%114 + 1, Repeat: 2}, DefaultGaps)
	if !slices.ContainsFunc(sink.plays, func(p []int16) bool { return slices.Equal(p, last) }) {
		t.Fatal("the last call lost its repeat although nothing waited behind it")
	}
}

// FuzzWords reads arbitrary ticket numbers and windows (they come from other
// systems): no panic, and every clip named exists.
func FuzzWords(f *testing.F) {
	clips, err := DefaultClips()
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, number string, window int, english bool) {
		a := Announcement{Number: number, Window: window}
		if english {
			a.Lang = English
		}
		w, err := Words(a)
		if err != nil {
			return
		}
		for _, c := range w {
			if _, ok := clips.Clip(c); !ok {
				t.Fatalf("%+v: missing clip %q", a, c)
			}
		}
		if _, err := Transcript(a); err != nil {
			t.Fatal(err)
		}
	})
}

func TestWAVDir(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "out")
	at := time.Date(2026, 11, 26, 9, 30, 0, 0, time.UTC)
	d := &WAVDir{Dir: dir, Keep: 2, Now: func() time.Time { at = at.Add(time.Second); return at }}
	for i := range 3 {
		if err := d.Play(context.Background(), []int16{int16(i), 7, -7}, SampleRate); err != nil {
			t.Fatal(err)
		}
	}
	files, err := d.Files()
	if err != nil || len(files) != 2 {
		t.Fatalf("files %v, %v", files, err)
	}
	if filepath.Base(files[0]) != "20261126-093002.000-000002.wav" {
		t.Fatalf("oldest kept %s", files[0])
	}
	b, _ := os.ReadFile(files[1])
	rate, pcm, err := ReadWAV(b)
	if err != nil || rate != SampleRate || !slices.Equal(pcm, []int16{2, 7, -7}) {
		t.Fatalf("newest: %d %v %v", rate, pcm, err)
	}
}
