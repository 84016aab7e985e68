package camera

import (
	"context"
	"errors"
	"image"
	"time"
)

// Frame is one captured picture.
type Frame struct {
	Img  *image.Gray
	Seq  uint64    // counts frames delivered by the underlying source, from 1
	Time time.Time // capture time
}

// Source delivers frames. Next blocks until a frame is available, ctx ends
// or the source is exhausted (io.EOF). Close releases the device.
type Source interface {
	Next(ctx context.Context) (Frame, error)
	Close() error
}

// ErrClosed is returned by Next after Close.
var ErrClosed = errors.New("camera: source closed")

// ErrFormat is wrapped by conversions given malformed frame data.
var ErrFormat = errors.New("camera: bad frame data")
