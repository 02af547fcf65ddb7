package room

import "time"

// lagFloor is the least lag autolag may fall to in a game, and why. A
// game that fell short of full speed at a lag the network called for
// does not take that lag again while the network stays as it is. Nor
// does a fall that did not last: autolag came back to the lag it fell
// from, as it does on a network whose need sits on the edge between two
// lags, which it would otherwise follow back and forth across. Only a
// first fall that lasted a minute or more is held for a while instead
// (firstReturnHold): a network that got faster and then slower again
// explains it as well as an edge does.
type lagFloor struct {
	lag     uint8     // 0: none
	until   time.Time // when the floor ends; zero: while the network stays
	fell    uint8     // the lag autolag last fell from
	fellAt  time.Time // when it fell from it
	returns int       // how often a fall did not last, while the network stayed
}

const (
	// fallMemory is how long a fall must last to be judged by the
	// network it may have followed, rather than as a mistake: the
	// measurements of one change of network settle in about 16 s (the
	// steady window of round trips a fall waits for).
	fallMemory = time.Minute
	// firstReturnHold is how long a lag is held after the first fall
	// from it that lasted fallMemory or more.
	firstReturnHold = 2 * time.Minute
)

// at is the floor at now, base being the lag the network calls for. A
// network that moved a lag below the floor, or above it, is no longer the
// one the floor was learned on: what it learned is dropped.
func (f *lagFloor) at(base uint8, now time.Time) uint8 {
	if f.lag != 0 && (base+1 < f.lag || base > f.lag) {
		*f = lagFloor{fell: f.fell, fellAt: f.fellAt}
	}
	if f.lag == 0 || (!f.until.IsZero() && !now.Before(f.until)) {
		return 0
	}
	return f.lag
}

// follow records autolag's change from old to lag at now, slow saying
// whether the game fell short of full speed at old.
func (f *lagFloor) follow(old, lag uint8, slow bool, now time.Time) {
	switch {
	case lag < old:
		f.fell, f.fellAt = old, now
	case slow:
		f.lag, f.until = lag, time.Time{}
	case f.fell != 0 && lag >= f.fell:
		f.returns++
		f.lag, f.until, f.fell = lag, time.Time{}, 0
		if f.returns == 1 && now.Sub(f.fellAt) >= fallMemory {
			f.until = now.Add(firstReturnHold)
		}
	}
}
