package ledger

import (
	"github.com/netpak/netpak/host/lockstep"
	"github.com/netpak/netpak/host/session"
)

// A player whose inputs come last makes everyone wait. The ledger notes
// when each input arrives and charges a player's input with how long the
// others had needed it by then: /lagstat and the headless host's status
// line show who the others waited on. A player needs poll p's inputs at
// its own poll p, when it sends its input for poll p+lag: that input's
// arrival is when the host learns the player stands at p. Arrivals alone
// would charge a player whose inputs come a little after the others' for
// every poll, though a lag lets it and nobody waits: a player who rejoined
// and plays some polls behind the others in time, in step, was charged
// four seconds a second. And a wait within a poll period costs nobody a
// frame (inFrame), so only the part of a wait beyond it is charged.

// inFrame is how long after a player stood at a poll an input of that
// poll may come and still cost the player no frame: an emulator whose
// input comes within its frame begins its next one on time, as its speed
// limiter sleeps that much less, and so does a paced netpak player. It
// is the one poll of the physical bound's lag+1 that no lag buys: at lag
// 0, two players whose frames keep a phase apart wait for each other's
// input at every poll, at full speed, and one of them was charged up to
// a second a second.
const inFrame = lockstep.PollMicros * 1000 // nanoseconds

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
// the others had waited for them: for each poll, how much later than a
// poll period after the first other player who stood at it needed it.
func (l *Ledger) Arrived(k int, from uint32, now int64, charge bool) int64 {
	var waited int64
	for p := from; p < l.Streams[k].Have; p++ {
		l.arrivals[k][p%arrivalRing] = arrival{poll: p, at: now}
		if !charge {
			continue
		}
		if need, ok := l.othersNeed(k, p); ok && now > need+inFrame {
			waited += now - need - inFrame
		}
	}
	return waited
}

// othersNeed returns when the first other player to stand at poll p
// needed its inputs, if one does: the arrival of its input for poll
// p+lag, with the golf seat's own lag for its ports. A port the host
// authors while its player catches up (Vacant) holds inputs whenever the
// host filled them: it needs nothing.
func (l *Ledger) othersNeed(k int, p uint32) (int64, bool) {
	e := l.Sched.At(p)
	var seat session.PortMask
	if e.Golf && e.Seat != 0 && l.PortsOf != nil {
		seat = l.PortsOf(e.Seat)
	}
	var need int64
	ok := false
	for j := range session.NumPorts {
		q := p + uint32(e.Lag)
		if seat.Has(j) {
			q = p + uint32(e.LagOf(e.Seat))
		}
		if j == k || !l.Active.Has(j) || l.Vacant.Has(j) || l.EmptyFrom[j] != lockstep.NotEmpty && q >= l.EmptyFrom[j] {
			continue
		}
		a := l.arrivals[j][q%arrivalRing]
		if l.Streams[j].Have <= q || a.poll != q {
			continue // not at p yet: it waits for nobody
		}
		if !ok || a.at < need {
			need, ok = a.at, true
		}
	}
	return need, ok
}
