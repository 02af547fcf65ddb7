package rendezvous

import (
	"crypto/ecdh"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"

	"github.com/netpak/netpak/vpn/natmsg"
)

// DefaultPort is the UDP port `netpak rendezvous` listens on
// unless told otherwise.
const DefaultPort = 6465

// Server limits. Every table is bounded; a full table refuses
// new entries rather than growing.
const (
	DefaultMaxRooms  = 4096
	DefaultMaxRelays = 256
	maxRelaysPerRoom = 8
	// Per source prefix and per network around it (see sourcePrefixes):
	// the rooms whose host is there, and the relays whose host or player
	// is there.
	maxRoomsPerPrefix  = 8
	maxRelaysPerPrefix = 8
	maxRoomsPerNet     = 32
	maxRelaysPerNet    = 32
	cookieEpoch        = 2 * time.Minute  // a cookie is good for one to two epochs
	roomTTL            = 60 * time.Second // hosts register every registerEvery
	relayIdle          = 90 * time.Second // longer than the player's keepalive
	relayRebindQuiet   = 5 * time.Second  // a side's old address must be this quiet to be replaced
	maxSources         = 8192             // rate-limited source addresses
	controlRate        = 20               // control datagrams a second per source address
	controlBurst       = 40
	relayPacketRate    = 2000 // datagrams a second per relay allocation
	relayByteRate      = 1 << 20
	maxRelayDatagram   = 1500
)

// Config configures [Listen]. The zero value is a valid
// default: every interface on [DefaultPort], relaying on ports
// the system picks.
type Config struct {
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
	Logf func(format string, args ...any)
}

// Stats counts what a rendezvous server did.
type Stats struct {
	Rooms, Relays        int    // current table sizes
	Registers, Pairings  uint64 // accepted
	Allocations          uint64 // relays opened
	Relayed              uint64 // datagrams forwarded
	Dropped, RateLimited uint64 // malformed, unauthenticated, unknown, or over a limit
}

// Server is netpak's rendezvous and relay server. Hosts register their
// room and candidates; players ask to be paired and both sides get the
// other's candidates to punch with; when punching fails, the server opens
// a relay port per player that forwards the WireGuard datagrams unchanged
// (it never has the keys to read them). It also answers STUN binding
// requests. Methods are safe for concurrent use.
type Server struct {
	// Immutable after Listen.
	cfg    Config
	logf   func(format string, args ...any)
	conn   PacketConn
	local  netip.AddrPort
	done   chan struct{}
	loops  sync.WaitGroup
	now    func() time.Time
	closer sync.Once

	priv   natmsg.Key // the server's X25519 key; hosts seal registers with it
	pub    natmsg.Key
	cookie [32]byte // secret for the cookies of hosts' addresses

	stats struct{ registers, pairings, allocations, relayed, dropped, limited atomic.Uint64 }

	mu       sync.Mutex
	rooms    map[[natmsg.RoomLen]byte]*room // guarded by mu
	relays   map[relayID]*relay             // guarded by mu
	sources  *limiter                       // guarded by mu
	perPfx   map[netip.Prefix]*prefixUse    // guarded by mu; entries are deleted at zero
	nextPort uint16                         // guarded by mu; next of RelayPorts to try
}

type room struct {
	key     [natmsg.RendezvousKeyLen]byte
	regKey  []byte // seals the host's registers
	seq     uint64
	host    netip.AddrPort
	cands   []natmsg.Candidate
	expires time.Time
	relays  int
}

// prefixUse counts what one source prefix holds.
type prefixUse struct{ rooms, relays int }

// sourcePrefix is the unit the server bounds and rate-limits: one IPv4
// address (a carrier-grade NAT puts many customers behind one, so a wider
// prefix would lock out strangers) or one IPv6 /64 (the smallest subnet a
// customer gets; its addresses cost an attacker nothing).
func sourcePrefix(a netip.Addr) netip.Prefix { return sourcePrefixes(a)[0] }

// sourcePrefixes returns the source's prefix and the network around it,
// an IPv4 /24 or an IPv6 /48 (what one site is often given), which bounds
// an attacker who holds many prefixes of one network at a few times one
// prefix's share.
func sourcePrefixes(a netip.Addr) [2]netip.Prefix {
	a = a.Unmap()
	if a.Is4() {
		n, _ := a.Prefix(24)
		return [2]netip.Prefix{netip.PrefixFrom(a, 32), n}
	}
	p, _ := a.Prefix(64)
	n, _ := a.Prefix(48)
	return [2]netip.Prefix{p, n}
}

// prefixLimits returns how many rooms and relays p may hold.
func prefixLimits(p netip.Prefix) (rooms, relays int) {
	if p.Bits() == 32 && p.Addr().Is4() || p.Bits() == 64 {
		return maxRoomsPerPrefix, maxRelaysPerPrefix
	}
	return maxRoomsPerNet, maxRelaysPerNet
}

func (r *Server) useLocked(p netip.Prefix) *prefixUse {
	u := r.perPfx[p]
	if u == nil {
		u = &prefixUse{}
		r.perPfx[p] = u
	}
	return u
}

func (r *Server) releaseLocked(p netip.Prefix, rooms, relays int) {
	if u := r.perPfx[p]; u != nil {
		u.rooms -= rooms
		u.relays -= relays
		if u.rooms <= 0 && u.relays <= 0 {
			delete(r.perPfx, p)
		}
	}
}

type relayID struct {
	room  [natmsg.RoomLen]byte
	nonce [natmsg.NonceLen]byte
}

// Listen starts a rendezvous server.
func Listen(cfg Config) (*Server, error) {
	if cfg.MaxRooms <= 0 {
		cfg.MaxRooms = DefaultMaxRooms
	}
	if cfg.MaxRelays <= 0 {
		cfg.MaxRelays = DefaultMaxRelays
	}
	r := &Server{
		cfg:     cfg,
		logf:    cfg.Logf,
		conn:    cfg.Conn,
		done:    make(chan struct{}),
		now:     time.Now,
		rooms:   map[[natmsg.RoomLen]byte]*room{},
		relays:  map[relayID]*relay{},
		sources: newLimiter(controlRate, controlBurst, maxSources),
		perPfx:  map[netip.Prefix]*prefixUse{},
	}
	if r.logf == nil {
		r.logf = func(string, ...any) {}
	}
	k, err := ecdh.X25519().GenerateKey(rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("rendezvous: server key: %w", err)
	}
	r.priv, r.pub = natmsg.Key(k.Bytes()), natmsg.Key(k.PublicKey().Bytes())
	if _, err := rand.Read(r.cookie[:]); err != nil {
		return nil, fmt.Errorf("rendezvous: cookie secret: %w", err)
	}
	if r.conn == nil {
		listen := cfg.Listen
		if !listen.IsValid() {
			listen = netip.AddrPortFrom(netip.IPv6Unspecified(), DefaultPort)
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
func (r *Server) Addr() netip.AddrPort { return r.local }

// Stats returns the server's counters.
func (r *Server) Stats() Stats {
	r.mu.Lock()
	rooms, relays := len(r.rooms), len(r.relays)
	r.mu.Unlock()
	return Stats{
		Rooms: rooms, Relays: relays,
		Registers: r.stats.registers.Load(), Pairings: r.stats.pairings.Load(),
		Allocations: r.stats.allocations.Load(), Relayed: r.stats.relayed.Load(),
		Dropped: r.stats.dropped.Load(), RateLimited: r.stats.limited.Load(),
	}
}

// Close stops the server and every relay and waits for their goroutines.
// It is idempotent: calls after the first return an error wrapping
// [net.ErrClosed].
func (r *Server) Close() error {
	err := fmt.Errorf("close rendezvous server: %w", net.ErrClosed)
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

func (r *Server) readLoop() {
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

func (r *Server) expireLoop() {
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
func (r *Server) expire() {
	now := r.now()
	r.mu.Lock()
	defer r.mu.Unlock()
	for id, rm := range r.rooms {
		if now.After(rm.expires) {
			delete(r.rooms, id)
			for _, p := range sourcePrefixes(rm.host.Addr()) {
				r.releaseLocked(p, 1, 0)
			}
		}
	}
	for id, rl := range r.relays {
		if now.Sub(rl.lastActive()) > relayIdle {
			r.dropRelayLocked(id, rl)
		}
	}
}

func (r *Server) dropRelayLocked(id relayID, rl *relay) {
	rl.conn.Close()
	delete(r.relays, id)
	for _, p := range rl.owners {
		r.releaseLocked(p, 0, 1)
	}
	if rm := r.rooms[id.room]; rm != nil {
		rm.relays--
	}
}

// handle answers one datagram on the main socket.
func (r *Server) handle(pkt []byte, from netip.AddrPort) {
	r.mu.Lock()
	ok := r.sources.allow(sourcePrefix(from.Addr()).Addr(), r.now())
	r.mu.Unlock()
	if !ok {
		r.stats.limited.Add(1)
		return
	}
	if tx, ok := natmsg.ParseSTUNRequest(pkt); ok {
		r.answer(pkt, natmsg.AppendSTUNResponse(nil, tx, from), from)
		return
	}
	t, err := natmsg.TypeOf(pkt)
	if err != nil {
		r.stats.dropped.Add(1)
		return
	}
	switch t {
	case natmsg.TypeRegister:
		err = r.handleRegister(pkt, from)
	case natmsg.TypeConnect:
		err = r.handleConnect(pkt, from)
	case natmsg.TypeAllocate:
		err = r.handleAllocate(pkt, from)
	default:
		err = fmt.Errorf("%w: type %d", natmsg.ErrMalformed, t)
	}
	if err != nil {
		r.stats.dropped.Add(1)
	}
}

func (r *Server) send(pkt []byte, to netip.AddrPort) {
	if _, err := r.conn.WriteToUDPAddrPort(pkt, to); err != nil {
		r.logf("rendezvous: send to %v: %v", to, err)
	}
}

// answer sends ans back to the sender of req, unless it is larger: the
// sender's address is not proven, and a server that answered with more
// than it got would amplify a flood aimed at a spoofed address.
func (r *Server) answer(req, ans []byte, to netip.AddrPort) {
	if len(ans) > len(req) {
		r.stats.dropped.Add(1)
		return
	}
	r.send(ans, to)
}

// cookieFor returns the cookie of a host's address in the epoch of t.
func (r *Server) cookieFor(from netip.AddrPort, host natmsg.Key, t time.Time) [natmsg.CookieLen]byte {
	var b []byte
	b = binary.BigEndian.AppendUint64(b, uint64(t.Unix()/int64(cookieEpoch/time.Second)))
	b = natmsg.AppendAddr(b, from)
	b = append(b, host[:]...)
	return [natmsg.CookieLen]byte(natmsg.MAC(r.cookie[:], b))
}

// cookieOK reports whether c is the cookie of from and host, in this
// epoch or the last.
func (r *Server) cookieOK(c [natmsg.CookieLen]byte, from netip.AddrPort, host natmsg.Key) bool {
	now := r.now()
	a, b := r.cookieFor(from, host, now), r.cookieFor(from, host, now.Add(-cookieEpoch))
	return natmsg.EqualMAC(c[:], a[:]) || natmsg.EqualMAC(c[:], b[:])
}

// handleRegister keeps a host's room. Only the host registers it: the
// room id commits to the host's public key, and the register must be
// sealed with the key the host shares with this server and carry the
// cookie of the address it came from. Otherwise the sender gets a
// challenge with a fresh cookie and the server's public key, smaller than
// the register. A register must also be newer than the last one.
func (r *Server) handleRegister(pkt []byte, from netip.AddrPort) error {
	m, err := natmsg.ParseRegister(pkt)
	if err != nil {
		return err
	}
	challenge := func(why string) error {
		c := natmsg.Challenge{Room: m.Room, Cookie: r.cookieFor(from, m.Host, r.now()), Server: r.pub}
		r.answer(pkt, natmsg.AppendChallenge(nil, c), from)
		return fmt.Errorf("register from %v: %s", from, why)
	}
	if !r.cookieOK(m.Cookie, from, m.Host) {
		return challenge("no cookie for its address")
	}
	r.mu.Lock()
	var regKey []byte
	if rm := r.rooms[m.Room]; rm != nil {
		regKey = rm.regKey // the room id commits to the host's key
	}
	r.mu.Unlock()
	if regKey == nil {
		// Only senders that proved their address get this far, at the
		// source rate limit.
		if regKey, err = natmsg.RegisterKey(r.priv, m.Host); err != nil {
			return fmt.Errorf("%w: host key: %w", natmsg.ErrMalformed, err)
		}
	}
	if !natmsg.RegisterOpened(pkt, regKey) {
		return challenge("not sealed with the host's key")
	}
	if err := r.keepRoom(m, regKey, from); err != nil {
		return err
	}
	r.stats.registers.Add(1)
	r.answer(pkt, natmsg.AppendRegistered(nil, m.Seq, from, m.Key[:]), from)
	return nil
}

// keepRoom creates or refreshes a room for a verified register, within
// the table's bound and those of the source's prefixes.
func (r *Server) keepRoom(m natmsg.Register, regKey []byte, from netip.AddrPort) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	rm := r.rooms[m.Room]
	switch {
	case rm != nil && m.Seq <= rm.seq:
		return fmt.Errorf("%w: old register", natmsg.ErrMalformed)
	case rm == nil && len(r.rooms) >= r.cfg.MaxRooms:
		return errors.New("room table full")
	}
	pfxs := sourcePrefixes(from.Addr())
	var old [2]netip.Prefix // where the room is counted now
	if rm != nil {
		old = sourcePrefixes(rm.host.Addr())
	}
	for i, p := range pfxs {
		limit, _ := prefixLimits(p)
		if u := r.perPfx[p]; p != old[i] && u != nil && u.rooms >= limit {
			return fmt.Errorf("%v holds %d rooms already", p, u.rooms)
		}
	}
	if rm == nil {
		rm = &room{key: m.Key, regKey: regKey}
		r.rooms[m.Room] = rm
	}
	for i, p := range pfxs {
		if p != old[i] {
			if old[i].IsValid() {
				r.releaseLocked(old[i], 1, 0)
			}
			r.useLocked(p).rooms++
		}
	}
	rm.seq, rm.host, rm.cands, rm.expires = m.Seq, from, m.Cands, r.now().Add(roomTTL)
	return nil
}

// lookup returns the room of pkt and its key, or answers "no such room".
func (r *Server) lookup(pkt []byte, from netip.AddrPort) (room, bool) {
	id, ok := natmsg.ParseRoom(pkt)
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
	if rm == nil && len(pkt) >= natmsg.HeaderLen+natmsg.RoomLen+natmsg.NonceLen {
		r.answer(pkt, natmsg.AppendRefused(nil, id, [natmsg.NonceLen]byte(pkt[natmsg.HeaderLen+natmsg.RoomLen:]), natmsg.RefuseNoRoom), from)
	}
	return cp, rm != nil
}

// handleConnect pairs a player with the room's host: each gets the other's
// public address (as this server sees it) and candidates.
func (r *Server) handleConnect(pkt []byte, from netip.AddrPort) error {
	rm, ok := r.lookup(pkt, from)
	if !ok {
		return errors.New("connect to unknown room")
	}
	m, err := natmsg.ParsePairing(pkt, natmsg.TypeConnect, rm.key[:])
	if err != nil {
		return err
	}
	r.stats.pairings.Add(1)
	toPlayer := natmsg.Pairing{Room: m.Room, Nonce: m.Nonce, Cands: withPublic(rm.host, rm.cands)}
	toHost := natmsg.Pairing{Room: m.Room, Nonce: m.Nonce, Cands: withPublic(from, m.Cands)}
	// The host proved its address with a cookie; the player did not.
	r.send(natmsg.AppendPairing(nil, natmsg.TypePeer, toHost, rm.key[:]), rm.host)
	r.answer(pkt, natmsg.AppendPairing(nil, natmsg.TypePeer, toPlayer, rm.key[:]), from)
	return nil
}

// withPublic puts the address a side was seen at first in its candidates,
// keeping the side's own kind for it if it listed it (a port mapping).
func withPublic(seen netip.AddrPort, cands []natmsg.Candidate) []natmsg.Candidate {
	out := []natmsg.Candidate{{Addr: seen, Kind: natmsg.CandPublic}}
	for _, c := range cands {
		switch {
		case c.Addr == seen:
			out[0].Kind = c.Kind
		case len(out) < natmsg.MaxCands:
			out = append(out, c)
		}
	}
	return out
}
