package vpn

import (
	"crypto/rand"
	"net/netip"
	"time"

	"github.com/netpak/netpak/vpn/natmsg"
)

// onControl takes the NAT-traversal messages addressed to the host. It
// runs on the socket's reader goroutine; anything unauthenticated is
// dropped without an answer.
func (n *hostNAT) onControl(t natmsg.Type, pkt []byte, from netip.AddrPort) {
	key, room, punch := n.keys()
	switch t {
	case natmsg.TypeRegistered:
		n.onRegistered(pkt, from, key[:])
	case natmsg.TypeChallenge:
		n.onChallenge(pkt, from, key, room)
	case natmsg.TypePeer:
		if m, err := natmsg.ParsePairing(pkt, natmsg.TypePeer, key[:]); err == nil && m.Room == room && n.isServer(from) {
			n.startPunch([natmsg.TxLen]byte(m.Nonce[:natmsg.TxLen]), m.Cands, punchWindow)
		}
	case natmsg.TypeAllocated:
		if m, err := natmsg.ParseAlloc(pkt, natmsg.TypeAllocated, key[:]); err == nil && m.Room == room && n.isServer(from) {
			n.onAllocated(m, from)
		}
	case natmsg.TypeRelayBound:
		if m, err := natmsg.ParseAlloc(pkt, natmsg.TypeRelayBound, key[:]); err == nil && m.Room == room && m.Role == natmsg.RoleHost {
			n.mu.Lock()
			if r := n.relays[from]; r != nil && r.msg.Nonce == m.Nonce {
				r.bound = time.Now()
			}
			n.mu.Unlock()
		}
	case natmsg.TypePing:
		if m, err := natmsg.ParsePing(pkt, punch); err == nil && m.Role == natmsg.RolePlayer {
			n.h.reply(natmsg.AppendPong(nil, m.Tx, from, punch), from)
			n.mu.Lock()
			n.answeredLocked(m.Tx)
			n.rememberLocked(n.reached, from, m.Kind)
			n.mu.Unlock()
		}
	case natmsg.TypePong:
		if tx, _, err := natmsg.ParsePong(pkt, punch); err == nil {
			n.onPong(tx, from)
		}
	}
}

func (n *hostNAT) isServer(from netip.AddrPort) bool {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.rdv[from] != nil
}

func (n *hostNAT) onRegistered(pkt []byte, from netip.AddrPort, key []byte) {
	seq, public, err := natmsg.ParseRegistered(pkt, key)
	if err != nil {
		return
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	if s := n.rdv[from]; s != nil && seq == s.seq {
		s.ok, s.public, s.attempts = time.Now(), public, 0
	}
}

// rememberLocked sets m[a] in a table of at most maxRemembered entries.
func rememberLocked[V any](m map[netip.AddrPort]V, a netip.AddrPort, v V) {
	if _, ok := m[a]; !ok && len(m) >= maxRemembered {
		for k := range m {
			delete(m, k)
			break
		}
	}
	m[a] = v
}

func (n *hostNAT) rememberLocked(m map[netip.AddrPort]CandidateKind, a netip.AddrPort, k CandidateKind) {
	rememberLocked(m, a, k)
}

func (n *hostNAT) answeredLocked(tx [natmsg.TxLen]byte) {
	if _, ok := n.punches[tx]; ok {
		n.punches[tx] = true
	}
}

func (n *hostNAT) onPong(tx [natmsg.TxLen]byte, from netip.AddrPort) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.answeredLocked(tx)
	if p, ok := n.rttPings[tx]; ok && p.to == from {
		delete(n.rttPings, tx)
		rememberLocked(n.rtt, from, time.Since(p.at))
	}
}

// startPunch pings cands every punchEvery until one of them answers (a
// ping or pong with tx) or the window closes. The host's pings open its
// own NAT toward the player; the player's pings then get through.
func (n *hostNAT) startPunch(tx [natmsg.TxLen]byte, cands []Candidate, window time.Duration) {
	cands = unicastHere(cands)
	n.mu.Lock()
	_, running := n.punches[tx]
	if running || len(n.punches) >= maxPunches || len(cands) == 0 {
		n.mu.Unlock()
		return
	}
	n.punches[tx] = false
	n.mu.Unlock()
	n.h.loops.Add(1)
	go n.punchLoop(tx, cands, window)
}

func (n *hostNAT) punchLoop(tx [natmsg.TxLen]byte, cands []Candidate, window time.Duration) {
	defer n.h.loops.Done()
	defer func() {
		n.mu.Lock()
		delete(n.punches, tx)
		n.mu.Unlock()
	}()
	_, _, punch := n.keys()
	end := time.NewTimer(window)
	defer end.Stop()
	tick := time.NewTicker(punchEvery)
	defer tick.Stop()
	for {
		n.mu.Lock()
		answered := n.punches[tx]
		n.mu.Unlock()
		if answered {
			return
		}
		for _, c := range cands {
			n.h.reply(natmsg.AppendPing(nil, natmsg.Ping{Tx: tx, Kind: c.Kind, Role: natmsg.RoleHost}, punch), c.Addr)
		}
		select {
		case <-n.done:
			return
		case <-end.C:
			return
		case <-tick.C:
		}
	}
}

// onAllocated binds the host to a relay opened for one of its players.
func (n *hostNAT) onAllocated(m natmsg.Alloc, from netip.AddrPort) {
	relay := m.Relay
	if relay.Addr().IsUnspecified() {
		relay = netip.AddrPortFrom(from.Addr(), relay.Port())
	}
	n.mu.Lock()
	r := n.relays[relay]
	if r == nil && len(n.relays) < maxRemembered {
		r = &hostRelay{rdv: from, msg: m, used: time.Now()}
		n.relays[relay] = r
	}
	n.mu.Unlock()
	if r != nil {
		n.bindRelay(relay, r, time.Now())
	}
}

func (n *hostNAT) bindRelay(addr netip.AddrPort, r *hostRelay, now time.Time) {
	key, _, _ := n.keys()
	m := r.msg
	m.Role = natmsg.RoleHost
	r.sent = now
	n.h.reply(natmsg.AppendAlloc(nil, natmsg.TypeRelayBind, m, key[:]), addr)
}

// relaysDue keeps the host bound at its relays: quickly until a relay
// answers, then every relayRefresh; relays no peer uses are forgotten.
func (n *hostNAT) relaysDue(now time.Time) {
	used := map[netip.AddrPort]bool{}
	if peers, err := peerStatus(n.h.dev); err == nil {
		for _, p := range peers {
			used[p.Endpoint] = true
		}
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	for addr, r := range n.relays {
		if used[addr] {
			r.used = now
		}
		switch {
		case now.Sub(r.used) > relayUnused:
			delete(n.relays, addr)
		case r.bound.IsZero() && now.Sub(r.sent) >= natTick,
			now.Sub(r.sent) >= relayRefresh:
			n.bindRelay(addr, r, now)
		}
	}
}

// rttDue pings each peer's endpoint every rttEvery to measure the path.
func (n *hostNAT) rttDue(now time.Time) {
	n.mu.Lock()
	due := now.Sub(n.rttRound) >= rttEvery
	if due {
		n.rttRound = now
	}
	n.mu.Unlock()
	if !due {
		return
	}
	peers, err := peerStatus(n.h.dev)
	if err != nil {
		return
	}
	_, _, punch := n.keys()
	n.mu.Lock()
	defer n.mu.Unlock()
	clear(n.rttPings)
	for _, p := range peers {
		if !p.Endpoint.IsValid() {
			continue
		}
		var tx [natmsg.TxLen]byte
		rand.Read(tx[:])
		n.rttPings[tx] = sentPing{to: p.Endpoint, at: now}
		n.h.reply(natmsg.AppendPing(nil, natmsg.Ping{Tx: tx, Role: natmsg.RoleHost}, punch), p.Endpoint)
	}
}

// pathTo names the path to a peer at endpoint ep.
func (n *hostNAT) pathTo(ep netip.AddrPort) Path {
	if !ep.IsValid() {
		return Path{}
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	rtt := n.rtt[ep]
	if r := n.relays[ep]; r != nil {
		return Path{Kind: PathRelayed, Addr: ep, RTT: rtt}
	}
	return pathOf(ep, n.reached[ep], rtt)
}
