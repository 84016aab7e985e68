// Package soundcard plays announcements on the machine's sound card through
// miniaudio (github.com/gen2brain/malgo, cgo). It is a voice.Sink.
//
// Only real outputs are tried (PulseAudio, ALSA, JACK); miniaudio's null
// backend is never used, so a machine without a sound card gets an error
// from Open (wrapping ErrNoDevice) instead of silent "playback". Callers
// then fall back to voice.Null or a WAV file and keep the displays going.
package soundcard
