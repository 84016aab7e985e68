package sync

import (
	"fmt"
	"time"
)

// HLC is a hybrid logical clock timestamp: wall milliseconds in the upper
// 48 bits, a logical counter in the lower 16. Timestamps from one device
// strictly increase even when its wall clock stalls or steps back a little,
// and order events across devices close to real time.
type HLC uint64

// NewHLC packs wall milliseconds and a logical counter.
func NewHLC(wallMS int64, logical uint16) HLC { return HLC(uint64(wallMS)<<16 | uint64(logical)) }

// Wall returns the wall-clock part in unix milliseconds.
func (h HLC) Wall() int64 { return int64(h >> 16) }

// Logical returns the logical counter.
func (h HLC) Logical() uint16 { return uint16(h) }

// Time returns the wall part as a time.
func (h HLC) Time() time.Time { return time.UnixMilli(h.Wall()) }

// Next returns the timestamp following h for a local event at wall time
// nowMS: max(h.wall, now) with the counter bumped when the wall part did not
// move forward.
func (h HLC) Next(nowMS int64) HLC {
	if nowMS > h.Wall() {
		return NewHLC(nowMS, 0)
	}
	if h.Logical() == 0xffff {
		return NewHLC(h.Wall()+1, 0)
	}
	return h + 1
}

// String formats h as "wallms.logical".
func (h HLC) String() string { return fmt.Sprintf("%d.%d", h.Wall(), h.Logical()) }
