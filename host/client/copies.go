package client

import (
	"time"

	"github.com/netpak/netpak/host/lockstep"
)

// copyLaterLocked has the datagram that just carried this poll's presses
// go again lockstep.CopyAfter later, when the way to the other players
// leaves a lost one less than a poll to spare (lockstep.CopyPays): the
// next poll's datagram would bring it too late, and the game would stall
// for it. A copy carries everything unacknowledged, so a poll while one is
// due needs none of its own.
func (ls *clientGame) copyLaterLocked(now time.Time) {
	if !ls.copyDue && ls.udpWorks(now) && ls.copyPaysLocked() {
		ls.copy.Reset(lockstep.CopyAfter)
		ls.copyDue = true
	}
}

// copyPaysLocked judges the way this client's inputs go: half its own
// round trip, and half that of the player furthest from the host (its
// own, while the roster shows none: a direct core measures none), with
// both jitters.
func (ls *clientGame) copyPaysLocked() bool {
	if !ls.rttKnown || len(ls.sched.Entries) == 0 {
		return false
	}
	own := uint32(ls.rtt.Microseconds())
	var ownJitter, far, farJitter uint32
	for _, m := range ls.roster {
		switch {
		case m.ID == ls.c.id:
			ownJitter = uint32(m.JitterMillis) * 1000
		case m.Ports != 0 && m.RTTMillis != 0:
			far = max(far, uint32(m.RTTMillis)*1000)
			farJitter = max(farJitter, uint32(m.JitterMillis)*1000)
		}
	}
	if far == 0 {
		far, farJitter = own, ownJitter
	}
	return lockstep.CopyPays(ls.sched.Last().LagOf(ls.c.id), own/2+far/2, ownJitter+farJitter)
}

// sendCopy runs from the copy timer: it sends what the host has not
// acknowledged again.
func (c *Client) sendCopy() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.ls.copyDue = false
	if c.Err() == nil && c.ls.unackedLocked() && c.ls.udpWorks(time.Now()) {
		c.ls.sendInputsLocked(time.Now())
	}
}
