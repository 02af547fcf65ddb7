package rendezvous

import (
	"bytes"
	"errors"
	"net"
	"net/netip"
	"testing"
	"time"

	"github.com/netpak/netpak/vpn/natmsg"
)

// loopLab is a server on real sockets on the loopback interface, and a
// room whose host, a plain socket, registered as a host does: a first
// register earns a challenge, and the second carries its cookie and is
// sealed with the key the host shares with the server.
type loopLab struct {
	r    *Server
	host *udpPeer
	key  [natmsg.RendezvousKeyLen]byte
	room [natmsg.RoomLen]byte
}

func newLoopLab(t *testing.T, cfg Config) *loopLab {
	t.Helper()
	cfg.Listen = netip.MustParseAddrPort("127.0.0.1:0")
	if cfg.Logf == nil {
		cfg.Logf = t.Logf
	}
	r, err := Listen(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	l := &loopLab{r: r, host: newUDPPeer(t, "127.0.0.1")}
	priv := testKey(0x70)
	l.key = natmsg.RendezvousKey([natmsg.SecretLen]byte(seq(natmsg.SecretLen, 0xb0)))
	l.room = natmsg.RoomOf(public(priv), l.key)
	m := natmsg.Register{Room: l.room, Key: l.key, Host: public(priv), Seq: 1}
	ans := l.host.exchange(natmsg.AppendRegister(nil, m, nil), r.Addr(), r.Addr())
	if len(ans) != 1 {
		t.Fatalf("%d answers to a first register, want a challenge", len(ans))
	}
	ch, err := natmsg.ParseChallenge(ans[0])
	if err != nil {
		t.Fatalf("answer to a first register: %v", err)
	}
	rk, err := natmsg.RegisterKey(priv, ch.Server)
	if err != nil {
		t.Fatal(err)
	}
	m.Cookie, m.Seq = ch.Cookie, 2
	ans = l.host.exchange(natmsg.AppendRegister(nil, m, rk), r.Addr(), r.Addr())
	if len(ans) != 1 {
		t.Fatalf("%d answers to a sealed register, want 1", len(ans))
	}
	if _, _, err := natmsg.ParseRegistered(ans[0], l.key[:]); err != nil {
		t.Fatalf("answer to a sealed register: %v", err)
	}
	return l
}

// roomHost returns the address the server pairs the room's players with.
func (l *loopLab) roomHost(room [natmsg.RoomLen]byte) netip.AddrPort {
	l.r.mu.Lock()
	defer l.r.mu.Unlock()
	if rm := l.r.rooms[room]; rm != nil {
		return rm.host
	}
	return netip.AddrPort{}
}

// udpPeer is a plain UDP socket on a loopback address of its own (so it
// is its own source prefix), for sending what an attacker would.
type udpPeer struct {
	t *testing.T
	c *net.UDPConn
}

func newUDPPeer(t *testing.T, ip string) *udpPeer {
	t.Helper()
	c, err := net.ListenUDP("udp", udpAddr(netip.AddrPortFrom(netip.MustParseAddr(ip), 0)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return &udpPeer{t: t, c: c}
}

func (p *udpPeer) addr() netip.AddrPort { return addrPortOf(p.c.LocalAddr()) }

func (p *udpPeer) send(pkt []byte, to netip.AddrPort) {
	p.t.Helper()
	if _, err := p.c.WriteToUDPAddrPort(pkt, to); err != nil {
		p.t.Fatal(err)
	}
}

// exchange sends req to to, then a padded STUN request to the server as
// a marker, and returns every datagram from to that came before the
// marker's answer: all the answers to req. Loopback keeps the order.
func (p *udpPeer) exchange(req []byte, to, server netip.AddrPort) [][]byte {
	p.t.Helper()
	p.send(req, to)
	tx := [natmsg.TxLen]byte{0xEE, byte(time.Now().UnixNano())}
	p.send(natmsg.AppendSTUNRequest(nil, tx), server)
	var got [][]byte
	buf := make([]byte, maxDatagram)
	p.c.SetReadDeadline(time.Now().Add(5 * time.Second))
	for {
		n, from, err := p.c.ReadFromUDPAddrPort(buf)
		if err != nil {
			p.t.Fatalf("no answer to the marker: %v", err)
		}
		if gotTx, _, err := natmsg.ParseSTUNResponse(buf[:n]); err == nil && gotTx == tx {
			return got
		}
		if from == to { // not, say, a host punching toward a player
			got = append(got, bytes.Clone(buf[:n]))
		}
	}
}

// receive sends req to to and returns the first answer from to.
func (p *udpPeer) receive(req []byte, to netip.AddrPort) []byte {
	p.t.Helper()
	p.send(req, to)
	buf := make([]byte, maxDatagram)
	p.c.SetReadDeadline(time.Now().Add(5 * time.Second))
	for {
		n, from, err := p.c.ReadFromUDPAddrPort(buf)
		if err != nil {
			p.t.Fatalf("no answer: %v", err)
		}
		if from == to {
			return buf[:n]
		}
	}
}

// TestRendezvousPrefixFlood floods a real server with rooms and relays:
// from many addresses of one IPv6 /64, from many /64s of one /48, from
// many ports of one IPv4 address and from many addresses of one /24, each
// a room of its own key with a valid cookie (the attacker owns those
// addresses, so it receives the cookies), then asks for every relay those
// rooms may have, each from an address of its own. The tables are only a
// little larger than the flood's bounds allow; the host, elsewhere,
// must keep its room and its player must get a relay.
func TestRendezvousPrefixFlood(t *testing.T) {
	const bound = 2 * maxRoomsPerNet // the flood's two networks
	l := newLoopLab(t, Config{MaxRooms: bound + 1, MaxRelays: bound + 1,
		Logf: func(string, ...any) {}}) // answers to the made-up addresses go nowhere
	before := l.r.Stats()
	var rooms []natmsg.Register
	n := 0
	register := func(from netip.AddrPort) {
		n++
		priv := testKey(byte(n))
		priv[1], priv[2] = byte(n>>8), 0xAA
		k := natmsg.RendezvousKey([natmsg.SecretLen]byte{byte(n), byte(n >> 8), 0xAA})
		pkt := sealedRegister(t, l.r, priv, k, 1, from)
		l.r.handle(pkt, from)
		m, _ := natmsg.ParseRegister(pkt)
		rooms = append(rooms, m)
	}
	flood := []struct {
		name  string
		count int
		addr  func(i int) netip.AddrPort
		max   int // rooms the flood may hold after this step
	}{
		{"addresses of one /64", 1000, func(i int) netip.AddrPort {
			return netip.AddrPortFrom(netip.AddrFrom16([16]byte{0x20, 0x01, 0x0d, 0xb8, 0x0b, 0xad, 0, 1, 14: byte(i >> 8), 15: byte(i)}), 4000)
		}, maxRoomsPerPrefix},
		{"/64s of one /48", 300, func(i int) netip.AddrPort {
			return netip.AddrPortFrom(netip.AddrFrom16([16]byte{0x20, 0x01, 0x0d, 0xb8, 0x0b, 0xad, byte(i >> 8), byte(i) + 2, 15: 1}), 4000)
		}, maxRoomsPerNet},
		{"ports of one IPv4 address", controlBurst, func(i int) netip.AddrPort {
			return netip.AddrPortFrom(netip.AddrFrom4([4]byte{198, 51, 100, 9}), uint16(5000+i))
		}, maxRoomsPerNet + maxRoomsPerPrefix},
		{"addresses of one /24", 100, func(i int) netip.AddrPort {
			return netip.AddrPortFrom(netip.AddrFrom4([4]byte{198, 51, 100, byte(i + 10)}), 5000)
		}, bound},
	}
	for _, f := range flood {
		for i := range f.count {
			register(f.addr(i))
		}
		st := l.r.Stats()
		t.Logf("%d registers from %s: the flood holds %d rooms, %d datagrams rate-limited so far",
			f.count, f.name, st.Rooms-before.Rooms, st.RateLimited-before.RateLimited)
		if got := st.Rooms - before.Rooms; got > f.max {
			t.Fatalf("the flood holds %d rooms, bound %d", got, f.max)
		}
	}
	asked := 0
	for _, m := range rooms {
		if !l.roomHost(m.Room).IsValid() {
			continue // refused
		}
		for j := range maxRelaysPerRoom {
			asked++
			asker := netip.AddrPortFrom(netip.AddrFrom4([4]byte{10, byte(asked >> 8), byte(asked), 1}), 1)
			l.r.handle(natmsg.AppendAlloc(nil, natmsg.TypeAllocate, natmsg.Alloc{Room: m.Room, Nonce: [natmsg.NonceLen]byte{byte(j)}}, m.Key[:]), asker)
		}
	}
	st := l.r.Stats()
	t.Logf("%d allocations, each from a /24 of its own: the flood holds %d relays", asked, st.Relays)
	if st.Relays > 2*maxRelaysPerNet {
		t.Fatalf("the flood holds %d relays, bound %d", st.Relays, 2*maxRelaysPerNet)
	}
	// The real host still has its room, and its player a relay.
	key, room := l.key, l.room
	if got := l.roomHost(room); got != l.host.addr() {
		t.Fatalf("the host's room is at %v, want %v", got, l.host.addr())
	}
	player := newUDPPeer(t, "127.0.0.4")
	ans := player.exchange(natmsg.AppendAlloc(nil, natmsg.TypeAllocate, natmsg.Alloc{Room: room, Nonce: [natmsg.NonceLen]byte{9}}, key[:]), l.r.Addr(), l.r.Addr())
	if len(ans) != 1 {
		t.Fatalf("%d answers to the player's allocate, want 1", len(ans))
	}
	m, err := natmsg.ParseAlloc(ans[0], natmsg.TypeAllocated, key[:])
	if err != nil {
		t.Fatalf("player's allocate: %v (answer %x)", err, ans[0])
	}
	m.Role = natmsg.RolePlayer
	relay := netip.AddrPortFrom(l.r.Addr().Addr(), m.Relay.Port())
	if _, err := natmsg.ParseAlloc(player.receive(natmsg.AppendAlloc(nil, natmsg.TypeRelayBind, m, key[:]), relay), natmsg.TypeRelayBound, key[:]); err != nil {
		t.Fatalf("player's relay bind: %v", err)
	}
	// Closing the server ends every relay; closing it again says so.
	if err := l.r.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if err := l.r.Close(); !errors.Is(err, net.ErrClosed) {
		t.Fatalf("second Close = %v, want net.ErrClosed", err)
	}
}
