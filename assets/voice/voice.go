// Package voice embeds the voice-announcement clips (16 kHz mono 16-bit PCM
// WAV) made by scripts/voice-clips.sh, and the kiosk's spoken prompts made by
// scripts/voice-prompts.sh; see ATTRIBUTION.md for their sources and
// licences. Clip names are paths without ".wav": "chime", "zh/qing3",
// "letter/A", "en/number", "prompt/zh/ticket.take".
package voice

import "embed"

// FS holds chime.wav, zh/*.wav, letter/*.wav, en/*.wav and
// prompt/{zh,en}/*.wav.
//
//go:embed chime.wav zh/*.wav letter/*.wav en/*.wav prompt/zh/*.wav prompt/en/*.wav ATTRIBUTION.md
var FS embed.FS
