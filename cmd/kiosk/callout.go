package main

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"sync"

	"hallkiosk/drivers/callout"
	"hallkiosk/drivers/voice"
	"hallkiosk/drivers/voice/soundcard"
	"hallkiosk/internal/config"
	"hallkiosk/queue/engine"
)

// Calling out in a township box (--standalone): the kiosk's own engine
// drives the window strips, the hall board and the voice announcements, as
// the hall server does in a city hall. The keys are the hall server's:
// [display] as in deploy/hallserver.conf.example, and the announcement keys
// of [voice] (output, language, repeat, ...) beside voice.enabled.

// voiceDefaults fills the announcement keys of [voice].
func (c *Config) voiceDefaults() {
	d := callout.DefaultVoiceConfig()
	v := &c.Voice
	v.Output, v.Language, v.Repeat, v.RecallRepeat = d.Output, d.Language, d.Repeat, d.RecallRepeat
	v.Volume, v.QuietHours, v.QuietVolume, v.MaxWait = d.Volume, d.QuietHours, d.QuietVolume, d.MaxWait
}

// calloutVoice returns the announcement keys of [voice].
func (c *Config) calloutVoice() callout.VoiceConfig {
	v := c.Voice
	return callout.VoiceConfig{Output: v.Output, Language: v.Language, Repeat: v.Repeat, RecallRepeat: v.RecallRepeat,
		Volume: v.Volume, QuietHours: v.QuietHours, QuietVolume: v.QuietVolume, MaxWait: v.MaxWait}
}

// validateCallout checks [display] and the announcement keys of [voice].
func (c *Config) validateCallout() error {
	if err := c.Display.Validate("display"); err != nil {
		return err
	}
	if err := c.calloutVoice().Validate("voice"); err != nil {
		return err
	}
	if !c.Kiosk.Standalone && (c.Display.BoardPort != "" || c.Display.StripPort != "") {
		// voice.output is also where the elder-mode prompts go
		// (prompts.go), so it is allowed in a hall; calls are announced
		// there by the hall server.
		return &config.Error{Key: "kiosk.standalone", Msg: "the kiosk drives displays ([display]) only with standalone = true; in a hall the hall server drives them"}
	}
	return nil
}

// attachCallout follows e's events with the configured displays and voice
// until the kiosk closes. Display buses appear in the maintenance screen's
// device health.
func attachCallout(ctx context.Context, k *kiosk, e *engine.Engine) error {
	names, zones := map[int]string{}, map[int]string{}
	for _, w := range k.cat.Windows {
		names[w.Number], zones[w.Number] = w.Name, w.Zone
	}
	s, err := callout.Open(k.cfg.Display, k.cfg.calloutVoice(), callout.SetupOpts{
		Log: k.log, Soundcard: openSoundcard, Windows: slices.Sorted(maps.Keys(names)), WindowZones: zones,
	})
	if err != nil {
		return err
	}
	if !s.Enabled() {
		s.Close()
		return nil
	}
	k.log.Info("kiosk calling out", "board", k.cfg.Display.BoardPort, "strips", k.cfg.Display.StripPort, "voice", k.cfg.Voice.Output)
	for i, name := range []string{"display-board", "display-strips"} {
		port := []string{k.cfg.Display.BoardPort, k.cfg.Display.StripPort}[i]
		if port == "" || (i == 1 && port == k.cfg.Display.BoardPort) {
			continue
		}
		k.health.add(name, func(context.Context) (bool, string) {
			for _, h := range s.Health() {
				if h.Spec == port {
					if !h.Connected {
						return false, "not connected: " + port + " " + h.LastError
					}
					return true, h.Path
				}
			}
			return false, port
		})
	}
	events, unsubscribe := e.Subscribe(256)
	rctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Go(func() { s.Run(rctx) })
	wg.Go(func() {
		for ev := range events {
			kind, ok := callout.KindFromEngine(string(ev.Kind))
			if !ok || ev.Label == "" || ev.Window <= 0 {
				continue
			}
			s.Hub.Publish(callout.Event{Kind: kind, Number: ev.Label, Window: ev.Window, WindowName: names[ev.Window],
				Service: ev.Service, At: ev.At})
		}
	})
	k.closers = append(k.closers, func() {
		unsubscribe()
		cancel()
		wg.Wait()
		s.Close()
	})
	return nil
}

func openSoundcard(device string) (voice.Sink, func() error, error) {
	c, err := soundcard.Open(&soundcard.Opts{Device: device})
	if err != nil {
		return nil, nil, fmt.Errorf("kiosk: %w", err)
	}
	return c, c.Close, nil
}
