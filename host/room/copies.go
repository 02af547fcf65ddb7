package room

import (
	"time"

	"github.com/netpak/netpak/host/lockstep"
)

// copyLaterLocked has the relay just sent to m go again
// lockstep.CopyAfter later, when the way of author's inputs to m leaves a
// lost one less than a poll to spare (lockstep.CopyPays): the next relay
// would bring it too late, and the game would stall for it. A copy carries
// everything m lacks, so relays while one is due need none of their own:
// m gets at most one copy per relay, from one timer.
func (r *Room) copyLaterLocked(author, m *Member) {
	if m.core != nil || !copyPays(r.game.Sched.Last().LagOf(author.id), author, m) || !r.viaUDPLocked(m) {
		return
	}
	switch {
	case m.copyDue:
		// The copy due carries this relay too; moving it would delay the
		// copy of the relay before.
	case m.copy == nil:
		m.copy = time.AfterFunc(lockstep.CopyAfter, func() { r.sendCopy(m) })
	default:
		m.copy.Reset(lockstep.CopyAfter)
	}
	m.copyDue = true
}

// copyPays judges the way from author to m: half of each round trip, both
// jitters. A direct core measures no round trip: its way counts as m's.
func copyPays(lag uint8, author, m *Member) bool {
	if m.rtt == 0 {
		return false
	}
	a, aj := author.rtt, author.rttDev
	if a == 0 {
		a, aj = m.rtt, m.rttDev
	}
	return lockstep.CopyPays(lag, a/2+m.rtt/2, aj+m.rttDev)
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
