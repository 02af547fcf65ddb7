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

// Waits is, per port, the count a core asked for and was not given: the
// input it waits for. Whoever serves the core sends that input the moment
// it exists, so the core's 5 ms re-request cadence never adds to the lag.
// The zero value waits for nothing.
type Waits [lockstep.NumPorts]struct {
	count   uint32
	waiting bool
}

// Note records the answer to a request of port k at count: waiting if the
// answer held no event.
func (w *Waits) Note(k int, count uint32, events int) {
	w[k].count, w[k].waiting = count, events == 0
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
