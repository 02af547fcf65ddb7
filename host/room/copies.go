package room

import (
	"time"

	"github.com/netpak/netpak/host/lockstep"
)

// copyAfter is lockstep.CopyAfterMicros.
const copyAfter = lockstep.CopyAfterMicros * time.Microsecond

// copyLaterLocked has the relay just sent to m as a datagram go again
// copyAfter later, when the way of author's inputs to m leaves a lost one
// less than a poll to spare (lockstep.CopyPays): the next relay would
// bring it too late, and the game would stall for it. A spectator's loss
// stalls nobody: it gets no copies. A copy carries everything m lacks, so
// relays while one is due need none of their own: m gets at most one copy
// per relay, from one timer.
func (r *Room) copyLaterLocked(author, m *Member) {
	// A copy due carries this relay too; moving it would delay the copy of
	// the relay before.
	if m.copyDue || m.ports == 0 || !copyPays(r.game.Sched.Last().LagOf(author.id), m) {
		return
	}
	if m.copy == nil {
		m.copy = time.AfterFunc(copyAfter, func() { r.sendCopy(m) })
	} else {
		m.copy.Reset(copyAfter)
	}
	m.copyDue = true
}

// copyPays judges the way of inputs to m by m's own round trip: half of
// it is m's leg, and the author's leg is taken to be as long. An author
// with a shorter leg only makes copies more eager. One with a longer leg
// copies its own datagrams on it (its client judges by its own round
// trip); a loss on m's leg, when that is short, is made good within the
// poll by m's resends. So a member that claims a long round trip gets
// copies itself and makes nobody else get any.
func copyPays(lag uint8, m *Member) bool {
	return lockstep.CopyPays(lag, m.rtt, m.rttDev)
}

// sendCopy runs from m's copy timer: it sends m what it lacks again.
func (r *Room) sendCopy(m *Member) {
	r.mu.Lock()
	defer r.mu.Unlock()
	m.copyDue = false
	if !m.left && r.state == statePlaying && r.viaUDPLocked(m) {
		r.sendDatagramLocked(m, false)
	}
}
