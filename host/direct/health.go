package direct

import (
	"github.com/netpak/netpak/host/lockstep"
	"github.com/netpak/netpak/host/m64p"
	"github.com/netpak/netpak/host/session"
)

// health is what a core's requests told of its input buffer, per port,
// since autolag last looked: a core reports with every request how many
// of the asked player's events it holds from the count it asks for on,
// which is how early the inputs reached it. Guarded by the session's
// lock.
type health [session.NumPorts]lockstep.CoreHealth

// noteHealthLocked records the buffer a request of a playing core reports
// for port k. Requests of a core far behind (catching up) or of a port
// that reads empty say nothing about the network, nor does the first
// request of a game, which the core makes before it can hold anything.
func (c *Core) noteHealthLocked(d m64p.InputRequest, g Game) {
	k := int(d.Player)
	if c.ports == 0 || d.Spectator || d.Count == 0 || !g.Active.Has(k) || d.Count >= g.EmptyFrom[k] || !live(k, d.Count, g) {
		return
	}
	c.noteSpareLocked(k, d.BufferSize, c.cores.nowNanos())
	h := &c.health[k]
	switch {
	case d.BufferSize == 0:
		h.Waited = true
	case !h.Known || d.BufferSize < h.Held:
		h.Held = d.BufferSize
	}
	h.Known = true
}

// TakeHealth returns, and forgets, what the core's requests told of each
// port since the last call. The session's lock must be held.
func (c *Core) TakeHealth() [session.NumPorts]lockstep.CoreHealth {
	h := c.health
	c.health = health{}
	return h
}
