package vpn

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"
)

// DefaultRendezvousPort is the UDP port `netpak rendezvous` listens on
// unless told otherwise.
const DefaultRendezvousPort = 6465

// Rendezvous server limits. Every table is bounded; a full table refuses
// new entries rather than growing.
const (
	DefaultMaxRooms  = 4096
	DefaultMaxRelays = 256
	maxRelaysPerRoom = 8
	roomTTL          = 60 * time.Second // hosts register every registerEvery
	relayIdle        = 90 * time.Second // longer than the player's keepalive
	relayRebindQuiet = 5 * time.Second  // a side's old address must be this quiet to be replaced
	maxSources       = 8192             // rate-limited source addresses
	controlRate      = 20               // control datagrams a second per source address
	controlBurst     = 40
	relayPacketRate  = 2000 // datagrams a second per relay allocation
	relayByteRate    = 1 << 20
	maxRelayDatagram = 1500
)

// RendezvousConfig configures [ListenRendezvous]. The zero value is a valid
// default: every interface on [DefaultRendezvousPort], relaying on ports
// the system picks.
type RendezvousConfig struct {
	// Listen is the UDP address for rendezvous and STUN.
	Listen netip.AddrPort
	// Conn, if set, is used instead of listening on Listen (tests).
	Conn PacketConn
	// ListenRelay opens one relay socket. Nil opens a UDP socket on the
	// listen address's IP and a port the system picks (or the next free
	// port of RelayPorts).
	ListenRelay func() (PacketConn, error)
	// RelayPorts, if set, is the inclusive range of UDP ports relays use,
	// for servers behind a firewall.
	RelayPorts [2]uint16
	// NoRelay turns the relay off: the server only pairs and answers STUN.
	NoRelay bool
	// MaxRooms and MaxRelays bound the tables; zero means the defaults.
	MaxRooms, MaxRelays int
	// Logf receives diagnostics; nil discards them.
	Logf Logf
}

// RendezvousStats counts what a rendezvous server did.
type RendezvousStats struct {
	Rooms, Relays        int    // current table sizes
	Registers, Pairings  uint64 // accepted
	Allocations          uint64 // relays opened
	Relayed              uint64 // datagrams forwarded
	Dropped, RateLimited uint64 // malformed, unauthenticated, unknown, or over a limit
}

// Rendezvous is netpak's rendezvous and relay server. Hosts register their
// room and candidates; players ask to be paired and both sides get the
// other's candidates to punch with; when punching fails, the server opens
// a relay port per player that forwards the WireGuard datagrams unchanged
// (it never has the keys to read them). It also answers STUN binding
// requests. Methods are safe for concurrent use.
type Rendezvous struct {
	// Immutable after ListenRendezvous.
	cfg    RendezvousConfig
	logf   Logf
	conn   PacketConn
	local  netip.AddrPort
	done   chan struct{}
	loops  sync.WaitGroup
	now    func() time.Time
	closer sync.Once

	stats struct{ registers, pairings, allocations, relayed, dropped, limited atomic.Uint64 }

	mu       sync.Mutex
	rooms    map[[roomLen]byte]*room // guarded by mu
	relays   map[relayID]*relay      // guarded by mu
	sources  *limiter                // guarded by mu
	nextPort uint16                  // guarded by mu; next of RelayPorts to try
}

type room struct {
	key     [rdvKeyLen]byte
	seq     uint64
	host    netip.AddrPort
	cands   []Candidate
	expires time.Time
	relays  int
}

type relayID struct {
	room  [roomLen]byte
	nonce [nonceLen]byte
}

// ListenRendezvous starts a rendezvous server.
func ListenRendezvous(cfg RendezvousConfig) (*Rendezvous, error) {
	if cfg.MaxRooms <= 0 {
		cfg.MaxRooms = DefaultMaxRooms
	}
	if cfg.MaxRelays <= 0 {
		cfg.MaxRelays = DefaultMaxRelays
	}
	r := &Rendezvous{
		cfg:     cfg,
		logf:    cfg.Logf.orDiscard(),
		conn:    cfg.Conn,
		done:    make(chan struct{}),
		now:     time.Now,
		rooms:   map[[roomLen]byte]*room{},
		relays:  map[relayID]*relay{},
		sources: newLimiter(controlRate, controlBurst, maxSources),
	}
	if r.conn == nil {
		listen := cfg.Listen
		if !listen.IsValid() {
			listen = netip.AddrPortFrom(netip.IPv6Unspecified(), DefaultRendezvousPort)
		}
		c, err := net.ListenUDP("udp", udpAddr(listen))
		if err != nil {
			return nil, fmt.Errorf("rendezvous: listen udp %v: %w", listen, err)
		}
		r.conn = c
	}
	r.local = addrPortOf(r.conn.LocalAddr())
	r.nextPort = cfg.RelayPorts[0]
	r.loops.Add(2)
	go r.readLoop()
	go r.expireLoop()
	return r, nil
}

// Addr returns the server's UDP address.
func (r *Rendezvous) Addr() netip.AddrPort { return r.local }

// Stats returns the server's counters.
func (r *Rendezvous) Stats() RendezvousStats {
	r.mu.Lock()
	rooms, relays := len(r.rooms), len(r.relays)
	r.mu.Unlock()
	return RendezvousStats{
		Rooms: rooms, Relays: relays,
		Registers: r.stats.registers.Load(), Pairings: r.stats.pairings.Load(),
		Allocations: r.stats.allocations.Load(), Relayed: r.stats.relayed.Load(),
		Dropped: r.stats.dropped.Load(), RateLimited: r.stats.limited.Load(),
	}
}

// Close stops the server and every relay. It is idempotent.
func (r *Rendezvous) Close() error {
	var err error
	r.closer.Do(func() {
		close(r.done)
		err = r.conn.Close()
		r.mu.Lock()
		for id, rl := range r.relays {
			rl.conn.Close()
			delete(r.relays, id)
		}
		r.mu.Unlock()
		r.loops.Wait()
	})
	return err
}

func (r *Rendezvous) readLoop() {
	defer r.loops.Done()
	buf := make([]byte, maxDatagram)
	for {
		n, from, err := r.conn.ReadFromUDPAddrPort(buf)
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return
			}
			continue
		}
		from = netip.AddrPortFrom(from.Addr().Unmap(), from.Port())
		r.handle(buf[:n], from)
	}
}

func (r *Rendezvous) expireLoop() {
	defer r.loops.Done()
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	for {
		select {
		case <-r.done:
			return
		case <-tick.C:
			r.expire()
		}
	}
}

// expire drops rooms whose host stopped registering and idle relays.
func (r *Rendezvous) expire() {
	now := r.now()
	r.mu.Lock()
	defer r.mu.Unlock()
	for id, rm := range r.rooms {
		if now.After(rm.expires) {
			delete(r.rooms, id)
		}
	}
	for id, rl := range r.relays {
		if now.Sub(rl.lastActive()) > relayIdle {
			r.dropRelayLocked(id, rl)
		}
	}
}

func (r *Rendezvous) dropRelayLocked(id relayID, rl *relay) {
	rl.conn.Close()
	delete(r.relays, id)
	if rm := r.rooms[id.room]; rm != nil {
		rm.relays--
	}
}

// handle answers one datagram on the main socket.
func (r *Rendezvous) handle(pkt []byte, from netip.AddrPort) {
	r.mu.Lock()
	ok := r.sources.allow(from.Addr(), r.now())
	r.mu.Unlock()
	if !ok {
		r.stats.limited.Add(1)
		return
	}
	if tx, ok := parseSTUNRequest(pkt); ok {
		r.send(appendSTUNResponse(nil, tx, from), from)
		return
	}
	t, err := controlType(pkt)
	if err != nil {
		r.stats.dropped.Add(1)
		return
	}
	switch t {
	case msgRegister:
		err = r.handleRegister(pkt, from)
	case msgConnect:
		err = r.handleConnect(pkt, from)
	case msgAllocate:
		err = r.handleAllocate(pkt, from)
	default:
		err = fmt.Errorf("%w: type %d", errMalformed, t)
	}
	if err != nil {
		r.stats.dropped.Add(1)
	}
}

func (r *Rendezvous) send(pkt []byte, to netip.AddrPort) {
	if _, err := r.conn.WriteToUDPAddrPort(pkt, to); err != nil {
		r.logf("rendezvous: send to %v: %v", to, err)
	}
}

// handleRegister keeps a host's room. A register must be newer than the
// last one, so a replayed datagram cannot move the room to its sender.
func (r *Rendezvous) handleRegister(pkt []byte, from netip.AddrPort) error {
	m, err := parseRegister(pkt)
	if err != nil {
		return err
	}
	r.mu.Lock()
	rm := r.rooms[m.Room]
	switch {
	case rm != nil && m.Seq <= rm.seq:
		r.mu.Unlock()
		return fmt.Errorf("%w: old register", errMalformed)
	case rm == nil && len(r.rooms) >= r.cfg.MaxRooms:
		r.mu.Unlock()
		return errors.New("room table full")
	case rm == nil:
		rm = &room{key: m.Key}
		r.rooms[m.Room] = rm
	}
	rm.seq, rm.host, rm.cands, rm.expires = m.Seq, from, m.Cands, r.now().Add(roomTTL)
	r.mu.Unlock()
	r.stats.registers.Add(1)
	r.send(appendRegistered(nil, m.Seq, from, m.Key[:]), from)
	return nil
}

// lookup returns the room of pkt and its key, or answers "no such room".
func (r *Rendezvous) lookup(pkt []byte, from netip.AddrPort) (room, bool) {
	id, ok := parseRoom(pkt)
	if !ok {
		return room{}, false
	}
	r.mu.Lock()
	rm := r.rooms[id]
	var cp room
	if rm != nil {
		cp = *rm
	}
	r.mu.Unlock()
	if rm == nil && len(pkt) >= headerLen+roomLen+nonceLen {
		r.send(appendRefused(nil, id, [nonceLen]byte(pkt[headerLen+roomLen:]), refuseNoRoom), from)
	}
	return cp, rm != nil
}

// handleConnect pairs a player with the room's host: each gets the other's
// public address (as this server sees it) and candidates.
func (r *Rendezvous) handleConnect(pkt []byte, from netip.AddrPort) error {
	rm, ok := r.lookup(pkt, from)
	if !ok {
		return errors.New("connect to unknown room")
	}
	m, err := parsePairing(pkt, msgConnect, rm.key[:])
	if err != nil {
		return err
	}
	r.stats.pairings.Add(1)
	toPlayer := connectMsg{Room: m.Room, Nonce: m.Nonce, Cands: withPublic(rm.host, rm.cands)}
	toHost := connectMsg{Room: m.Room, Nonce: m.Nonce, Cands: withPublic(from, m.Cands)}
	r.send(appendPairing(nil, msgPeer, toHost, rm.key[:]), rm.host)
	r.send(appendPairing(nil, msgPeer, toPlayer, rm.key[:]), from)
	return nil
}

// withPublic puts the address a side was seen at first in its candidates,
// keeping the side's own kind for it if it listed it (a port mapping).
func withPublic(seen netip.AddrPort, cands []Candidate) []Candidate {
	out := []Candidate{{Addr: seen, Kind: CandPublic}}
	for _, c := range cands {
		switch {
		case c.Addr == seen:
			out[0].Kind = c.Kind
		case len(out) < maxCands:
			out = append(out, c)
		}
	}
	return out
}
