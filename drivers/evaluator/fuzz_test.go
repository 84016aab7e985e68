package evaluator_test

import (
	"bytes"
	"errors"
	"testing"

	"hallkiosk/drivers/evaluator"
)

// FuzzSplit: arbitrary bytes give frames or errors, never panics; a frame
// re-encodes to the bytes it came from.
func FuzzSplit(f *testing.F) {
	b, _ := evaluator.Encode(1, evaluator.CmdPoll, nil)
	f.Add(b)
	b, _ = evaluator.Encode(2, 0x82, []byte{3})
	f.Add(append([]byte{0x55, 0x55, 0xAA, 0x01}, b...))
	f.Fuzz(func(t *testing.T, in []byte) {
		buf := in
		for len(buf) > 0 {
			fr, n, err := evaluator.Split(buf)
			if n < 0 || n > len(buf) {
				t.Fatalf("consumed %d of %d", n, len(buf))
			}
			if err == nil {
				re, eerr := evaluator.Encode(fr.Addr, fr.Cmd, fr.Data)
				if eerr != nil || !bytes.HasSuffix(buf[:n], re) {
					t.Fatalf("re-encode % X not at end of % X", re, buf[:n])
				}
			} else if n == 0 {
				if errors.Is(err, evaluator.ErrChecksum) || errors.Is(err, evaluator.ErrLength) {
					t.Fatal("bad frame consumed nothing")
				}
				break
			}
			buf = buf[n:]
		}
	})
}
