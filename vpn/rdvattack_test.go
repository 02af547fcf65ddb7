package vpn

import (
	"bytes"
	"context"
	"errors"
	"math"
	"net"
	"net/netip"
	"testing"
	"time"

	"github.com/netpak/netpak/vpn/natmsg"
)

// rdvLab is a rendezvous server and a host registered with it, on real
// sockets on the loopback interface.
type rdvLab struct {
	r *Rendezvous
	h *Host
}

func newRdvLab(t *testing.T, cfg RendezvousConfig) *rdvLab {
	t.Helper()
	goroutineLeakCheck(t)
	cfg.Listen = netip.MustParseAddrPort("127.0.0.1:0")
	if cfg.Logf == nil {
		cfg.Logf = t.Logf
	}
	r, err := ListenRendezvous(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	h := newTestHost(t, HostConfig{Rendezvous: []string{r.Addr().String()}, NoPortMapping: true})
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	h.WaitDiscovery(ctx)
	waitFor(t, "the host to register", func() bool { return r.Stats().Registers > 0 })
	return &rdvLab{r: r, h: h}
}

// roomHost returns the address the server pairs the room's players with.
func (l *rdvLab) roomHost(room [natmsg.RoomLen]byte) netip.AddrPort {
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

// TestRendezvousRoomHijack runs the attack of a player who holds an
// invite, current or replaced, against a real host and server: it
// re-registers the host's room with the highest seq from its own address
// to be paired with the host's players. The server must keep pairing
// them with the host.
func TestRendezvousRoomHijack(t *testing.T) {
	l := newRdvLab(t, RendezvousConfig{})
	old := l.h.Invite()
	cur, err := l.h.RotateSecret()
	if err != nil {
		t.Fatal(err)
	}
	curRoom := natmsg.RoomOf(cur.HostKey, natmsg.RendezvousKey(cur.Secret))
	waitFor(t, "the host to register its new room", func() bool { return l.roomHost(curRoom) == l.h.LocalAddr() })
	attacker := newUDPPeer(t, "127.0.0.2")
	attackerKey := testKey(0x66)
	for _, inv := range []Invite{cur, old} {
		key := natmsg.RendezvousKey(inv.Secret)
		room := natmsg.RoomOf(inv.HostKey, key)
		m := natmsg.Register{Room: room, Key: key, Host: inv.HostKey, Seq: math.MaxUint64,
			Cands: []Candidate{{Addr: attacker.addr(), Kind: CandPublic}}}
		// The first register gets a challenge, as a host's does.
		ans := attacker.exchange(natmsg.AppendRegister(nil, m, nil), l.r.Addr(), l.r.Addr())
		if len(ans) != 1 {
			t.Fatalf("%d answers to a first register, want a challenge", len(ans))
		}
		ch, err := natmsg.ParseChallenge(ans[0])
		if err != nil {
			t.Fatalf("answer to a first register: %v", err)
		}
		// With the cookie, sealed with the only private key it has.
		m.Cookie = ch.Cookie
		rk, err := natmsg.RegisterKey(attackerKey, ch.Server)
		if err != nil {
			t.Fatal(err)
		}
		for _, a := range attacker.exchange(natmsg.AppendRegister(nil, m, rk), l.r.Addr(), l.r.Addr()) {
			if _, _, err := natmsg.ParseRegistered(a, key[:]); err == nil {
				t.Fatal("the server accepted the invite holder's register")
			}
		}
	}
	if got := l.roomHost(curRoom); got != l.h.LocalAddr() {
		t.Fatalf("room is at %v, want the host at %v", got, l.h.LocalAddr())
	}
	// The replaced room lapses unless the host registers it, and only the
	// host can.
	if got := l.roomHost(natmsg.RoomOf(old.HostKey, natmsg.RendezvousKey(old.Secret))); got.IsValid() && got != l.h.LocalAddr() {
		t.Fatalf("the replaced invite's room is held by %v", got)
	}
	// A player is still paired with the host.
	player := newUDPPeer(t, "127.0.0.3")
	key := natmsg.RendezvousKey(cur.Secret)
	req := natmsg.AppendPairing(nil, natmsg.TypeConnect, natmsg.Pairing{Room: curRoom, Nonce: [natmsg.NonceLen]byte{1}}, key[:])
	ans := player.exchange(req, l.r.Addr(), l.r.Addr())
	if len(ans) != 1 {
		t.Fatalf("%d answers to a connect, want 1", len(ans))
	}
	peer, err := natmsg.ParsePairing(ans[0], natmsg.TypePeer, key[:])
	if err != nil || len(peer.Cands) == 0 || peer.Cands[0].Addr != l.h.LocalAddr() {
		t.Fatalf("player paired with %+v (%v), want the host at %v", peer.Cands, err, l.h.LocalAddr())
	}
	serveEcho(t, l.h)
	checkUDPEcho(t, mustJoin(t, cur))
}

// TestRendezvousAmplifiesNothing sends every kind of request to a real
// server and host, from an address that proved nothing (as a spoofed one
// would be), and checks every answer is no larger than its request. The
// sender even holds the invite, so it gets the authenticated answers.
func TestRendezvousAmplifiesNothing(t *testing.T) {
	l := newRdvLab(t, RendezvousConfig{})
	inv := l.h.Invite()
	key := natmsg.RendezvousKey(inv.Secret)
	room := natmsg.RoomOf(inv.HostKey, key)
	noRoom := natmsg.RoomOf(inv.HostKey, natmsg.RendezvousKey([secretLen]byte{1}))
	srv, host := l.r.Addr(), l.h.LocalAddr()
	reg := natmsg.Register{Room: room, Key: key, Host: inv.HostKey, Seq: 1}
	stun := natmsg.AppendSTUNRequest(nil, [natmsg.TxLen]byte{1})
	var relayAddr netip.AddrPort
	tests := []struct {
		name   string
		to     netip.AddrPort
		pkt    func() []byte
		answer bool // an answer is expected
		async  bool // answered by another goroutine or socket: wait for one answer
	}{
		{"stun, netpak's padded request", srv, func() []byte { return stun }, true, false},
		{"stun, bare 20-byte request", srv, func() []byte { return stun[:natmsg.STUNHeaderLen] }, false, false},
		{"register without cookie", srv, func() []byte { return natmsg.AppendRegister(nil, reg, nil) }, true, false},
		{"register, cookie of another address", srv, func() []byte {
			m := reg
			m.Cookie = l.r.cookieFor(host, inv.HostKey, time.Now())
			return natmsg.AppendRegister(nil, m, nil)
		}, true, false},
		{"connect to no room", srv, func() []byte {
			return natmsg.AppendPairing(nil, natmsg.TypeConnect, natmsg.Pairing{Room: noRoom}, key[:])
		}, true, false},
		{"connect to no room, cut short", srv, func() []byte {
			return natmsg.AppendPairing(nil, natmsg.TypeConnect, natmsg.Pairing{Room: noRoom}, key[:])[:natmsg.HeaderLen+natmsg.RoomLen+natmsg.NonceLen]
		}, false, false},
		{"connect without the key", srv, func() []byte {
			return natmsg.AppendPairing(nil, natmsg.TypeConnect, natmsg.Pairing{Room: room}, noRoom[:])
		}, false, false},
		{"connect", srv, func() []byte {
			return natmsg.AppendPairing(nil, natmsg.TypeConnect, natmsg.Pairing{Room: room, Nonce: [natmsg.NonceLen]byte{2}}, key[:])
		}, true, false},
		{"allocate in no room", srv, func() []byte { return natmsg.AppendAlloc(nil, natmsg.TypeAllocate, natmsg.Alloc{Room: noRoom}, key[:]) }, true, false},
		{"allocate", srv, func() []byte {
			return natmsg.AppendAlloc(nil, natmsg.TypeAllocate, natmsg.Alloc{Room: room, Nonce: [natmsg.NonceLen]byte{3}}, key[:])
		}, true, false},
		{"relay bind", netip.AddrPort{}, func() []byte {
			return natmsg.AppendAlloc(nil, natmsg.TypeRelayBind, natmsg.Alloc{Room: room, Nonce: [natmsg.NonceLen]byte{3}, Role: natmsg.RolePlayer}, key[:])
		}, true, true},
		{"ping the host", host, func() []byte {
			return natmsg.AppendPing(nil, natmsg.Ping{Tx: [natmsg.TxLen]byte{4}, Role: natmsg.RolePlayer}, natmsg.PunchKey(inv.Secret))
		}, true, true},
		{"join the host", host, func() []byte {
			return appendJoin(nil, joinMsg{Session: inv.Session, Player: testKey(5).Public()}, inv.Secret, inv.HostKey)
		}, true, true},
		{"join the host, wrong secret", host, func() []byte {
			return appendJoin(nil, joinMsg{Session: inv.Session, Player: testKey(6).Public()}, [secretLen]byte{}, inv.HostKey)
		}, true, true},
	}
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := newUDPPeer(t, netip.AddrFrom4([4]byte{127, 0, 1, byte(i + 1)}).String())
			to := tc.to
			if !to.IsValid() {
				to = relayAddr
			}
			req := tc.pkt()
			var ans [][]byte
			if tc.async {
				ans = [][]byte{p.receive(req, to)}
			} else {
				ans = p.exchange(req, to, srv)
			}
			if tc.answer && len(ans) == 0 {
				t.Fatalf("no answer to a %d-byte request", len(req))
			}
			for _, a := range ans {
				t.Logf("request %d bytes, answer %d bytes (x%.2f)", len(req), len(a), float64(len(a))/float64(len(req)))
				if len(a) > len(req) {
					t.Errorf("answer of %d bytes to a request of %d", len(a), len(req))
				}
				if m, err := natmsg.ParseAlloc(a, natmsg.TypeAllocated, key[:]); err == nil {
					relayAddr = netip.AddrPortFrom(srv.Addr(), m.Relay.Port())
				}
			}
		})
	}
}

// TestRendezvousPrefixFlood floods a real server with rooms and relays:
// from many addresses of one IPv6 /64, from many /64s of one /48, from
// many ports of one IPv4 address and from many addresses of one /24, each
// a room of its own key with a valid cookie (the attacker owns those
// addresses, so it receives the cookies), then asks for every relay those
// rooms may have, each from an address of its own. The tables are only a
// little larger than the flood's bounds allow; the real host, elsewhere,
// must keep its room and its player must get a relay.
func TestRendezvousPrefixFlood(t *testing.T) {
	const bound = 2 * maxRoomsPerNet // the flood's two networks
	l := newRdvLab(t, RendezvousConfig{MaxRooms: bound + 1, MaxRelays: bound + 1,
		Logf: func(string, ...any) {}}) // answers to the made-up addresses go nowhere
	before := l.r.Stats()
	var rooms []natmsg.Register
	n := 0
	register := func(from netip.AddrPort) {
		n++
		priv := testKey(byte(n))
		priv[1], priv[2] = byte(n>>8), 0xAA
		k := natmsg.RendezvousKey([secretLen]byte{byte(n), byte(n >> 8), 0xAA})
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
	inv := l.h.Invite()
	key := natmsg.RendezvousKey(inv.Secret)
	room := natmsg.RoomOf(inv.HostKey, key)
	if got := l.roomHost(room); got != l.h.LocalAddr() {
		t.Fatalf("the host's room is at %v, want %v", got, l.h.LocalAddr())
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
