package client

import (
	"net/netip"
	"time"

	"github.com/netpak/netpak/host/coreserve"
	"github.com/netpak/netpak/host/m64p"
	"github.com/netpak/netpak/host/session"
	"github.com/netpak/netpak/host/wire"
)

// udpLoop serves the bridge's core's datagrams until the bridge closes.
func (b *Bridge) udpLoop() {
	c := b.c
	buf := make([]byte, 2048)
	for {
		n, from, err := b.sock.ReadFrom(buf)
		if err != nil {
			if b.ctx.Err() != nil {
				return
			}
			continue
		}
		if !from.Addr().IsLoopback() {
			continue
		}
		d, err := m64p.ParseClientDatagram(buf[:n])
		if err != nil {
			continue
		}
		c.mu.Lock()
		if b.liveLocked() {
			c.ls.bridgeDatagramLocked(d, from, buf[:n:n])
		} else if r, ok := d.(m64p.InputRequest); ok {
			b.feedBlankLocked(r, from)
		}
		c.mu.Unlock()
	}
}

// bridgeDatagramLocked handles a datagram p, parsed as d, of the local
// core of the game on, from its address from.
func (ls *clientGame) bridgeDatagramLocked(d m64p.ClientDatagram, from netip.AddrPort, p []byte) {
	ls.core.coreAddr = from
	switch d := d.(type) {
	case m64p.KeyInfoClient:
		ls.bridgeKeysLocked(d)
	case m64p.InputRequest:
		ls.core.count = max(ls.core.count, d.Count)
		now := time.Now()
		ls.catchUpLocked(ls.core.count, now)
		ls.notePaceLocked(ls.core.count, now)
		ls.answerCoreLocked(int(d.Player), d.Count)
	case m64p.SyncData:
		ls.c.send(wire.FrameCoreSync, p)
	}
}

// feedBlankLocked answers a request of the core of an ended game with a
// blank input: the game is over, the emulator is being stopped, and what
// it plays now is nobody's game.
func (b *Bridge) feedBlankLocked(r m64p.InputRequest, to netip.AddrPort) {
	blank := []m64p.Event{{Count: r.Count, Plugin: b.paks[r.Player]}}
	p, err := m64p.KeyInfoServer{Player: r.Player, Events: blank}.AppendTo(b.dgram[:0])
	if err == nil {
		b.sock.WriteTo(p, to)
	}
}

// bridgeKeysLocked authors the local core's press for count c. A press for
// a poll the host has not granted yet waits for the grant; only the latest
// one is kept, as the core reports only its latest keys.
func (ls *clientGame) bridgeKeysLocked(d m64p.KeyInfoClient) {
	k := int(d.Player)
	if !ls.c.ports.Has(k) || !ls.core.registered.Has(k) || !ls.playing {
		return
	}
	if f := ls.c.cfg.hooks.ScriptKeys; f != nil {
		d.Keys = f(k, d.Count)
	}
	in := session.Input{Keys: d.Keys, Pak: uint8(d.Plugin)}
	if d.Count >= ls.grant {
		ls.core.pending[k] = keyReport{ok: true, count: d.Count, in: in}
		return
	}
	ls.publishPortLocked(k, d.Count, in)
	ls.pushCoreLocked() // first: at lag 0 the core waits for this press now
	ls.sendPressesLocked()
}

// flushPendingLocked publishes presses that waited for a grant.
func (ls *clientGame) flushPendingLocked() {
	sent := false
	for k := range session.NumPorts {
		if r := ls.core.pending[k]; r.ok && r.count < ls.grant {
			ls.core.pending[k].ok = false
			ls.publishPortLocked(k, r.count, r.in)
			sent = true
		}
	}
	if sent {
		ls.pushCoreLocked()
		ls.sendPressesLocked()
	}
}

// answerCoreLocked sends the local core the events of port k from count
// on, and notes whether it now waits for that count.
func (ls *clientGame) answerCoreLocked(k int, count uint32) {
	bc := &ls.core
	if !ls.coreReachableLocked(k) {
		return
	}
	st := &ls.streams[k]
	evs := coreserve.AppendEvents(bc.events[:0], st, count, ls.emptyFrom[k], bc.slots[k].Plugin)
	bc.waits.Note(k, count, len(evs))
	lag := uint8(255)
	if !bc.turbo {
		lag = ls.coreBehindLocked(k, count)
	}
	ls.sendCoreLocked(k, lag, evs)
}

// pushAheadLocked sends the local core, unasked, the events of port k
// from count on, which it has not been sent.
func (ls *clientGame) pushAheadLocked(k int, count uint32) {
	bc := &ls.core
	evs := coreserve.AppendEvents(bc.events[:0], &ls.streams[k], count, ls.emptyFrom[k], bc.slots[k].Plugin)
	if len(evs) == 0 {
		return
	}
	bc.waits.Sent(k, count, len(evs))
	ls.sendCoreLocked(k, ls.pushLagLocked(k), evs)
}

// pushLagLocked is the lag byte of a push to the local core
// (coreserve.PushLag): a spectator's core trails the game, and so does a
// rejoined player's while it replays (the host authors its ports). Over
// loopback its last request is fresh, so the push says how far it
// trailed less the poll a new input always seems ahead of that request.
func (ls *clientGame) pushLagLocked(k int) uint8 {
	bc := &ls.core
	trails := ls.c.ports == 0 || ls.catchUp != 0
	var behind uint8
	if trails { // only then: a push goes out for every new input
		behind = max(ls.coreBehindLocked(k, bc.waits.Asked(k)), 1) - 1
	}
	return coreserve.PushLag(bc.turbo, trails, behind)
}

// coreReachableLocked reports whether port k's events can go to the local
// core: a game is on, the port plays, and the core has spoken.
func (ls *clientGame) coreReachableLocked(k int) bool {
	bc := &ls.core
	return ls.playing && ls.active.Has(k) && bc.bridge != nil && bc.coreAddr.IsValid()
}

// sendCoreLocked sends the local core one key-info datagram.
func (ls *clientGame) sendCoreLocked(k int, lag uint8, evs []m64p.Event) {
	bc := &ls.core
	status := coreserve.Status(bc.desync, ls.active, &ls.emptyFrom)
	b, err := m64p.KeyInfoServer{Player: uint8(k), Status: status, Lag: lag, Events: evs}.AppendTo(bc.dgram[:0])
	if err == nil {
		bc.bridge.sock.WriteTo(b, bc.coreAddr)
	}
}

// pushCoreLocked sends the local core, unasked, the input it waits for
// and every input it has not been sent yet while it plays near the live
// edge: the core takes unsolicited key-info datagrams, so it finds an
// input that exists already in its buffer at its poll, instead of asking
// for it and waiting, which costs a mupen64plus core up to 5 ms more (it
// waits for its request thread's 5 ms sleep to end).
func (ls *clientGame) pushCoreLocked() {
	bc := &ls.core
	for k := range session.NumPorts {
		st := &ls.streams[k]
		if c, ok := bc.waits.Due(k, st, ls.emptyFrom[k]); ok {
			ls.answerCoreLocked(k, c)
		} else if from, ok := bc.waits.Ahead(k, st, ls.emptyFrom[k]); ok && ls.coreLiveLocked(k) {
			ls.pushAheadLocked(k, from)
		}
	}
}

// coreLiveLocked reports whether the local core plays near the live edge
// of port k's stream, by its last request: a core far behind (catching
// up) asks for plenty itself.
func (ls *clientGame) coreLiveLocked(k int) bool {
	return ls.coreReachableLocked(k) && ls.coreBehindLocked(k, ls.core.waits.Asked(k)) <= coreserve.PushWindow
}

// coreBehindLocked is how many polls the local core, at count n, trails
// the author of port k (or, for a port that reads empty, the game's lead;
// see coreserve.SpeedHave): the lag byte that speeds it up.
func (ls *clientGame) coreBehindLocked(k int, n uint32) uint8 {
	have := coreserve.SpeedHave(&ls.streams, ls.active, &ls.emptyFrom, k)
	return coreserve.SpeedLag(have, n, ls.sched.At(n).LagOf(ls.authorOf(k)))
}

// authorOf returns the member id whose lag governs port k, for the speed
// estimate: this client for its own ports, else nobody in particular.
func (ls *clientGame) authorOf(k int) uint16 {
	if ls.c.ports.Has(k) {
		return ls.c.id
	}
	return 0
}
