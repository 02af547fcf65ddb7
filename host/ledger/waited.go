package ledger

import (
	"github.com/netpak/netpak/host/lockstep"
	"github.com/netpak/netpak/host/session"
)

// A player whose inputs come last makes everyone wait. The ledger notes
// when each input arrives and charges a player's input that completes a
// poll with how long the others' inputs for it had been there: /lagstat
// and the headless host's status line show who the others waited on.

// arrivalRing is how many recent polls' arrival times a ledger keeps per
// port: far more than lockstep lets players drift apart.
const arrivalRing = 512

// arrival is when the input of one poll arrived.
type arrival struct {
	poll uint32
	at   int64 // unix nanoseconds
}

// Arrived notes that port k's inputs from poll from on (to its stream's
// end) arrived at now (unix nanoseconds). With charge, it returns how long
// the others waited for them: for each poll whose input came last, since
// every other port's input for it was there.
func (l *Ledger) Arrived(k int, from uint32, now int64, charge bool) int64 {
	var waited int64
	for p := from; p < l.Streams[k].Have; p++ {
		l.arrivals[k][p%arrivalRing] = arrival{poll: p, at: now}
		if !charge {
			continue
		}
		if ready, ok := l.othersReady(k, p); ok && now > ready {
			waited += now - ready
		}
	}
	return waited
}

// othersReady returns when every active port but k held its input for
// poll p, if they all do and that is known.
func (l *Ledger) othersReady(k int, p uint32) (int64, bool) {
	var ready int64
	for j := range session.NumPorts {
		if j == k || !l.Active.Has(j) || l.EmptyFrom[j] != lockstep.NotEmpty && p >= l.EmptyFrom[j] {
			continue
		}
		a := l.arrivals[j][p%arrivalRing]
		if l.Streams[j].Have <= p || a.poll != p {
			return 0, false
		}
		ready = max(ready, a.at)
	}
	return ready, ready > 0
}
