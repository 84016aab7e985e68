// Package qrdecode finds and decodes QR codes in camera frames.
//
// Decoding itself is done by github.com/makiuchi-d/gozxing (a Go port of
// ZXing); this package adds the preprocessing that makes it robust on real
// frames, as a list of passes tried cheapest first:
//
//   - hybrid: ZXing's local binariser on the frame as is, with the
//     multi-code reader; when finder patterns are found but the sampled grid
//     fails error correction (steep perspective), the fourth corner and the
//     module count are searched (see perspective), each hypothesis sampled
//     with ZXing's grid sampler and checked by ZXing's decoder;
//   - inverted: light modules on dark (ZXing does not try them by itself);
//   - half: 2×2 box-averaged frame (smooths noise and blur, faster);
//   - global / stretch: contrast stretch, global-histogram binariser
//     (low contrast);
//   - sharpen: unsharp mask (blur); rot45: a 45° rotated view (awkward
//     angles); double: 2× upscale (small modules).
//
// Several codes per frame: after a pass reads codes they are blanked out and
// the frame is searched again; when finder patterns remain, a few more
// passes run within a bounded time. Otherwise decoding stops at the first
// pass that reads something, unless Opts.Exhaustive is set. Opts.Budget is
// measured in CPU time of the decoding thread, so a busy machine reads as
// well as an idle one.
//
// Dedup suppresses the same text seen again within a window, so a code held
// in front of the camera is reported once.
//
// The corpus in package qrcorpus and the command internal/qrbench compare
// this decoder with zbarimg on the same frames (scripts/bench-qr.sh);
// BenchmarkDecode1280x720 reports the median decode time.
package qrdecode
