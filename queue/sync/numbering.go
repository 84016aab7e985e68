package sync

import (
	"fmt"
	"time"
)

// NumberRule: how ticket numbers are shared between the hall and kiosks.
//
// Every service has its own number space per hall day, 1..NumberMax. The
// hall hands out leases (blocks) from 1..LeaseMax in order; it never grants
// a number twice in a day. A kiosk issues only from leases for today's
// hall day; leases expire at the day boundary in the hall's zone
// (Asia/Shanghai).
//
// Leases float ahead of the hall's own numbers: a lease starts LeaseAhead
// past the hall's last number; when the hall's numbers come within the
// release margin of a block the kiosk holds, the pull asks the kiosk to
// hand back what it has not used of it and grants a new block ahead; the
// kiosk cuts the block at its next unused number in the same transaction
// as it stores the new one, and reports the cut in every later pull of
// the day. The hall issues handed-back numbers itself, and steps over a
// block nobody handed back (a kiosk offline keeps its block). So offline
// numbers continue the hall's sequence (F041 online, F052 offline), and
// the hall's own numbers run on without gaps while kiosks are online.
//
// When a kiosk has used up its leases for a service and cannot reach the
// hall, it issues from its own overflow range: the device with enrolment
// index k (1..MaxDevices) owns OverflowRange(k) of every service on every
// day, a range no other device and no lease can ever contain. When that is
// used up too, the kiosk refuses to issue for that service and says so.
// The numbers are therefore never issued twice in a day, online or off.
const (
	// NumberMax is the largest ticket number (four digits on the ticket).
	NumberMax = 9999
	// LeaseMax is the largest number the hall leases or issues itself.
	LeaseMax = 4999
	// OverflowBase is where the per-device overflow ranges start.
	OverflowBase = 5000
	// OverflowSize is the size of each device's overflow range.
	OverflowSize = 50
	// MaxDevices is the most kiosks one hall can enrol (overflow ranges).
	MaxDevices = (NumberMax - OverflowBase) / OverflowSize
	// LeaseAhead is how far past the hall's last own number a new lease
	// starts: the hall issues the numbers below it itself, and a kiosk
	// that goes offline prints numbers close to the hall's.
	LeaseAhead = 20
)

// OverflowRange returns the overflow numbers [lo, hi] of device index k.
func OverflowRange(k int) (lo, hi int, err error) {
	if k < 1 || k > MaxDevices {
		return 0, 0, fmt.Errorf("sync: device index %d outside 1..%d", k, MaxDevices)
	}
	lo = OverflowBase + (k-1)*OverflowSize + 1
	return lo, lo + OverflowSize - 1, nil
}

// HallZone is the default zone of the hall day: China Standard Time, which
// has no daylight saving, so a fixed offset equals Asia/Shanghai.
var HallZone = time.FixedZone("Asia/Shanghai", 8*3600)

// Day returns the hall day of t in zone loc (HallZone when nil) as
// YYYY-MM-DD.
func Day(t time.Time, loc *time.Location) string {
	if loc == nil {
		loc = HallZone
	}
	return t.In(loc).Format(time.DateOnly)
}
