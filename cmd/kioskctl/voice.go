package main

import (
	"context"
	"fmt"
	"io"
	"strconv"
	"time"

	"hallkiosk/drivers/voice"
	"hallkiosk/drivers/voice/soundcard"
)

func init() {
	register("voice say", "announce a call: voice say [-o out.wav] [--lang zh|en] [--repeat N] NUMBER WINDOW", runVoiceSay)
}

func runVoiceSay(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("voice say", stderr)
	out := fs.String("o", "", "write a WAV file instead of playing on the sound card")
	lang := fs.String("lang", "zh", "language: zh (Mandarin) or en (English)")
	repeat := fs.Int("repeat", 1, "how many times to say it")
	volume := fs.Int("volume", 100, "volume in percent (1-100)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 2 {
		return usageError("voice say takes NUMBER WINDOW, e.g. voice say -o out.wav A001 3")
	}
	l, err := voice.ParseLang(*lang)
	if err != nil {
		return usageError("%v", err)
	}
	win, err := strconv.Atoi(fs.Arg(1))
	if err != nil {
		return usageError("WINDOW must be a number, got %q", fs.Arg(1))
	}
	if *repeat < 1 || *repeat > 10 {
		return usageError("--repeat is 1..10")
	}
	if *volume < 1 || *volume > 100 {
		return usageError("--volume is 1..100")
	}
	a := voice.Announcement{Number: fs.Arg(0), Window: win, Lang: l, Repeat: *repeat}
	words, err := voice.Transcript(a)
	if err != nil {
		return err
	}
	var sink voice.Sink
	if *out != "" {
		w, err := voice.CreateWAV(*out)
		if err != nil {
			return err
		}
		defer w.Close()
		sink = w
	} else {
		c, err := soundcard.Open(nil)
		if err != nil {
			return fmt.Errorf("%w (use -o FILE.wav to write a file instead)", err)
		}
		defer c.Close()
		sink = c
	}
	counter := &countSink{next: sink}
	an, err := voice.NewAnnouncer(&voice.Opts{Sink: counter, Volume: *volume})
	if err != nil {
		return err
	}
	if err := an.Play(ctx, a); err != nil {
		return err
	}
	if w, ok := sink.(*voice.WAVFile); ok {
		if err := w.Close(); err != nil {
			return err
		}
	}
	d := time.Duration(counter.n) * time.Second / voice.SampleRate
	dest := "sound card"
	if *out != "" {
		dest = *out
	}
	_, err = fmt.Fprintf(stdout, "%s: %s ×%d, %.2f s\n", dest, words, *repeat, d.Seconds())
	return err
}

// countSink counts the samples played.
type countSink struct {
	next voice.Sink
	n    int
}

func (c *countSink) Play(ctx context.Context, pcm []int16, rate int) error {
	c.n += len(pcm)
	return c.next.Play(ctx, pcm, rate)
}
