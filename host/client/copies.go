package client

import (
	"slices"
	"time"

	"github.com/netpak/netpak/host/lockstep"
	"github.com/netpak/netpak/host/session"
)

// copyAfter is lockstep.CopyAfterMicros.
const copyAfter = lockstep.CopyAfterMicros * time.Microsecond

// sendPressesLocked sends the host the presses just published, from the
// game's poll or the bridge's core, and a copy after them when it pays.
func (ls *clientGame) sendPressesLocked() {
	now := time.Now()
	ls.sendInputsLocked(now)
	ls.copyLaterLocked(now)
}

// copyLaterLocked has the datagram that just carried this poll's presses
// go again copyAfter later, when the way to the other players leaves a
// lost one less than a poll to spare (lockstep.CopyPays): the next poll's
// datagram would bring it too late, and the game would stall for it. A
// copy carries everything unacknowledged, so a poll while one is due
// needs none of its own.
func (ls *clientGame) copyLaterLocked(now time.Time) {
	if !ls.copyDue && ls.udpWorks(now) && ls.copyPaysLocked() {
		ls.copy.Reset(copyAfter)
		ls.copyDue = true
	}
}

// copyPaysLocked judges the way of this client's inputs by its own round
// trip (half of it is its own leg, and the other players' legs are taken
// to be as long) and its spread, as the host's roster shows it. A longer
// leg is the host's to copy on, by that player's round trip
// (room.copyLaterLocked).
func (ls *clientGame) copyPaysLocked() bool {
	if !ls.rttKnown || len(ls.sched.Entries) == 0 {
		return false
	}
	var jitter uint32
	if i := slices.IndexFunc(ls.roster, func(m session.Member) bool { return m.ID == ls.c.id }); i >= 0 {
		jitter = uint32(ls.roster[i].JitterMillis) * 1000
	}
	return lockstep.CopyPays(ls.sched.Last().LagOf(ls.c.id), uint32(ls.rtt.Microseconds()), jitter)
}

// sendCopy runs from the copy timer: it sends what the host has not
// acknowledged again.
func (c *Client) sendCopy() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.ls.copyDue = false
	if now := time.Now(); c.Err() == nil && c.ls.unackedLocked() && c.ls.udpWorks(now) {
		c.ls.sendInputsLocked(now)
	}
}
