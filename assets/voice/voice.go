// Package voice embeds the voice-announcement clips (16 kHz mono 16-bit PCM
// WAV) made by scripts/voice-clips.sh; see ATTRIBUTION.md for their sources
// and licences. Clip names are paths without ".wav": "chime", "zh/qing3",
// "letter/A", "en/number".
package voice

import "embed"

// FS holds chime.wav, zh/*.wav, letter/*.wav and en/*.wav.
//
//go:embed chime.wav zh/*.wav letter/*.wav en/*.wav ATTRIBUTION.md
var FS embed.FS
