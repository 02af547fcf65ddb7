package direct

import (
	"slices"
	"time"

	"github.com/netpak/netpak/host/lockstep"
	"github.com/netpak/netpak/host/session"
)

// copyAfter is lockstep.CopyAfterMicros.
const copyAfter = lockstep.CopyAfterMicros * time.Microsecond

// tightFor is how long a request that showed a core holding no input of a
// port to spare makes copies of that port pay: longer than the requests
// of a few polls, in which a core whose inputs come early holds more.
const tightFor = time.Second

// copies is what a core was sent unasked and gets again copyAfter later
// (see copyLaterLocked). Guarded by the session's lock.
type copies struct {
	timer *time.Timer
	due   bool                     // the timer runs
	ports session.PortMask         // ports sent since it was set
	from  [session.NumPorts]uint32 // first count of each of them sent since
	tight [session.NumPorts]int64  // unix nanos until which copies of each port pay
}

// noteSpareLocked records a request of port k that counts for autolag
// (noteHealthLocked): a core that held no input beyond the one it asked
// for gets each a poll or less before its poll, so a lost one would come
// too late in the answer to its next request.
func (c *Core) noteSpareLocked(k int, held uint8, now int64) {
	if held <= 1 {
		c.copies.tight[k] = now + int64(tightFor)
	}
}

// copyLaterLocked has the inputs of port k from count from, just sent to
// core c unasked, go again copyAfter later, when the way to it leaves a
// lost one less than a poll to spare. A core asks at every poll for every
// port, and the answer carries all it lacks, so a lost input reaches it a
// poll late at worst: that the lag absorbs when the core's requests show
// inputs more than a poll early, and then copies do not pay. Nor do they
// at lag 0: the core's ask at the poll of its own keys comes just behind
// them and is answered with the input they made. A copy carries all that
// was sent since the first, so c gets at most one per copyAfter, from one
// timer.
func (cs *Cores) copyLaterLocked(c *Core, k int, from uint32, g Game) {
	cp := &c.copies
	if cs.nowNanos() >= cp.tight[k] || g.Sched.At(from).Lag == 0 {
		return
	}
	if !cp.ports.Has(k) || from < cp.from[k] {
		cp.from[k] = from
	}
	cp.ports |= 1 << k
	if cp.due {
		return
	}
	if cp.timer == nil {
		cp.timer = time.AfterFunc(copyAfter, func() { cs.sendCopy(c) })
	} else {
		cp.timer.Reset(copyAfter)
	}
	cp.due = true
}

// sendCopy runs from c's copy timer: it sends c again what it was sent
// unasked since the timer was set, from the counts it still lacks.
func (cs *Cores) sendCopy(c *Core) {
	cs.s.Lock()
	defer cs.s.Unlock()
	cp := &c.copies
	ports := cp.ports
	cp.due, cp.ports = false, 0
	g := cs.s.Game()
	if c.left || !g.Playing || !slices.Contains(cs.all, c) {
		return
	}
	for k := range session.NumPorts {
		if !ports.Has(k) {
			continue
		}
		events := cs.eventsLocked(k, max(cp.from[k], c.waits.Asked(k)), cs.events[:0], g)
		if len(events) > 0 {
			cs.sendEventsLocked(c, k, cs.pushLagLocked(c, k, g), events, g)
		}
	}
}

// stopCopiesLocked stops c's copy timer: it left, or the game ended.
func (c *Core) stopCopiesLocked() {
	if c.copies.timer != nil {
		c.copies.timer.Stop()
	}
	c.copies.due, c.copies.ports = false, 0
}
