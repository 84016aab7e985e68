package main

import (
	"context"

	"hallkiosk/hall"
	"hallkiosk/internal/config"
)

// Calling out in a township box (--standalone): the hall inside the kiosk
// (hallpages.go) drives the window strips, the hall board, the voice
// announcements and the evaluator pads, as the hall server does in a city
// hall. The sections are the hall's: [display] and [evaluator] as in
// deploy/hallserver.conf.example, and the announcement keys of [voice]
// (output, language, repeat, zones, ...) beside voice.enabled.

// validateCallout checks [display], [evaluator] and the announcement keys
// of [voice].
func (c *Config) validateCallout() error {
	if err := c.Display.Validate("display"); err != nil {
		return err
	}
	if err := c.Evaluator.Validate("evaluator"); err != nil {
		return err
	}
	if err := c.Voice.VoiceConfig.Validate("voice"); err != nil {
		return err
	}
	if !c.Kiosk.Standalone && (c.Display.BoardPort != "" || c.Display.StripPort != "") {
		// voice.output is also where the elder-mode prompts go
		// (prompts.go), so it is allowed in a hall; calls are announced
		// there by the hall server.
		return &config.Error{Key: "kiosk.standalone", Msg: "the kiosk drives displays ([display]) only with standalone = true; in a hall the hall server drives them"}
	}
	if !c.Kiosk.Standalone && c.Evaluator.Port != "" {
		return &config.Error{Key: "kiosk.standalone", Msg: "the kiosk drives evaluator pads ([evaluator]) only with standalone = true; in a hall the hall server drives them"}
	}
	return nil
}

// addCalloutHealth puts the display buses and the evaluator bus of the
// box's hall into the maintenance screen's device health.
func (k *kiosk) addCalloutHealth(h *hall.Hall) {
	for i, name := range []string{"display-board", "display-strips"} {
		port := []string{k.cfg.Display.BoardPort, k.cfg.Display.StripPort}[i]
		if port == "" || (i == 1 && port == k.cfg.Display.BoardPort) || !h.CalloutEnabled() {
			continue
		}
		k.health.add(name, func(context.Context) (bool, string) {
			for _, b := range h.CalloutHealth() {
				if b.Spec == port {
					if !b.Connected {
						return false, "not connected: " + port + " " + b.LastError
					}
					return true, b.Path
				}
			}
			return false, port
		})
	}
	if port := k.cfg.Evaluator.Port; port != "" {
		k.health.add("evaluator", func(context.Context) (bool, string) {
			b, ok := h.PadsHealth()
			if !ok || !b.Connected {
				return false, "not connected: " + port + " " + b.LastError
			}
			return true, b.Path
		})
	}
}
