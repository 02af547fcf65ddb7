package lockstep

import (
	"math"
	"time"
)

// CopyAfter is how long after a datagram that carries new inputs its
// second copy goes, when a second copy pays (CopyPays): late enough that
// a loss that took the first is likely over, and well within a poll.
const CopyAfter = 3 * time.Millisecond

// minCopyDelay is the shortest path, one way in microseconds, on which
// second copies pay: on a shorter one a lost input is sent again, on the
// ack that is overdue or the ask of the player that waits, within the
// poll.
const minCopyDelay = 2000

// CopyPays reports whether inputs that cross a path of delay (one way,
// plus jitter, in microseconds) under lag should go twice, CopyAfter
// apart. Inputs are cumulative: every datagram carries all its receiver
// has not acknowledged, so the next poll's datagram brings a lost input a
// poll late, which the lag absorbs when it leaves the input more than a
// poll to spare. At the least lag that holds full speed on the path
// (NeededLag) or below, it leaves less, and a lost datagram stalls the
// game unless a copy follows. The jitter counts twice: a median deviation
// is not the worst trip.
func CopyPays(lag uint8, delay, jitter uint32) bool {
	return delay >= minCopyDelay && lag <= NeededLag(delay, uint32(min(2*uint64(jitter), math.MaxUint32)))
}
