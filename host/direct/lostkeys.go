package direct

import "time"

// A mupen64plus core sends the keys of each of its polls once, in one
// datagram, and never again. The input for count n of its own port comes
// from the keys of count n-lag (lockstep.Author), so when the datagrams of
// counts n-lag through n were all lost, the host can never publish n: the
// core waits at n, asking for it, and stops sending keys, and the whole
// game waits with it until the core gives up on the server (10 s). At lag
// 0 one lost datagram does it. So a core that asks for an input of its own
// port the host lacks for longer than lostKeysGrace gets it as a repeat
// of the port's last input, and so does everyone (lockstep.Author.Repeat):
// the press is lost, as on the servers that create missing events from a
// player's latest keys, and the game goes on.
//
// The repeat runs through the input the core's keys of poll n would have
// published, n+lag: the host lacks n only when the keys of polls n-lag
// through n are all missing (any of them publishes n), and a core waiting
// at n has sent them all, the last with its request. So each lost run
// costs the core one wait, not one per poll, and the other players, who
// wait for the same inputs, keep the slack the lag gives them.
//
// The grace lets a key that was only reordered behind the core's request
// arrive first: the key and the request leave together, and a path whose
// jitter spreads its datagrams over 5 ms (the latency lab's ± 2.5 ms) can
// swap them by that much. The core asks again every 5 ms, so its input
// is repeated at the ask about 10 ms after its first.
const lostKeysGrace = 8 * time.Millisecond

// lostKeys is when a core first asked for a count of its own port the
// host lacked.
type lostKeys struct {
	count uint32
	since int64 // unix nanos; 0: not waiting
}

// repeatLostLocked publishes counts n through n+lag of core c's own port
// k (within the lockstep window and before the port reads empty) as
// repeats of its last input when c has asked for n, and the host lacked
// it, for lostKeysGrace.
func (cs *Cores) repeatLostLocked(c *Core, k int, n uint32, g Game) {
	st := &g.Streams[k]
	w := &c.lost[k]
	if !c.ports.Has(k) || n != st.Have || !g.Active.Has(k) || n >= g.EmptyFrom[k] || n >= cs.s.AuthorLimit(c) {
		*w = lostKeys{}
		return
	}
	now := cs.nowNanos()
	c.lacking.note(now, c.keyed)
	switch {
	case w.since == 0 || w.count != n:
		*w = lostKeys{count: n, since: now}
	case now-w.since >= int64(lostKeysGrace):
		*w = lostKeys{}
		through := min(n+uint32(g.Sched.At(n).LagOf(c.id)), cs.s.AuthorLimit(c)-1, g.EmptyFrom[k]-1)
		made := c.authors[k].Repeat(through, st)
		cs.repeated += uint64(made)
		cs.s.Authored(c, k, n, made)
	}
}

// lacking is a run of a core's asks for inputs of its own port that the
// host lacked, with no keys of the core published since it began.
type lacking struct {
	from, last int64 // unix nanos of its first and latest ask
}

// note adds an ask at now; keyed is when the core's keys last published.
func (l *lacking) note(now, keyed int64) {
	if l.from <= keyed {
		l.from = now // the keys came since the last run: a new one
	}
	l.last = now
}

// longer reports whether the run, unbroken by keys, lasted longer than d.
func (l *lacking) longer(d time.Duration, keyed int64) bool {
	return l.from > keyed && l.last-l.from > int64(d)
}
