// Package qrdecode finds and decodes QR codes in camera frames.
//
// Decoding itself is done by github.com/makiuchi-d/gozxing (a Go port of
// ZXing); this package adds the preprocessing that makes it robust on real
// frames: several binarisers (ZXing's local "hybrid" one and its global
// histogram one), inverted codes (light modules on dark, which ZXing does
// not try by itself), downscaling (smooths noise and blur), contrast
// stretching (low contrast), an unsharp mask (blur), a 45° rotated view
// (awkward angles), upscaling (small modules), and a multi-code reader (several
// codes per frame). Passes run cheapest first and stop at the first one that
// finds a code unless Opts.Exhaustive is set.
//
// Dedup suppresses the same text seen again within a window, so a code held
// in front of the camera is reported once.
//
// The corpus in package qrcorpus and the command internal/qrbench compare
// this decoder with zbarimg (scripts/bench-qr.sh).
package qrdecode
