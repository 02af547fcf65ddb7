package vpn

import (
	"bytes"
	"context"
	"math"
	"net"
	"net/netip"
	"testing"
	"time"

	"github.com/netpak/netpak/host/hosttest"
	"github.com/netpak/netpak/vpn/natmsg"
	"github.com/netpak/netpak/vpn/rendezvous"
)

// rdvLab is a rendezvous server and a host registered with it, on real
// sockets on the loopback interface.
type rdvLab struct {
	r      *rendezvous.Server
	h      *Host
	probes int // loopback addresses handed to roomHost's probes
}

func newRdvLab(t *testing.T, cfg rendezvous.Config) *rdvLab {
	t.Helper()
	goroutineLeakCheck(t)
	cfg.Listen = netip.MustParseAddrPort("127.0.0.1:0")
	if cfg.Logf == nil {
		cfg.Logf = t.Logf
	}
	r, err := rendezvous.Listen(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	h := newTestHost(t, HostConfig{Rendezvous: []string{r.Addr().String()}, NoPortMapping: true})
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	h.WaitDiscovery(ctx)
	hosttest.WaitFor(t, "the host to register", func() bool { return r.Stats().Registers > 0 })
	return &rdvLab{r: r, h: h}
}

// roomHost returns the address the server pairs the players of inv's
// room with, as a player learns it: the first candidate of the server's
// answer to a connect, sent from a loopback address of its own. It
// returns the zero AddrPort if the server knows no such room.
func (l *rdvLab) roomHost(t *testing.T, inv Invite) netip.AddrPort {
	t.Helper()
	l.probes++
	p := newUDPPeer(t, netip.AddrFrom4([4]byte{127, 0, 2 + byte(l.probes>>8), byte(l.probes)}).String())
	defer p.c.Close()
	key := natmsg.RendezvousKey(inv.Secret)
	room := natmsg.RoomOf(inv.HostKey, key)
	req := natmsg.AppendPairing(nil, natmsg.TypeConnect, natmsg.Pairing{Room: room, Nonce: [natmsg.NonceLen]byte{0xFF}}, key[:])
	for _, a := range p.exchange(req, l.r.Addr(), l.r.Addr()) {
		if m, err := natmsg.ParsePairing(a, natmsg.TypePeer, key[:]); err == nil && len(m.Cands) > 0 {
			return m.Cands[0].Addr
		}
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
	l := newRdvLab(t, rendezvous.Config{})
	old := l.h.Invite()
	registered := l.r.Stats().Registers
	cur, err := l.h.RotateSecret()
	if err != nil {
		t.Fatal(err)
	}
	curRoom := natmsg.RoomOf(cur.HostKey, natmsg.RendezvousKey(cur.Secret))
	hosttest.WaitFor(t, "the host to register its new room", func() bool { return l.r.Stats().Registers > registered })
	hosttest.WaitFor(t, "the server to pair players with the host", func() bool { return l.roomHost(t, cur) == l.h.LocalAddr() })
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
	if got := l.roomHost(t, cur); got != l.h.LocalAddr() {
		t.Fatalf("room is at %v, want the host at %v", got, l.h.LocalAddr())
	}
	// The replaced room lapses unless the host registers it, and only the
	// host can.
	if got := l.roomHost(t, old); got.IsValid() && got != l.h.LocalAddr() {
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
	l := newRdvLab(t, rendezvous.Config{})
	inv := l.h.Invite()
	key := natmsg.RendezvousKey(inv.Secret)
	room := natmsg.RoomOf(inv.HostKey, key)
	noRoom := natmsg.RoomOf(inv.HostKey, natmsg.RendezvousKey([secretLen]byte{1}))
	srv, host := l.r.Addr(), l.h.LocalAddr()
	reg := natmsg.Register{Room: room, Key: key, Host: inv.HostKey, Seq: 1}
	stun := natmsg.AppendSTUNRequest(nil, [natmsg.TxLen]byte{1})
	// The cookie the server gives another address for this host key.
	other := newUDPPeer(t, "127.0.1.200")
	ch, err := natmsg.ParseChallenge(other.receive(natmsg.AppendRegister(nil, reg, nil), srv))
	if err != nil {
		t.Fatalf("answer to a first register: %v", err)
	}
	otherCookie := ch.Cookie
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
			m.Cookie = otherCookie
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

// testKey returns a private key made from b.
func testKey(b byte) Key {
	k := Key(seq(KeyLen, b))
	k.clamp()
	return k
}
