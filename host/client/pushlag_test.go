package client

import (
	"testing"

	"github.com/netpak/netpak/host/lockstep"
	"github.com/netpak/netpak/host/session"
)

// A push tells a player's core it is in time, lockstep keeping it in
// step; but a rejoined player's core that replays the game trails it with
// nobody waiting, like a spectator's: its pushes say how far it trails,
// or a core that last asked 23 polls behind the live game plays on at
// full speed there, short of the handover, for good (a real core did,
// in a console test on a busy machine).
func TestPushTellsAReplayingCoreItTrails(t *testing.T) {
	c := &Client{id: 2, ports: 1 << 1}
	ls := &c.ls
	ls.c = c
	ls.sched.Reset(lockstep.SchedEntry{Lag: 2, Cause: lockstep.CauseInitial})
	ls.active = 0b11
	for k := range ls.emptyFrom {
		ls.emptyFrom[k] = lockstep.NotEmpty
	}
	const live = 1874 // inputs every port holds, the host's for port 2
	for k := range 2 {
		for n := range uint32(live) {
			ls.streams[k].Add(n, session.Input{})
		}
	}
	ls.core.waits.Note(1, 1849, 3) // the core last asked for count 1849

	ls.catchUp = 1 << 1
	if got := ls.pushLagLocked(1); got < 20 {
		t.Errorf("a replaying player's core 23 polls behind is pushed lag %d, want about 21", got)
	}
	ls.catchUp = 0
	if got := ls.pushLagLocked(1); got != 0 {
		t.Errorf("a player's core in lockstep is pushed lag %d, want 0", got)
	}
}
