// Package qrdecode finds and decodes QR codes in camera frames.
//
// Decoding itself is done by github.com/makiuchi-d/gozxing (a Go port of
// ZXing): its finder-pattern finder, detector (alignment pattern, grid
// sampling) and decoder (Reed-Solomon). This package decides where to look
// and how hard, so that the common case is cheap and every code in a frame
// is read:
//
//   - One look at the frame as it is (hybrid binariser): the finder
//     patterns are found once, every triple of them that ZXing's multi
//     finder pairs is read, and the candidates no code explains are paired
//     again more loosely (module sizes within a factor 1.7, a rough right
//     angle) and kept only when the triple's timing patterns are there, so
//     that printed text full of 口 and 回 does not pass for codes. A triple
//     that still fails is searched for its fourth corner (steep
//     perspective, see perspective).
//   - When codes were read and every triple that looks like a code is
//     accounted for, Decode is done: a clean code costs one pass. A triple
//     left over is looked at again only in a region around it, with the
//     region passes (global binariser, half scale, stretch, sharpen, 2×,
//     gamma, 45°).
//   - A frame where nothing was read gets the whole-frame passes in turn
//     (global, half scale, inverted, stretch, half inverted, gamma, 3/4
//     global, sharpen, 3/2, 2×; a dark frame inverted first, a noisy one at
//     half scale first) until one reads something or the budget is spent.
//
// Opts.Budget is measured in CPU time of the decoding thread, so a busy
// machine reads as well as an idle one, only later. Codes come back each
// text once, in reading order (rows top to bottom, left to right).
//
// Dedup suppresses the same text seen again within a window, so a code held
// in front of the camera is reported once across frames.
//
// The corpus in package qrcorpus and the command internal/qrbench compare
// this decoder with zbarimg on the same frames (scripts/bench-qr.sh);
// BenchmarkDecode1280x720 reports the median and p90 decode time.
package qrdecode
