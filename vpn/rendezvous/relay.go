package rendezvous

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"slices"
	"sync"
	"time"

	"github.com/netpak/netpak/vpn/natmsg"
)

// relay is one allocation: a UDP port that forwards datagrams between the
// host and one player, unchanged. Each side registers the address it sends
// from with an authenticated relay bind.
type relay struct {
	conn PacketConn
	addr netip.AddrPort
	id   relayID
	key  [natmsg.RendezvousKeyLen]byte
	// owners are the source prefixes and networks of the room's host and
	// of the player that asked, which the relay counts against (see
	// sourcePrefixes).
	owners []netip.Prefix

	mu     sync.Mutex
	sides  [2]relaySide // host, player; guarded by mu
	active time.Time    // guarded by mu
	pkts   bucket       // guarded by mu
	bytes  bucket       // guarded by mu
}

type relaySide struct {
	addr netip.AddrPort
	seen time.Time
}

func (rl *relay) lastActive() time.Time {
	rl.mu.Lock()
	defer rl.mu.Unlock()
	return rl.active
}

// handleAllocate opens a relay for a player of a room, or repeats the
// answer for one already open. Both the player and the host learn its
// address.
func (r *Server) handleAllocate(pkt []byte, from netip.AddrPort) error {
	rm, ok := r.lookup(pkt, from)
	if !ok {
		return errors.New("allocate in unknown room")
	}
	m, err := natmsg.ParseAlloc(pkt, natmsg.TypeAllocate, rm.key[:])
	if err != nil {
		return err
	}
	if r.cfg.NoRelay {
		r.answer(pkt, natmsg.AppendRefused(nil, m.Room, m.Nonce, natmsg.RefuseNoRelay), from)
		return nil
	}
	rl, err := r.openRelay(relayID{m.Room, m.Nonce}, rm.key, from)
	if err != nil {
		r.stats.limited.Add(1) // a limit is a counter, not a log line a flood would fill
		r.answer(pkt, natmsg.AppendRefused(nil, m.Room, m.Nonce, natmsg.RefuseRelayBusy), from)
		return nil
	}
	m.Relay = rl.addr
	ans := natmsg.AppendAlloc(nil, natmsg.TypeAllocated, m, rm.key[:])
	r.answer(pkt, ans, from)
	r.send(ans, rm.host) // the host proved its address with a cookie
	return nil
}

// openRelay returns the relay for id, opening it for a player at from if
// there is room: in the table, in the room, and for the source prefixes
// of the room's host and of the player.
func (r *Server) openRelay(id relayID, key [natmsg.RendezvousKeyLen]byte, from netip.AddrPort) (*relay, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if rl := r.relays[id]; rl != nil {
		return rl, nil
	}
	rm := r.rooms[id.room]
	if rm == nil {
		return nil, errors.New("room expired")
	}
	var owners []netip.Prefix
	hp, fp := sourcePrefixes(rm.host.Addr()), sourcePrefixes(from.Addr())
	for _, p := range append(hp[:], fp[:]...) {
		if !slices.Contains(owners, p) {
			owners = append(owners, p)
		}
	}
	switch {
	case len(r.relays) >= r.cfg.MaxRelays:
		return nil, fmt.Errorf("relay table full (%d)", r.cfg.MaxRelays)
	case rm.relays >= maxRelaysPerRoom:
		return nil, fmt.Errorf("room has %d relays already", rm.relays)
	}
	for _, p := range owners {
		if _, limit := prefixLimits(p); r.perPfx[p] != nil && r.perPfx[p].relays >= limit {
			return nil, fmt.Errorf("%v holds %d relays already", p, limit)
		}
	}
	c, err := r.listenRelayLocked()
	if err != nil {
		err = fmt.Errorf("open relay: %w", err)
		r.logf("rendezvous: %v", err) // the operator's to fix, unlike a limit
		return nil, err
	}
	now := r.now()
	rl := &relay{conn: c, id: id, key: key, owners: owners, active: now}
	for _, p := range owners {
		r.useLocked(p).relays++
	}
	rl.addr = addrPortOf(c.LocalAddr())
	if rl.addr.Addr().IsUnspecified() {
		// The player substitutes the address it reached this server at.
		rl.addr = netip.AddrPortFrom(netip.IPv4Unspecified(), rl.addr.Port())
	}
	rl.pkts = bucket{tokens: relayPacketRate, last: now}
	rl.bytes = bucket{tokens: relayByteRate, last: now}
	r.relays[id] = rl
	rm.relays++
	r.stats.allocations.Add(1)
	r.loops.Add(1)
	go r.relayLoop(rl)
	return rl, nil
}

func (r *Server) listenRelayLocked() (PacketConn, error) {
	if r.cfg.ListenRelay != nil {
		return r.cfg.ListenRelay()
	}
	ip := r.local.Addr()
	lo, hi := r.cfg.RelayPorts[0], r.cfg.RelayPorts[1]
	if lo == 0 || hi < lo {
		return net.ListenUDP("udp", udpAddr(netip.AddrPortFrom(ip, 0)))
	}
	var err error
	for range int(hi-lo) + 1 {
		p := r.nextPort
		r.nextPort++
		if r.nextPort > hi || r.nextPort < lo {
			r.nextPort = lo
		}
		var c *net.UDPConn
		if c, err = net.ListenUDP("udp", udpAddr(netip.AddrPortFrom(ip, p))); err == nil {
			return c, nil
		}
	}
	return nil, fmt.Errorf("no free port in %d-%d: %w", lo, hi, err)
}

func (r *Server) relayLoop(rl *relay) {
	defer r.loops.Done()
	buf := make([]byte, maxDatagram)
	for {
		n, from, err := rl.conn.ReadFromUDPAddrPort(buf)
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return
			}
			continue
		}
		from = netip.AddrPortFrom(from.Addr().Unmap(), from.Port())
		if to, ok := r.relayRoute(rl, buf[:n], from); ok {
			if _, err := rl.conn.WriteToUDPAddrPort(buf[:n], to); err == nil {
				r.stats.relayed.Add(1)
			}
		}
	}
}

// relayRoute decides what to do with one datagram at a relay port: a
// relay bind registers its sender; anything else from one registered side
// goes to the other, within the rate and size limits.
func (r *Server) relayRoute(rl *relay, pkt []byte, from netip.AddrPort) (netip.AddrPort, bool) {
	now := r.now()
	if t, err := natmsg.TypeOf(pkt); err == nil && t == natmsg.TypeRelayBind {
		r.relayBind(rl, pkt, from, now)
		return netip.AddrPort{}, false
	}
	rl.mu.Lock()
	defer rl.mu.Unlock()
	var to netip.AddrPort
	switch from {
	case rl.sides[0].addr:
		to = rl.sides[1].addr
		rl.sides[0].seen = now
	case rl.sides[1].addr:
		to = rl.sides[0].addr
		rl.sides[1].seen = now
	}
	switch {
	case !to.IsValid() || !from.IsValid():
		r.stats.dropped.Add(1)
		return to, false
	case len(pkt) > maxRelayDatagram,
		!rl.pkts.take(now, relayPacketRate, relayPacketRate, 1),
		!rl.bytes.take(now, relayByteRate, relayByteRate, float64(len(pkt))):
		r.stats.limited.Add(1)
		return to, false
	}
	rl.active = now
	return to, true
}

// relayBind registers the sender of an authenticated bind as one side. A
// side that is already bound moves only after its old address has been
// quiet for a while (a NAT rebinding), so a replayed bind cannot take over
// a relay in use.
func (r *Server) relayBind(rl *relay, pkt []byte, from netip.AddrPort, now time.Time) {
	m, err := natmsg.ParseAlloc(pkt, natmsg.TypeRelayBind, rl.key[:])
	if err != nil || m.Room != rl.id.room || m.Nonce != rl.id.nonce {
		r.stats.dropped.Add(1)
		return
	}
	rl.mu.Lock()
	s := &rl.sides[m.Role-1]
	other := rl.sides[2-m.Role]
	if s.addr != from && s.addr.IsValid() && now.Sub(s.seen) < relayRebindQuiet || other.addr == from {
		rl.mu.Unlock()
		r.stats.dropped.Add(1)
		return
	}
	s.addr, s.seen, rl.active = from, now, now
	rl.mu.Unlock()
	m.Relay = netip.AddrPort{}
	if _, err := rl.conn.WriteToUDPAddrPort(natmsg.AppendAlloc(nil, natmsg.TypeRelayBound, m, rl.key[:]), from); err != nil {
		r.logf("rendezvous: relay %v: %v", rl.addr, err)
	}
}
