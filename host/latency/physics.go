package latency

import (
	"math"
	"time"
)

// Frame is one poll at 60 polls a second.
const Frame = time.Second / 60

// MinLag is the smallest lag at which inputs that take d ± jitter from
// one player to another can keep 60 polls a second: the input for poll
// p+L leaves at poll p, so L+1 polls must last at least d+jitter.
func MinLag(d, jitter time.Duration) int {
	return max(0, int(math.Ceil(float64(d+jitter)/float64(Frame)))-1)
}

// Bound is the fastest pace at lag L through such a network, in polls a
// second: min(60, (L+1)/(d+jitter)).
func Bound(lag int, d, jitter time.Duration) float64 {
	return min(60, float64(lag+1)/(d+jitter).Seconds())
}
