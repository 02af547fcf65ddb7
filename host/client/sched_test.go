package client

import (
	"testing"

	"github.com/netpak/netpak/host/lockstep"
)

// A client far behind the changes the host makes (a spectator, or a
// player replaying the game to catch up) keeps every change it is told
// of from where it is, the newest first: after more changes than a
// schedule holds, it plays the lag and golf seat in force at the live
// game, not an old one.
func TestClientKeepsTheNewestChanges(t *testing.T) {
	var ls clientGame
	ls.sched.Reset(lockstep.SchedEntry{Lag: 2, Cause: lockstep.CauseInitial})
	ls.next = 10
	for i := range uint32(3 * lockstep.MaxSchedEntries) {
		e := lockstep.SchedEntry{From: 100 + 10*i, Lag: uint8(i % 7), Golf: true, Seat: uint16(i%3 + 1)}
		if err := ls.addSchedLocked(e); err != nil {
			t.Fatalf("change %d: %v", i+1, err)
		}
		if got := ls.sched.At(e.From); got != e {
			t.Fatalf("after change %d the policy at its poll is %+v, want %+v", i+1, got, e)
		}
	}
	if err := ls.addSchedLocked(lockstep.SchedEntry{From: 5, Lag: 1}); err == nil {
		t.Error("a change before the poll the client is at was taken")
	}
}
