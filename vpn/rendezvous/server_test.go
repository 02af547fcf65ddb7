package rendezvous

import (
	"math"
	"net/netip"
	"testing"

	"github.com/netpak/netpak/vpn/natsim"

	"github.com/netpak/netpak/vpn/natmsg"
)

// rdvFixture is a rendezvous server on a simulated Internet with one
// registered room, and a socket to receive its answers.
type rdvFixture struct {
	r      *Server
	priv   natmsg.Key // the host's
	secret [natmsg.SecretLen]byte
	key    [natmsg.RendezvousKeyLen]byte
	room   [natmsg.RoomLen]byte
	host   *natsim.Conn
	hostAP netip.AddrPort
}

func newRdvFixture(t *testing.T, cfg Config) *rdvFixture {
	t.Helper()
	inet := natsim.NewInternet()
	m := inet.Machine()
	c, err := m.Listen(DefaultPort)
	if err != nil {
		t.Fatal(err)
	}
	cfg.Conn = c
	cfg.ListenRelay = func() (PacketConn, error) { return m.Listen(0) }
	r, err := Listen(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	f := &rdvFixture{r: r, priv: testKey(0x70), secret: [natmsg.SecretLen]byte(seq(natmsg.SecretLen, 0xb0))}
	f.key = natmsg.RendezvousKey(f.secret)
	f.room = natmsg.RoomOf(public(f.priv), f.key)
	f.host, _ = inet.Machine().Listen(hostPort)
	f.hostAP = netip.MustParseAddrPort(f.host.LocalAddr().String())
	f.r.handle(sealedRegister(t, r, f.priv, f.key, 10, f.hostAP), f.hostAP)
	if st := r.Stats(); st.Rooms != 1 {
		t.Fatalf("fixture host did not register: %+v", st)
	}
	return f
}

// sealedRegister makes the register a host with private key priv sends
// from from after the server's challenge: sealed with the key it shares
// with r, and with the cookie r gives from (an attacker who owns from
// receives that cookie too).
func sealedRegister(t testing.TB, r *Server, priv natmsg.Key, key [natmsg.RendezvousKeyLen]byte, seq uint64, from netip.AddrPort) []byte {
	t.Helper()
	rk, err := natmsg.RegisterKey(priv, r.pub)
	if err != nil {
		t.Fatal(err)
	}
	pub := public(priv)
	m := natmsg.Register{Room: natmsg.RoomOf(pub, key), Key: key, Host: pub, Cookie: r.cookieFor(from, pub, r.now()), Seq: seq}
	return natmsg.AppendRegister(nil, m, rk)
}

// inviteHolderRegister is what a player who holds an invite (so the
// host's public key and the rendezvous key) sends to take the room over:
// a register with the highest seq, a cookie for its own address, sealed
// with the only private key it has, its own.
func inviteHolderRegister(t testing.TB, f *rdvFixture, from netip.AddrPort) []byte {
	t.Helper()
	rk, err := natmsg.RegisterKey(testKey(0x66), f.r.pub)
	if err != nil {
		t.Fatal(err)
	}
	pub := public(f.priv)
	m := natmsg.Register{Room: f.room, Key: f.key, Host: pub, Cookie: f.r.cookieFor(from, pub, f.r.now()), Seq: math.MaxUint64,
		Cands: []natmsg.Candidate{{Addr: from, Kind: natmsg.CandPublic}}}
	return natmsg.AppendRegister(nil, m, rk)
}

var spoofed = netip.MustParseAddrPort("198.51.100.7:4000")

// TestRendezvousHostile sends what an attacker could, from addresses of
// its choosing: none of it changes the server's tables beyond its limits.
func TestRendezvousHostile(t *testing.T) {
	f := newRdvFixture(t, Config{MaxRooms: 4, MaxRelays: 2})
	otherKey := natmsg.RendezvousKey([natmsg.SecretLen]byte{1})
	tests := []struct {
		name string
		pkt  []byte
	}{
		{"garbage", []byte("hello")},
		{"connect without the key", natmsg.AppendPairing(nil, natmsg.TypeConnect, natmsg.Pairing{Room: f.room}, otherKey[:])},
		{"allocate without the key", natmsg.AppendAlloc(nil, natmsg.TypeAllocate, natmsg.Alloc{Room: f.room}, otherKey[:])},
		{"replayed register", sealedRegister(t, f.r, f.priv, f.key, 10, spoofed)},
		{"host's register from another address", sealedRegister(t, f.r, f.priv, f.key, 11, f.hostAP)},
		{"register by an invite holder", inviteHolderRegister(t, f, spoofed)},
		{"register under a stolen room id", natmsg.AppendRegister(nil, natmsg.Register{Room: f.room, Key: otherKey, Host: public(f.priv), Seq: 99}, nil)},
		{"truncated register", sealedRegister(t, f.r, f.priv, f.key, 11, spoofed)[:40]},
		{"relay bind at the main port", natmsg.AppendAlloc(nil, natmsg.TypeRelayBind, natmsg.Alloc{Room: f.room, Role: natmsg.RoleHost}, f.key[:])},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			before := f.r.Stats()
			f.r.handle(tc.pkt, spoofed)
			after := f.r.Stats()
			if after.Dropped != before.Dropped+1 || after.Rooms != 1 || after.Relays != 0 || after.Pairings != 0 {
				t.Fatalf("stats %+v -> %+v, want one more drop and nothing else", before, after)
			}
			f.r.mu.Lock()
			host := f.r.rooms[f.room].host
			f.r.mu.Unlock()
			if host != f.hostAP {
				t.Fatalf("room moved to %v", host)
			}
		})
	}
}

func TestRendezvousBounds(t *testing.T) {
	f := newRdvFixture(t, Config{MaxRooms: 4, MaxRelays: 2})
	for i := range 20 {
		k := natmsg.RendezvousKey([natmsg.SecretLen]byte{byte(i + 1)})
		from := netip.AddrPortFrom(netip.AddrFrom4([4]byte{198, 51, 100, byte(i)}), 1)
		f.r.handle(sealedRegister(t, f.r, testKey(byte(i)), k, 1, from), from)
	}
	if st := f.r.Stats(); st.Rooms != 4 {
		t.Fatalf("%d rooms, want the limit 4", st.Rooms)
	}
	for i := range 10 {
		m := natmsg.Alloc{Room: f.room, Nonce: [natmsg.NonceLen]byte{byte(i)}}
		from := netip.AddrPortFrom(netip.AddrFrom4([4]byte{198, 51, 101, byte(i)}), 1)
		f.r.handle(natmsg.AppendAlloc(nil, natmsg.TypeAllocate, m, f.key[:]), from)
	}
	if st := f.r.Stats(); st.Relays != 2 || st.Allocations != 2 {
		t.Fatalf("stats %+v, want the relay limit 2", st)
	}
	// A flood from one address is cut to the burst.
	flooder := netip.MustParseAddrPort("198.51.100.99:5000")
	before := f.r.Stats()
	for range 1000 {
		f.r.handle([]byte("x"), flooder)
	}
	after := f.r.Stats()
	if limited := after.RateLimited - before.RateLimited; limited < 1000-2*controlBurst {
		t.Fatalf("%d of 1000 flood datagrams rate-limited, want all but the burst", limited)
	}
	// Many spoofed sources: the limiter's table stays bounded.
	for i := range 3 * maxSources {
		from := netip.AddrPortFrom(netip.AddrFrom4([4]byte{10, byte(i >> 16), byte(i >> 8), byte(i)}), 1)
		f.r.handle([]byte("x"), from)
	}
	f.r.mu.Lock()
	n := len(f.r.sources.buckets)
	f.r.mu.Unlock()
	if n > maxSources {
		t.Fatalf("%d rate-limit buckets, limit %d", n, maxSources)
	}
}

// TestRelayForwardsOnlyBoundSides checks a relay forwards between the two
// bound sides only, unchanged, and refuses spoofed binds and big datagrams.
func TestRelayForwardsOnlyBoundSides(t *testing.T) {
	f := newRdvFixture(t, Config{})
	m := natmsg.Alloc{Room: f.room, Nonce: [natmsg.NonceLen]byte{7}}
	f.r.handle(natmsg.AppendAlloc(nil, natmsg.TypeAllocate, m, f.key[:]), f.hostAP)
	f.r.mu.Lock()
	var rl *relay
	for _, r := range f.r.relays {
		rl = r
	}
	f.r.mu.Unlock()
	if rl == nil {
		t.Fatal("no relay opened")
	}
	host, player := netip.MustParseAddrPort("198.51.100.1:1"), netip.MustParseAddrPort("198.51.100.2:2")
	bind := func(role byte, key []byte, from netip.AddrPort) {
		m := m
		m.Role = role
		f.r.relayRoute(rl, natmsg.AppendAlloc(nil, natmsg.TypeRelayBind, m, key), from)
	}
	wg := []byte{4, 0, 0, 0, 1, 2, 3}
	if _, ok := f.r.relayRoute(rl, wg, host); ok {
		t.Fatal("relay forwarded before any side was bound")
	}
	bind(natmsg.RoleHost, f.key[:], host)
	bind(natmsg.RolePlayer, f.key[:], player)
	if to, ok := f.r.relayRoute(rl, wg, host); !ok || to != player {
		t.Fatalf("host datagram goes to %v (%v), want the player", to, ok)
	}
	if to, ok := f.r.relayRoute(rl, wg, player); !ok || to != host {
		t.Fatalf("player datagram goes to %v (%v), want the host", to, ok)
	}
	other := natmsg.RendezvousKey([natmsg.SecretLen]byte{9})
	bind(natmsg.RolePlayer, other[:], spoofed) // wrong key
	bind(natmsg.RolePlayer, f.key[:], spoofed) // right key, but the player is active
	if to, _ := f.r.relayRoute(rl, wg, host); to != player {
		t.Fatalf("a spoofed bind moved the player to %v", to)
	}
	if _, ok := f.r.relayRoute(rl, wg, spoofed); ok {
		t.Fatal("relay forwarded from an unbound address")
	}
	if _, ok := f.r.relayRoute(rl, make([]byte, maxRelayDatagram+1), host); ok {
		t.Fatal("relay forwarded an oversized datagram")
	}
}
