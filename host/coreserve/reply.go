package coreserve

import (
	"github.com/netpak/netpak/host/lockstep"
	"github.com/netpak/netpak/host/m64p"
)

// BufferTarget is the fast-forward threshold given to cores: a core more
// than this many inputs behind runs unthrottled until it caught up.
const BufferTarget = 2

// idleWindow is how many empty-port events a request may get beyond the
// count asked for.
const idleWindow = 8

// AppendEvents appends the events of a stream from count c: what it holds,
// then nothing; from emptyFrom on (the player left), no input. An input
// without a pak byte (from a netpak client) gets the port's registered
// plugin.
func AppendEvents(evs []m64p.Event, st *lockstep.Stream, c, emptyFrom uint32, plugin m64p.Plugin) []m64p.Event {
	for i := c; len(evs) < m64p.MaxEvents; i++ {
		switch {
		case i >= emptyFrom:
			if i >= c+idleWindow {
				return evs
			}
			evs = append(evs, m64p.Event{Count: i, Plugin: plugin})
		case st.Holds(i):
			in := st.At(i)
			p := m64p.Plugin(in.Pak)
			if p == 0 {
				p = plugin
			}
			evs = append(evs, m64p.Event{Count: i, Keys: in.Keys, Plugin: p})
		default:
			return evs
		}
	}
	return evs
}

// Status is the status byte cores are sent: a desync was seen, and which
// active ports lost their player.
func Status(desync bool, active lockstep.PortMask, emptyFrom *[lockstep.NumPorts]uint32) m64p.Status {
	var st m64p.Status
	if desync {
		st |= m64p.StatusDesync
	}
	for k := range lockstep.NumPorts {
		if active.Has(k) && emptyFrom[k] != lockstep.NotEmpty {
			st |= m64p.PlayerGone(uint8(k))
		}
	}
	return st
}

// SpeedLag is the lag byte of a reply: how far a consumer at count c is
// behind the author of a stream holding have inputs under lag. A core that
// fell behind runs unthrottled until it caught up.
func SpeedLag(have, c uint32, lag uint8) uint8 {
	lead := int64(have) - int64(lag) - 1
	behind := lead - int64(c)
	return uint8(min(max(behind, 0), 255))
}

// SpeedHave is the stream length port k's lag byte (SpeedLag) measures a
// core against: its own stream's, or, once the port reads empty (its
// player left), the longest stream of a port still played. A core takes
// its speed limiter from the last port it reads: measured against the
// stopped stream, a core replaying the game (a late spectator, a rejoined
// player) would seem in time past the departure, and play on at full
// speed behind the live game for good.
func SpeedHave(streams *[lockstep.NumPorts]lockstep.Stream, active lockstep.PortMask, emptyFrom *[lockstep.NumPorts]uint32, k int) uint32 {
	if emptyFrom[k] == lockstep.NotEmpty {
		return streams[k].Have
	}
	var have uint32
	for j := range lockstep.NumPorts {
		if active.Has(j) && emptyFrom[j] == lockstep.NotEmpty {
			have = max(have, streams[j].Have)
		}
	}
	return have
}

// PushWindow is how far behind its stream a core may seem and still be
// pushed every new input: its last request is a round trip old, up to 30
// polls (half a second) across the internet. A core further behind is
// catching up, and asks for plenty itself.
const PushWindow = 30

// Live reports whether a core that last asked for count asked of a
// stream holding have inputs, at lag, plays within PushWindow of its live
// edge: one to push every new input to.
func Live(have, asked uint32, lag uint8) bool {
	return SpeedLag(have, asked, lag) <= PushWindow
}

// PushLag is the lag byte of inputs pushed to a core unasked, when its
// last request trailed the stream by behind (SpeedLag). A player's core in
// lockstep (trails false) is never told it is behind: a push answers no
// request, so the stream seems ahead of the core's last one, and a core
// told it is behind while it holds inputs turns its speed limiter off: the
// game would run too fast. A core that trails the game with nobody
// waiting for it (a spectator's; a rejoined player's while it replays) is
// told how far: a core takes its speed limiter from the latest datagram
// of a port, and pushes saying "in time" would keep it at full speed up
// to PushWindow polls behind for good. Its last request's trail
// overstates how far it trails now, but a core turns its limiter off only
// while it holds more inputs than the buffer target, and a trailing core
// that holds inputs is behind by them. Test cores that run unthrottled
// (turbo) are always told they are far behind.
func PushLag(turbo, trails bool, behind uint8) uint8 {
	switch {
	case turbo:
		return 255
	case !trails:
		return 0
	}
	return behind
}

// Waits is, per port, the count a core asked for and was not given: the
// input it waits for; and how far it has been sent. Whoever serves the
// core sends that input the moment it exists, so the core's 5 ms
// re-request cadence never adds to the lag; a server across a network
// also pushes every input the core has not been sent ([Waits.Ahead]), so
// the core never waits a request's round trip for it. The zero value
// waits for nothing and has sent nothing.
type Waits [lockstep.NumPorts]struct {
	count   uint32 // the count last asked for
	waiting bool
	sent    uint32 // one past the newest event sent
}

// Note records the answer to a request of port k at count: waiting if the
// answer held no event.
func (w *Waits) Note(k int, count uint32, events int) {
	w[k].count, w[k].waiting = count, events == 0
	w.Sent(k, count, events)
}

// Sent records that events of port k from count on were sent.
func (w *Waits) Sent(k int, count uint32, events int) {
	w[k].sent = max(w[k].sent, count+uint32(events))
}

// Asked returns the count port k was last asked for.
func (w *Waits) Asked(k int) uint32 { return w[k].count }

// Ahead reports the first count of port k the core has not been sent,
// when the stream holds it: an input to push. A port that reads empty is
// not pushed ahead (Due answers the core that waits on it).
func (w *Waits) Ahead(k int, st *lockstep.Stream, emptyFrom uint32) (uint32, bool) {
	from := max(w[k].count, w[k].sent)
	return from, from < emptyFrom && st.Holds(from)
}

// Due reports whether port k's awaited count can now be answered: the
// stream holds it, or the port reads empty from there on.
func (w *Waits) Due(k int, st *lockstep.Stream, emptyFrom uint32) (uint32, bool) {
	c := w[k].count
	if !w[k].waiting || (!st.Holds(c) && c < emptyFrom) {
		return 0, false
	}
	w[k].waiting = false
	return c, true
}
