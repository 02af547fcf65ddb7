package direct

import (
	"fmt"
	"net/netip"
	"time"

	"github.com/netpak/netpak/host/coreserve"
	"github.com/netpak/netpak/host/m64p"
	"github.com/netpak/netpak/host/session"
	"github.com/netpak/netpak/host/udpsock"
)

// HandleDatagram handles a datagram of a direct core. A datagram is
// accepted only from the address of the core's first request, which must
// have the IP address of its TCP connection (see bindLocked). It takes the
// session's lock.
func (cs *Cores) HandleDatagram(sock *udpsock.Socket, p []byte, from netip.AddrPort) {
	d, err := m64p.ParseClientDatagram(p)
	cs.s.Lock()
	defer cs.s.Unlock()
	if err != nil {
		cs.s.Dropped()
		return
	}
	switch d := d.(type) {
	case m64p.KeyInfoClient:
		cs.keysLocked(sock, d, from)
	case m64p.InputRequest:
		cs.requestLocked(sock, d, from)
	case m64p.SyncData:
		c := cs.byAddrLocked(from)
		if c == nil {
			cs.s.Dropped()
			return
		}
		cs.s.CompareCP0(c, d)
	}
}

// bindLocked accepts a datagram from c if it comes from c's UDP address.
// That address is bound once, by c's first request: it names c by its
// regid (or, for a spectator core, comes from the IP address of its TCP
// connection, which is all a regid-0 request tells). Until then, keys for
// c's ports are accepted from that IP without binding, since a core may
// send its first keys before its first request and dropping them would
// stall it for good. Afterwards datagrams from any other address, even
// another port of the same IP, are dropped and counted, so nobody else on
// that IP can speak for c or take its replies.
func (cs *Cores) bindLocked(c *Core, sock *udpsock.Socket, from netip.AddrPort, bind bool) bool {
	switch {
	case c == nil || c.left:
	case c.addr.IsValid():
		if c.addr == from && c.sock == sock {
			return true
		}
	case from.Addr() == c.ip:
		if bind {
			c.addr, c.sock = from, sock
		}
		return true
	}
	cs.s.Dropped()
	return false
}

func (cs *Cores) byAddrLocked(from netip.AddrPort) *Core {
	for _, c := range cs.all {
		if c.addr == from {
			return c
		}
	}
	return nil
}

// keysLocked authors a direct core's stream: keys reported for count c
// become the input for poll c+lag.
func (cs *Cores) keysLocked(sock *udpsock.Socket, d m64p.KeyInfoClient, from netip.AddrPort) {
	k := int(d.Player)
	c := cs.owner(k)
	g := cs.s.Game()
	if !cs.bindLocked(c, sock, from, false) || !g.Playing || !g.Active.Has(k) {
		return
	}
	if f := cs.cfg.Hooks.ScriptKeys; f != nil {
		d.Keys = f(k, d.Count)
	}
	st := &g.Streams[k]
	if !cs.mayReachLocked(c, k, d.Count, g) {
		cs.s.Dropped()
		return
	}
	lag := g.Sched.At(d.Count).LagOf(c.id)
	before := st.Have
	n := c.authors[k].Publish(d.Count, lag, session.Input{Keys: d.Keys, Pak: uint8(d.Plugin)}, st)
	if n > 0 {
		c.keyed = cs.nowNanos() // only keys that publish count: stale ones are no keys
		cs.s.Authored(c, k, before, n)
	}
	cs.s.Pressed(c, d.Keys)
	if n == 0 {
		return
	}
	if cs.cfg.Gratuitous {
		cs.gratuitousLocked(k, c.authors[k].Next-uint32(n), cs.s.Game())
	}
}

// mayReachLocked reports whether core c may send keys for count n of port
// k. It reaches n only by consuming events 0..n-1 of its own port, which
// the host published, so a count beyond the stream is one the host never
// let it reach: refused at O(1), it cannot make publish fill the stream up
// to it under the lock, and what is left costs at most lag+1 inputs. Nor
// may it run its port ahead of the others, one datagram after another:
// the input it would publish is held to the lockstep window every author
// is held to (Session.AuthorLimit).
func (cs *Cores) mayReachLocked(c *Core, k int, n uint32, g Game) bool {
	return n <= g.Streams[k].Have && n < cs.s.AuthorLimit(c)
}

// gratuitousLocked sends every direct core port k's events from first on,
// unasked (UDP type 3).
func (cs *Cores) gratuitousLocked(k int, first uint32, g Game) {
	msg := m64p.KeyInfoServer{Gratuitous: true, Player: uint8(k), Status: status(g),
		Events: cs.eventsLocked(k, first, cs.events[:0], g)}
	b, err := msg.AppendTo(cs.dgram[:0])
	if err != nil {
		return
	}
	for _, o := range cs.all {
		if o.released && o.addr.IsValid() {
			o.sock.WriteTo(b, o.addr)
		}
	}
}

// requestLocked answers a core's request for a player's events.
func (cs *Cores) requestLocked(sock *udpsock.Socket, d m64p.InputRequest, from netip.AddrPort) {
	var c *Core
	if d.RegID != 0 {
		c = cs.byRegID[d.RegID]
	} else {
		c = cs.spectatorLocked(from)
	}
	if !cs.bindLocked(c, sock, from, true) {
		return
	}
	// A core asks at every poll: its requests, nothing else it sends, say
	// it plays.
	c.seen.Store(cs.nowNanos())
	if g := cs.s.Game(); g.Playing {
		c.noteHealthLocked(d, g)
		cs.repeatLostLocked(c, int(d.Player), d.Count, g)
		cs.answerLocked(c, int(d.Player), d.Count, g)
	}
}

// answerLocked sends core c the events of port k from count on, and notes
// whether it now waits for that count.
func (cs *Cores) answerLocked(c *Core, k int, count uint32, g Game) {
	events := cs.eventsLocked(k, count, cs.events[:0], g)
	c.waits.Note(k, count, len(events))
	cs.sendEventsLocked(c, k, cs.lagLocked(k, count, g), events, g)
}

// sendEventsLocked sends core c events of port k with the lag byte lag.
func (cs *Cores) sendEventsLocked(c *Core, k int, lag uint8, events []m64p.Event, g Game) {
	reply := m64p.KeyInfoServer{Player: uint8(k), Status: status(g), Lag: lag, Events: events}
	b, err := reply.AppendTo(cs.dgram[:0])
	if err == nil {
		c.sock.WriteTo(b, c.addr)
	}
}

// Push sends, unasked, every direct core the inputs it has not been sent
// (the core takes unsolicited key-info datagrams), so inputs reach cores
// the moment they reach the host, not a request's round trip later: a
// core waiting for one gets its answer, and a core that plays near the
// live edge gets every new input. A core far behind asks for plenty
// itself, and runs unthrottled while it does. The session calls Push,
// with its lock held, whenever a stream grew or a port began to read
// empty.
func (cs *Cores) Push() {
	if len(cs.all) == 0 {
		return // the relay's usual case: nothing to push to
	}
	g := cs.s.Game()
	for _, c := range cs.all {
		if !c.addr.IsValid() {
			continue
		}
		w := &c.waits
		for k := range session.NumPorts {
			st := &g.Streams[k]
			if n, ok := w.Due(k, st, g.EmptyFrom[k]); ok {
				cs.answerLocked(c, k, n, g)
				cs.copyLaterLocked(c, k, n, g)
			} else if from, ok := w.Ahead(k, st, g.EmptyFrom[k]); ok && live(k, w.Asked(k), g) && cs.pushLocked(c, k, from, g) {
				cs.copyLaterLocked(c, k, from, g)
			}
		}
	}
}

// live reports whether a core that last asked for count n of port k
// plays near the live edge of its stream (its last request is a round
// trip old).
func live(k int, n uint32, g Game) bool {
	return coreserve.Live(speedHave(k, g), n, g.Sched.At(n).Lag)
}

// speedHave is how far port k's stream goes for a core's speed: see
// coreserve.SpeedHave.
func speedHave(k int, g Game) uint32 {
	return coreserve.SpeedHave(g.Streams, g.Active, g.EmptyFrom, k)
}

// pushLocked sends core c the events of port k from count on, which it
// has not been sent, and reports whether there were any.
func (cs *Cores) pushLocked(c *Core, k int, from uint32, g Game) bool {
	events := cs.eventsLocked(k, from, cs.events[:0], g)
	if len(events) == 0 {
		return false
	}
	c.waits.Sent(k, from, len(events))
	cs.sendEventsLocked(c, k, cs.pushLagLocked(c, k, g), events, g)
	return true
}

// pushLagLocked is the lag byte of a push of port k to core c
// (coreserve.PushLag): a spectator's core trails the game.
func (cs *Cores) pushLagLocked(c *Core, k int, g Game) uint8 {
	trails := c.ports == 0
	var behind uint8
	if trails { // only then: a push goes out for every new input
		behind = cs.lagLocked(k, c.waits.Asked(k), g)
	}
	return coreserve.PushLag(cs.cfg.Hooks.Turbo, trails, behind)
}

// spectatorLocked finds the spectator core a regid-0 request comes from,
// binding an unbound one from the same IP.
func (cs *Cores) spectatorLocked(from netip.AddrPort) *Core {
	if c := cs.byAddrLocked(from); c != nil {
		return c
	}
	for _, c := range cs.all {
		if c.ports == 0 && !c.addr.IsValid() && c.ip == from.Addr() {
			return c
		}
	}
	return nil
}

// eventsLocked appends the events of port k from count n that the session
// holds; a departed player's port reads as no input.
func (cs *Cores) eventsLocked(k int, n uint32, evs []m64p.Event, g Game) []m64p.Event {
	if !g.Active.Has(k) {
		return evs
	}
	return coreserve.AppendEvents(evs, &g.Streams[k], n, g.EmptyFrom[k], cs.Registration(g.Active)[k].Plugin)
}

func status(g Game) m64p.Status {
	return coreserve.Status(g.Desync, g.Active, g.EmptyFrom)
}

// lagLocked is the lag byte for a request of port k at count n: how many
// polls the requester is behind the port's author (or, for a port that
// reads empty, the game's lead; see coreserve.SpeedHave), which makes a
// core that fell behind run unthrottled until it caught up. With Turbo it is always
// 255, so cores never wait for the clock (tests).
func (cs *Cores) lagLocked(k int, n uint32, g Game) uint8 {
	if cs.cfg.Hooks.Turbo {
		return 255
	}
	return coreserve.SpeedLag(speedHave(k, g), n, g.Sched.At(n).Lag)
}

// DropSilent drops, in a running game, the cores that stopped asking for
// input for longer than timeout, and those that kept asking for inputs of
// their own ports the host lacked for that long with none of their keys
// published; now is unix nanoseconds. It also ends the waits for player
// 1's data that will not come (player1DoneLocked): a core that waits for
// it, released or not, then leaves.
//
// A core whose keys are all lost, or withheld, gets its port's inputs as
// repeats (repeatLostLocked), each run of them once it waits: the game
// goes on, but every player waits with it, once a lag's worth of polls.
// A mupen64plus core sends its keys of a controller read before it asks
// for that read's inputs, on the same way, so one that keeps asking for
// its own inputs, and gets repeats, for a drop timeout without a key
// arriving is broken or hostile, and it goes as a silent one does. The
// run starts at its first such ask: a core that waited for a slow player,
// or whose game read only the others' controllers, before it found its
// own input lost, has not been asking for it all that time.
func (cs *Cores) DropSilent(now int64, timeout time.Duration) {
	g := cs.s.Game()
	if !g.Playing {
		return
	}
	cs.player1DoneLocked(now, timeout, g)
	type drop struct {
		c   *Core
		why string
	}
	var silent []drop
	for _, c := range cs.all {
		if !c.released || c.busy {
			continue
		}
		switch {
		case now-c.seen.Load() > int64(timeout):
			silent = append(silent, drop{c, "stopped asking for input"})
		case c.lacking.longer(timeout, c.keyed):
			silent = append(silent, drop{c, fmt.Sprintf("asked for its own inputs for %v without sending keys", timeout)})
		}
	}
	for _, d := range silent {
		if d.c.left {
			continue // the game ended with an earlier one
		}
		cs.cfg.Logf("%s %s: dropped", d.c.name, d.why)
		cs.s.DropCore(d.c, session.LeaveTimeout)
	}
}
