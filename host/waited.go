package host

import (
	"github.com/netpak/netpak/host/lockstep"
	"github.com/netpak/netpak/host/session"
)

// A player whose inputs come last makes everyone wait. The host notes
// when each input arrives and charges a player's input that completes a
// poll with how long the others' inputs for it had been there: /lagstat
// and the headless host's status line show who the others waited on.

// arrivalRing is how many recent polls' arrival times a session keeps per
// port: far more than lockstep lets players drift apart.
const arrivalRing = 512

// arrival is when the input of one poll arrived.
type arrival struct {
	poll uint32
	at   int64 // nowNanos
}

// arrivedLocked notes that port k's inputs from poll from on (to its
// stream's end) arrived now, and charges author, if any, with the wait of
// each poll its input completed last.
func (s *room) arrivedLocked(k int, from uint32, author *member) {
	now := nowNanos()
	for p := from; p < s.streams[k].Have; p++ {
		s.arrivals[k][p%arrivalRing] = arrival{poll: p, at: now}
		if author == nil {
			continue
		}
		if ready, ok := s.othersReadyLocked(k, p); ok && now > ready {
			author.waited += now - ready
		}
	}
}

// othersReadyLocked returns when every active port but k held its input
// for poll p, if they all do and that is known.
func (s *room) othersReadyLocked(k int, p uint32) (int64, bool) {
	var ready int64
	for j := range session.NumPorts {
		if j == k || !s.active.Has(j) || s.emptyFrom[j] != lockstep.NotEmpty && p >= s.emptyFrom[j] {
			continue
		}
		a := s.arrivals[j][p%arrivalRing]
		if s.streams[j].Have <= p || a.poll != p {
			return 0, false
		}
		ready = max(ready, a.at)
	}
	return ready, ready > 0
}

// pollLocked is the first poll some active port lacks input for: how far
// the game has come.
func (s *room) pollLocked() uint32 {
	poll := uint32(lockstep.NotEmpty)
	for k := range session.NumPorts {
		if s.active.Has(k) && s.emptyFrom[k] == lockstep.NotEmpty {
			poll = min(poll, s.streams[k].Have)
		}
	}
	if poll == lockstep.NotEmpty {
		return 0
	}
	return poll
}
