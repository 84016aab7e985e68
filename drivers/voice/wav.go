package voice

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"sync"
)

// ErrWAV means bytes that are not a 16-bit mono PCM WAV file.
var ErrWAV = errors.New("voice: not a 16-bit mono PCM WAV")

// maxWAVSamples bounds what ReadWAV accepts (10 minutes at 48 kHz).
const maxWAVSamples = 48000 * 600

// ReadWAV parses a RIFF WAVE file holding 16-bit mono PCM and returns its
// sample rate and samples. Chunks other than "fmt " and "data" are skipped.
func ReadWAV(b []byte) (rate int, pcm []int16, err error) {
	if len(b) < 12 || string(b[0:4]) != "RIFF" || string(b[8:12]) != "WAVE" {
		return 0, nil, fmt.Errorf("%w: no RIFF/WAVE header", ErrWAV)
	}
	var haveFmt bool
	p := b[12:]
	for len(p) >= 8 {
		id := string(p[0:4])
		size := int64(binary.LittleEndian.Uint32(p[4:8]))
		p = p[8:]
		if size > int64(len(p)) {
			if id == "data" { // streaming writers leave a wrong size; take what is there
				size = int64(len(p))
			} else {
				return 0, nil, fmt.Errorf("%w: chunk %q runs past the end", ErrWAV, id)
			}
		}
		body := p[:size]
		switch id {
		case "fmt ":
			if len(body) < 16 {
				return 0, nil, fmt.Errorf("%w: short fmt chunk", ErrWAV)
			}
			format := binary.LittleEndian.Uint16(body[0:2])
			channels := binary.LittleEndian.Uint16(body[2:4])
			rate = int(binary.LittleEndian.Uint32(body[4:8]))
			bits := binary.LittleEndian.Uint16(body[14:16])
			if format != 1 || channels != 1 || bits != 16 || rate <= 0 || rate > 192000 {
				return 0, nil, fmt.Errorf("%w: format %d, %d channels, %d bits, %d Hz", ErrWAV, format, channels, bits, rate)
			}
			haveFmt = true
		case "data":
			if !haveFmt {
				return 0, nil, fmt.Errorf("%w: data before fmt", ErrWAV)
			}
			n := len(body) / 2
			if n > maxWAVSamples {
				return 0, nil, fmt.Errorf("%w: %d samples is too long", ErrWAV, n)
			}
			pcm = make([]int16, n)
			for i := range pcm {
				pcm[i] = int16(binary.LittleEndian.Uint16(body[2*i:]))
			}
			return rate, pcm, nil
		}
		p = p[size:]
		if size%2 == 1 && len(p) > 0 { // chunks are padded to even sizes
			p = p[1:]
		}
	}
	return 0, nil, fmt.Errorf("%w: no data chunk", ErrWAV)
}

// wavHeader returns the 44-byte header of a 16-bit mono PCM WAV file with n
// samples.
func wavHeader(rate, n int) []byte {
	h := make([]byte, 44)
	copy(h[0:], "RIFF")
	binary.LittleEndian.PutUint32(h[4:], uint32(36+2*n))
	copy(h[8:], "WAVEfmt ")
	binary.LittleEndian.PutUint32(h[16:], 16)
	binary.LittleEndian.PutUint16(h[20:], 1) // PCM
	binary.LittleEndian.PutUint16(h[22:], 1) // mono
	binary.LittleEndian.PutUint32(h[24:], uint32(rate))
	binary.LittleEndian.PutUint32(h[28:], uint32(2*rate))
	binary.LittleEndian.PutUint16(h[32:], 2)
	binary.LittleEndian.PutUint16(h[34:], 16)
	copy(h[36:], "data")
	binary.LittleEndian.PutUint32(h[40:], uint32(2*n))
	return h
}

func pcmBytes(pcm []int16) []byte {
	b := make([]byte, 2*len(pcm))
	for i, s := range pcm {
		binary.LittleEndian.PutUint16(b[2*i:], uint16(s))
	}
	return b
}

// WriteWAV writes pcm as a 16-bit mono PCM WAV file.
func WriteWAV(w io.Writer, rate int, pcm []int16) error {
	if _, err := w.Write(wavHeader(rate, len(pcm))); err != nil {
		return fmt.Errorf("voice: write wav: %w", err)
	}
	if _, err := w.Write(pcmBytes(pcm)); err != nil {
		return fmt.Errorf("voice: write wav: %w", err)
	}
	return nil
}

// Sink plays PCM. Play returns when the sound has been handed over in full
// (a sound card returns when it has been played); calls never overlap.
type Sink interface {
	Play(ctx context.Context, pcm []int16, rate int) error
}

// Null is a Sink that drops the sound.
type Null struct{}

// Play does nothing.
func (Null) Play(context.Context, []int16, int) error { return nil }

// WAVFile is a Sink that appends everything played to one WAV file,
// finished by Close.
type WAVFile struct {
	mu   sync.Mutex
	f    *os.File
	rate int
	n    int
}

// CreateWAV creates the file at path.
func CreateWAV(path string) (*WAVFile, error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, fmt.Errorf("voice: %w", err)
	}
	if _, err := f.Write(wavHeader(0, 0)); err != nil {
		f.Close()
		return nil, fmt.Errorf("voice: %w", err)
	}
	return &WAVFile{f: f}, nil
}

// Play appends pcm. Every call must use the same rate.
func (w *WAVFile) Play(_ context.Context, pcm []int16, rate int) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.f == nil {
		return fmt.Errorf("voice: wav file closed")
	}
	if w.rate != 0 && w.rate != rate {
		return fmt.Errorf("voice: wav file is %d Hz, got %d Hz", w.rate, rate)
	}
	w.rate = rate
	if _, err := w.f.Write(pcmBytes(pcm)); err != nil {
		return fmt.Errorf("voice: write wav: %w", err)
	}
	w.n += len(pcm)
	return nil
}

// Close writes the header's sizes and closes the file.
func (w *WAVFile) Close() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.f == nil {
		return nil
	}
	rate := w.rate
	if rate == 0 {
		rate = SampleRate
	}
	_, err := w.f.WriteAt(wavHeader(rate, w.n), 0)
	if e := w.f.Close(); err == nil {
		err = e
	}
	w.f = nil
	if err != nil {
		return fmt.Errorf("voice: close wav: %w", err)
	}
	return nil
}
