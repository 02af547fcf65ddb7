package lockstep

import (
	"cmp"
	"math"
	"slices"
)

// PollMicros is a poll period at full speed (60 polls/s), in microseconds.
const PollMicros = 16667

// NeededLag is the smallest lag at which an input that takes delay
// microseconds (plus jitter) to go from the pressing machine to the using
// one arrives in time at full speed: with lag L an input has L+1 poll
// periods, so L = ceil((delay+jitter)/poll) - 1.
func NeededLag(delay, jitter uint32) uint8 {
	d := uint64(delay) + uint64(jitter)
	l := (d + PollMicros - 1) / PollMicros
	if l == 0 {
		return 0
	}
	return uint8(min(l-1, 255))
}

// Path is one player's measured path to the host: half its round trip is
// the one-way delay, and its jitter the spread of that.
type Path struct {
	ID     uint16 // the member
	RTT    uint32 // round trip to the host, microseconds; 0: not measured yet
	Jitter uint32 // median deviation of the round trip, microseconds
	// SteadyRTT and SteadyJitter are the same over a longer window
	// ([RTTSamples.Steady]); LowerNeed judges falls by them. Zero: use RTT
	// and Jitter.
	SteadyRTT, SteadyJitter uint32
}

// WorstPair is the lag every pair of players needs, the largest of them,
// and the player farthest from the host on that pair. An input goes from
// its author through the host to the other player: half of each round
// trip, plus both jitters.
func WorstPair(paths []Path) (lag uint8, furthest uint16) {
	for i, a := range paths {
		for j, b := range paths {
			if i == j || a.RTT == 0 || b.RTT == 0 {
				continue
			}
			if l := PairLag(a, b); l > lag || furthest == 0 {
				lag = max(lag, l)
				furthest = a.ID
				if b.RTT > a.RTT {
					furthest = b.ID
				}
			}
		}
	}
	return lag, furthest
}

// GolfLag is the lag the other players need in golf while golfer plays at
// lag 0, so that the golfer does not slow the game. Its inputs reach
// another player a pair's delay d (with both jitters) after its poll,
// which leaves that player d less one poll behind the golfer; that
// player's inputs, at lag L, must then make the way back in time as well:
// L+2 polls for 2d. Zero when the golfer is not measured among paths.
func GolfLag(paths []Path, golfer uint16) uint8 {
	i := slices.IndexFunc(paths, func(p Path) bool { return p.ID == golfer && p.RTT != 0 })
	if i < 0 {
		return 0
	}
	g := paths[i]
	var lag uint8
	for _, x := range paths {
		if x.ID == golfer || x.RTT == 0 {
			continue
		}
		loop := 2 * (uint64(g.RTT/2+x.RTT/2) + uint64(g.Jitter) + uint64(x.Jitter))
		if loop > PollMicros {
			lag = max(lag, NeededLag(uint32(min(loop-PollMicros, math.MaxUint32)), 0))
		}
	}
	return lag
}

// NetworkNeed is the lag the players' measured paths call for: the worst
// pair's (WorstPair) and, in golf, enough for any player's lag 0 in the
// golf seat not to slow the others (GolfLag), so that whoever may press
// next is covered before the press: no turn starts with a crawl, and the
// lag does not change with every turn. furthest is the player that
// decides.
func NetworkNeed(paths []Path, golf bool) (lag uint8, furthest uint16) {
	lag, furthest = WorstPair(paths)
	if !golf {
		return lag, furthest
	}
	for _, p := range paths {
		if g := GolfLag(paths, p.ID); g > lag {
			lag, furthest = g, p.ID
		}
	}
	return lag, furthest
}

// lowerSlack is how much slower than it is the network must still fit a
// lower lag before autolag lowers to it: a path whose delay sits near the
// edge between two lags keeps the higher one instead of flipping.
const lowerSlack = 1000 // microseconds, from pair to pair

// LowerNeed is the lag NetworkNeed would call for on a network
// lowerSlack slower on every pair, as the steady estimates see it: the
// lowest lag autolag may fall to. A fall is never urgent (a lag too high
// costs latency, not speed), so it waits for the longer window to agree;
// in golf, where the way to the golfer and back doubles a path's noise,
// all the more.
func LowerNeed(paths []Path, golf bool) uint8 {
	lag, _ := NetworkNeed(slowerPaths(paths), golf)
	return lag
}

// slowerPaths is paths as their steady estimates see them, lowerSlack
// slower on every pair.
func slowerPaths(paths []Path) []Path {
	slow := make([]Path, len(paths))
	for i, p := range paths {
		if p.SteadyRTT != 0 {
			p.RTT, p.Jitter = p.SteadyRTT, p.SteadyJitter
		}
		p.Jitter += lowerSlack / 2 // a pair adds both its players' jitter
		slow[i] = p
	}
	return slow
}

// PairLag is the lag at which a's inputs reach b in time: half of each
// round trip, which crosses both machines' network stacks and the host's
// relay as an input does, and both jitters. What the network does not
// show, an emulator's own time in its frame, shows in the game's pace,
// which the host watches too.
func PairLag(a, b Path) uint8 {
	return NeededLag(a.RTT/2+b.RTT/2, uint32(min(uint64(a.Jitter)+uint64(b.Jitter), math.MaxUint32)))
}

// CoreHealth is what a direct mupen64plus core's requests reported of
// one port's inputs since autolag last looked: the fewest it held at a
// request, the one it needed included, or that it waited for one.
type CoreHealth struct {
	Known  bool // it made a request that counts
	Held   uint8
	Waited bool
}

// CoresLag is the lag the direct cores of a game need, from their
// reports at lag. health[i][k] is core i's report on port k;
// author[k] is the core that authors port k, or -1; slow says the game
// fell short of full speed while they reported.
//
// A core that held h inputs at every request would have held none h polls
// lower, and then waited within the frame for each: a wait shorter than
// the frame's idle time costs nothing, as the (L+1) poll periods of
// [NeededLag] say, so h polls lower still hold full speed. Two cores'
// frames keep whatever phase they started with: the one ahead gets the
// other's inputs later than the other gets its own, by as much as the
// other gains. So a pair counts the sum of both its ways, which no phase
// changes, and shares it. A core's own port (its presses come back from
// the host) and a port of a netpak player count alone. Waits that slowed
// the game ask for one poll more. Falls are judged over many such needs
// ([NeedWindow]). furthest is the core that needs the most; ok is false
// when nothing is known.
func CoresLag(lag uint8, health [][NumPorts]CoreHealth, author [NumPorts]int, slow bool) (need uint8, furthest int, ok bool) {
	spare, worst := 1<<30, 0
	waited := walkCores(health, author, func(i, _, s int) {
		if !ok || s < spare {
			spare, worst, ok = s, i, true
		}
	})
	if !ok {
		return lag, 0, false
	}
	n := max(int(lag)-spare, 0)
	if slow && waited {
		n = max(n, int(lag)+1)
	}
	n = min(n, 255)
	return uint8(n), worst, true
}

// EachCoreLag is what each core's reports alone ask of the lag, as
// CoresLag counts them at full speed: its own ports, the ports of netpak
// players, and the pairs it is in. known[i] is false for a core that
// reported nothing.
func EachCoreLag(lag uint8, health [][NumPorts]CoreHealth, author [NumPorts]int) (need []uint8, known []bool) {
	spare := make([]int, len(health))
	known = make([]bool, len(health))
	note := func(i, s int) {
		if !known[i] || s < spare[i] {
			spare[i], known[i] = s, true
		}
	}
	walkCores(health, author, func(i, j, s int) {
		note(i, s)
		if j >= 0 {
			note(j, s)
		}
	})
	need = make([]uint8, len(health))
	for i, s := range spare {
		if known[i] {
			need[i] = uint8(min(max(int(lag)-s, 0), 255))
		}
	}
	return need, known
}

// OwnLag is the least lag core i's own presses allow, from its report h
// at lag, the lag its own ports played: they make a round trip to the host
// before the core can use them, which even the golf seat cannot shorten.
// ok is false when it reported none of its own ports.
func OwnLag(lag uint8, h [NumPorts]CoreHealth, author [NumPorts]int, i int) (need uint8, ok bool) {
	spare := -1
	for k, hk := range h {
		if hk.Known && author[k] == i && (spare < 0 || hk.spare() < spare) {
			spare = hk.spare()
		}
	}
	if spare < 0 {
		return 0, false
	}
	return uint8(max(int(lag)-spare, 0)), true
}

// walkCores calls note for every port core i counts: with j = -1 for a
// port it counts alone, its own or a netpak player's, and with the other
// core j of a pair, once per pair, and s the polls to spare. It reports
// whether any core waited.
func walkCores(health [][NumPorts]CoreHealth, author [NumPorts]int, note func(i, j, s int)) (waited bool) {
	for i, h := range health {
		for k, hk := range h {
			if !hk.Known {
				continue
			}
			waited = waited || hk.Waited
			switch j := author[k]; {
			case j < 0 || j == i:
				note(i, -1, hk.spare())
			case j < i:
				for kj, back := range health[j] {
					if author[kj] == i && back.Known {
						note(i, j, (hk.spare()+back.spare())/2)
					}
				}
			}
		}
	}
	return waited
}

// spare is how many polls lower the port's inputs would still have
// reached the core within the frame: as many as it held; none when it
// waited.
func (h CoreHealth) spare() int {
	if h.Waited {
		return 0
	}
	return int(h.Held)
}

// AutoLag follows the lag the network needs with hysteresis, so it never
// oscillates: it raises the lag once autoRaiseAfter measurements in a row
// need more, and lowers it only after autoLowerAfter measurements in a
// row would need less even on a slower network (LowerNeed), to the most
// any of them needed. The zero value starts at lag 0.
type AutoLag struct {
	Lag      uint8
	up, down int
	peak     uint8 // the most the measurements of the current run needed
}

// Raise and lower thresholds, in measurements (the host measures twice a
// second: a rise is followed within a second, a fall after five).
const (
	autoRaiseAfter = 2
	autoLowerAfter = 10
)

// Observe takes one measurement: need, the lag the network needs now
// (NetworkNeed), and lower, the least it may fall to, judged over a longer
// span (LowerNeed, NeedWindow). A need above the lag raises it whatever
// lower says. It reports the lag to set, if it changes.
func (a *AutoLag) Observe(need, lower uint8) (uint8, bool) {
	switch {
	case need > a.Lag:
		if a.up == 0 {
			a.peak = need
		}
		a.down, a.up, a.peak = 0, a.up+1, min(a.peak, need)
		if a.up >= autoRaiseAfter {
			a.up, a.Lag = 0, a.peak
			return a.Lag, true
		}
	case lower < a.Lag:
		if a.down == 0 {
			a.peak = lower
		}
		a.up, a.down, a.peak = 0, a.down+1, max(a.peak, lower)
		if a.down >= autoLowerAfter {
			a.down, a.Lag = 0, a.peak
			return a.Lag, true
		}
	default:
		a.up, a.down = 0, 0
	}
	return a.Lag, false
}

// RTTWindow is how many round-trip samples a path's estimate looks at:
// four seconds of pings, so a network that got slower is followed within
// a few seconds. SteadyWindow is the longer window a fall of the lag must
// fit too (see [Path]): sixteen seconds, over which the median moves a
// quarter as far from one window to the next, so a network whose need sits
// near the edge between two lags is not taken below it by a few lucky
// pings.
const (
	RTTWindow    = 8
	SteadyWindow = 32
)

// RTTSamples keeps a path's last SteadyWindow round trips. Its estimates
// are the median and the median deviation from it, which a lone late ping
// or a change of route half-way through the window do not move. The zero
// value holds no sample.
type RTTSamples struct {
	ring ring[uint32]
}

// Add records a round trip.
func (r *RTTSamples) Add(rtt uint32) { r.ring.add(rtt) }

// Estimate returns the median of the last RTTWindow round trips and the
// median deviation from it; zeros without samples.
func (r *RTTSamples) Estimate() (rtt, jitter uint32) { return r.estimate(RTTWindow) }

// Steady is Estimate over the last SteadyWindow round trips.
func (r *RTTSamples) Steady() (rtt, jitter uint32) { return r.estimate(SteadyWindow) }

func (r *RTTSamples) estimate(window int) (rtt, jitter uint32) {
	var buf, d [SteadyWindow]uint32
	s := r.ring.last(window, &buf)
	if len(s) == 0 {
		return 0, 0
	}
	rtt = median(s)
	for i, v := range s {
		d[i] = max(v, rtt) - min(v, rtt)
	}
	return rtt, median(d[:len(s)])
}

// ring keeps the last SteadyWindow values added to it.
type ring[T cmp.Ordered] struct {
	v [SteadyWindow]T
	n int
}

func (r *ring[T]) add(x T) {
	r.v[r.n%SteadyWindow] = x
	r.n++
}

// last copies the last k values added (fewer if fewer were) into buf and
// returns them, the newest first.
func (r *ring[T]) last(k int, buf *[SteadyWindow]T) []T {
	n := min(r.n, k, SteadyWindow)
	for i := range n {
		buf[i] = r.v[(r.n-1-i)%SteadyWindow]
	}
	return buf[:n]
}

// median sorts v in place and returns its middle value (the lower one of
// the middle two).
func median[T cmp.Ordered](v []T) T {
	slices.Sort(v)
	return v[(len(v)-1)/2]
}

// NeedWindow keeps what the direct cores needed (CoresLag) at the last
// SteadyWindow measurements, sixteen seconds, so that their falls are
// judged over as long a span as netpak players' steady round trips. The
// zero value holds none.
type NeedWindow struct {
	ring ring[uint8]
}

// Add records one measurement's need.
func (w *NeedWindow) Add(need uint8) { w.ring.add(need) }

// Empty reports whether no measurement was added.
func (w *NeedWindow) Empty() bool { return w.ring.n == 0 }

// Lower is the lag the cores may fall to: the median of the window's
// needs, as netpak players' falls are judged by their median round trip.
// A core reports the fewest inputs it held at any request in half a
// second, so one input the network delayed longer than the rest decides a
// whole measurement, and how many measurements such inputs decide depends
// on the phase the cores' frames keep: two real cores 40 ms ± 5 apart at
// lag 3 needed 2 in four measurements of five and 3 in the fifth in one
// game, 3 in more than a quarter of them in another, and play lag 2 at
// full speed in both phases. At the lag Lower allows, such an input makes
// its core wait longer than a frame, which its speed limiter makes up;
// inputs late so often that the game slows show in its pace, which raises
// the lag again and keeps it while the network stays (the room's slow
// floor). Zero without measurements.
func (w *NeedWindow) Lower() uint8 {
	var buf [SteadyWindow]uint8
	s := w.ring.last(SteadyWindow, &buf)
	if len(s) == 0 {
		return 0
	}
	return median(s)
}
