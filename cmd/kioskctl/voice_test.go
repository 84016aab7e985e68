package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"hallkiosk/drivers/voice"
)

// TestVoiceSay runs the real command to a WAV file and checks that it
// holds exactly the clips of the announcement, in order.
func TestVoiceSay(t *testing.T) {
	clips, err := voice.DefaultClips()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	for _, c := range []struct {
		args       []string
		an         voice.Announcement
		transcript string
	}{
		{[]string{"A001", "3"}, voice.Announcement{Number: "A001", Window: 3, Lang: voice.Mandarin, Repeat: 1}, "请A零零一号到三号窗口办理"},
		{[]string{"--repeat", "2", "B017", "105"}, voice.Announcement{Number: "B017", Window: 105, Lang: voice.Mandarin, Repeat: 2}, "一百零五"},
		{[]string{"--lang", "en", "C3", "12"}, voice.Announcement{Number: "C3", Window: 12, Lang: voice.English, Repeat: 1}, "twelve"},
	} {
		out := filepath.Join(dir, c.an.Number+".wav")
		var stdout, stderr bytes.Buffer
		if err := run(context.Background(), append([]string{"voice", "say", "-o", out}, c.args...), &stdout, &stderr); err != nil {
			t.Fatalf("%v: %v %s", c.args, err, stderr.String())
		}
		b, err := os.ReadFile(out)
		if err != nil {
			t.Fatal(err)
		}
		rate, pcm, err := voice.ReadWAV(b)
		want, _ := clips.Render(c.an, voice.DefaultGaps)
		if err != nil || rate != voice.SampleRate || !slices.Equal(pcm, want) {
			t.Fatalf("%v: the WAV is not the announcement (%d samples at %d Hz, want %d; %v)", c.args, len(pcm), rate, len(want), err)
		}
		if s := strings.ReplaceAll(stdout.String(), " ", ""); !strings.Contains(s, strings.ReplaceAll(c.transcript, " ", "")) {
			t.Errorf("%v: stdout %q lacks %q", c.args, stdout.String(), c.transcript)
		}
	}
	for _, bad := range [][]string{{"A001"}, {"A001", "x"}, {"A-1", "3"}, {"A001", "1000"}, {"--repeat", "0", "A001", "3"}} {
		var stdout, stderr bytes.Buffer
		if err := run(context.Background(), append([]string{"voice", "say", "-o", filepath.Join(dir, "bad.wav")}, bad...), &stdout, &stderr); err == nil {
			t.Errorf("%v accepted", bad)
		}
	}
}
