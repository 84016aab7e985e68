// Package camera delivers grey frames from the kiosk's document camera, or
// from image files standing in for it, to the QR decoder.
//
// Sources implement Source. V4L2 captures from a Linux video device
// (/dev/videoN) through github.com/blackjack/webcam, asking for YUYV 4:2:2
// (grey is the Y byte of every pixel pair) or MJPEG (grey is the JPEG's Y
// plane; many UVC cameras omit the Huffman tables from MJPEG frames, so the
// standard tables of JPEG Annex K.3 are inserted when a frame has none).
// Files and Dir replay image files, for tests, demos and field diagnosis.
//
// Latest wraps any source so that decoding never lags behind the camera:
// a goroutine keeps reading and only the newest frame is kept, older unread
// ones are dropped (counted in Dropped).
//
// Note on the library: Webcam.SetImageFormat returns the requested size
// rather than the one the driver chose, so V4L2 checks every frame's
// length against the size and derives it from the data for MJPEG.
package camera
