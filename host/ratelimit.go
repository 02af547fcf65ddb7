package host

import "time"

// A member may make the host send something to everyone (a chat line, a
// lag or golf change, a new manifest) talkBurst times at once and
// talkRate times a second on average; beyond that its requests are refused
// and only it is told. Without a limit one spectator's chat flood fills
// every member's send queue and drops the players.
const (
	talkBurst = 20
	talkRate  = 4 // per second
)

// bucket is a token bucket. The zero value is full the first time it is
// used. It is not safe for concurrent use.
type bucket struct {
	tokens  float64
	last    time.Time
	started bool
	refused bool // the member was told it is refused, and has not been allowed since
}

// allow takes a token at now if there is one.
func (b *bucket) allow(now time.Time, rate, burst float64) bool {
	if !b.started {
		b.tokens, b.last, b.started = burst, now, true
	}
	if dt := now.Sub(b.last).Seconds(); dt > 0 {
		b.tokens = min(burst, b.tokens+dt*rate)
		b.last = now
	}
	if b.tokens < 1 {
		return false
	}
	b.tokens--
	b.refused = false
	return true
}
