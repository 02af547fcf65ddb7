package lockstep

import "math"

// CopyAfterMicros is how long after a datagram that carries new inputs
// its second copy goes, in microseconds, when a second copy pays
// (CopyPays): late enough that a loss that took the first is likely over,
// and well within a poll.
const CopyAfterMicros = 3000

// minCopyRTT is the shortest round trip, in microseconds, on which second
// copies pay: on a shorter one a lost input is sent again, on the ack
// that is overdue or the ask of the player that waits, within the poll.
const minCopyRTT = 4000

// CopyPays reports whether inputs that go to or from a player whose round
// trip to the host is rtt, with median deviation dev (microseconds),
// under lag should go twice, CopyAfterMicros apart. The way between two
// players is taken to be twice that player's leg, half its round trip.
//
// Inputs are cumulative: every datagram carries all its receiver has not
// acknowledged, so the next poll's datagram brings a lost input a poll
// late, which the lag absorbs when it leaves the input more than a poll to
// spare. At the least lag that holds full speed on the way (NeededLag) or
// below, it leaves less, and a lost datagram stalls the game unless a
// copy follows. Both legs add their jitter, and a median deviation is not
// the worst trip: the jitter counts four times dev.
func CopyPays(lag uint8, rtt, dev uint32) bool {
	return rtt >= minCopyRTT && lag <= NeededLag(rtt, uint32(min(4*uint64(dev), math.MaxUint32)))
}
