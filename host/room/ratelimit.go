package room

import (
	"time"

	"github.com/netpak/netpak/host/limit"
)

// A member may make the host send something to everyone (a chat line, a
// lag or golf change, a new manifest) talkBurst times at once and
// talkRate times a second on average; beyond that its requests are refused
// and only it is told. Without a limit one spectator's chat flood fills
// every member's send queue and drops the players.
const (
	talkBurst = 20
	talkRate  = 4 // per second
)

// talk is a member's allowance of frames that reach everyone.
type talk struct {
	limit.Bucket
	refused bool // the member was told it is refused, and has not been allowed since
}

// allow takes a token at now if there is one.
func (t *talk) allow(now time.Time) bool {
	if !t.Allow(now, talkRate, talkBurst) {
		return false
	}
	t.refused = false
	return true
}
