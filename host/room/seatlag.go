package room

import (
	"fmt"

	"github.com/netpak/netpak/host/lockstep"
)

// seatLagLocked is the lag of the golf seat under e. A netpak player's
// bridge hands its emulator its own presses at once, so its seat plays lag
// 0. A direct core's presses come back from the host before it can use
// them: at lag 0 it would wait that round trip at every poll, and the
// whole game with it (two real cores 40 ms apart: 21 fps). So its seat
// plays the least lag its round trip allows, the median of its last
// sixteen seconds of reports (lockstep.OwnLag, as direct cores' falls are
// judged), or more once that lag slowed the game (raiseSeatLagLocked); the
// session lag while nothing is measured: not known is not "lag 0 will do".
func (r *Room) seatLagLocked(e lockstep.SchedEntry) uint8 {
	m := r.members[e.Seat]
	switch {
	case !e.Golf || m == nil || m.core == nil:
		return 0
	case m.ownNeeds.Empty():
		return e.Lag
	}
	return min(e.Lag, max(m.ownNeeds.Lower(), m.seatFloor))
}

// raiseSeatLagLocked gives the golf seat one poll more when a direct core
// in it plays a lag below the session's and the game fell short of full
// speed: its round trip to the host grew beyond what its reports at the
// seat's lag can show. It reports whether it did; the pace is then judged
// afresh.
func (r *Room) raiseSeatLagLocked(pace float64) bool {
	e := r.game.Sched.Last()
	m := r.members[e.Seat]
	if !e.Golf || m == nil || m.core == nil || e.SeatLag >= e.Lag {
		return false
	}
	m.seatFloor = e.SeatLag + 1
	e.Cause, e.Actor = lockstep.CauseGolfSeat, m.id
	if err := r.scheduleLocked(e); err != nil {
		return false
	}
	r.pace = paceWindow{}
	r.noticeAllLocked(fmt.Sprintf("golf: the game played %.1f polls/s with %s in the seat at lag %d; its presses come back from the host too late for that, so it plays lag %d", pace, m.name, e.SeatLag, r.game.Sched.Last().SeatLag))
	return true
}
