package vpn

import (
	"bytes"
	"encoding/hex"
	"math"
	"net/netip"
	"strings"
	"testing"

	"github.com/netpak/netpak/vpn/natsim"
)

// rdvFixture is a rendezvous server on a simulated Internet with one
// registered room, and a socket to receive its answers.
type rdvFixture struct {
	r      *Rendezvous
	priv   Key // the host's
	secret [secretLen]byte
	key    [rdvKeyLen]byte
	room   [roomLen]byte
	host   *natsim.Conn
	hostAP netip.AddrPort
}

func newRdvFixture(t *testing.T, cfg RendezvousConfig) *rdvFixture {
	t.Helper()
	inet := natsim.NewInternet()
	m := inet.Machine()
	c, err := m.Listen(DefaultRendezvousPort)
	if err != nil {
		t.Fatal(err)
	}
	cfg.Conn = c
	cfg.ListenRelay = func() (PacketConn, error) { return m.Listen(0) }
	r, err := ListenRendezvous(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	f := &rdvFixture{r: r, priv: Key(seq(KeyLen, 0x70)), secret: [secretLen]byte(seq(secretLen, 0xb0))}
	f.priv.clamp()
	f.key = rendezvousKey(f.secret)
	f.room = roomOf(f.priv.Public(), f.key)
	f.host, _ = inet.Machine().Listen(DefaultPort)
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
func sealedRegister(t testing.TB, r *Rendezvous, priv Key, key [rdvKeyLen]byte, seq uint64, from netip.AddrPort) []byte {
	t.Helper()
	rk, err := registerKey(priv, r.pub)
	if err != nil {
		t.Fatal(err)
	}
	pub := priv.Public()
	m := registerMsg{Room: roomOf(pub, key), Key: key, Host: pub, Cookie: r.cookieFor(from, pub, r.now()), Seq: seq}
	return appendRegister(nil, m, rk)
}

// inviteHolderRegister is what a player who holds an invite (so the
// host's public key and the rendezvous key) sends to take the room over:
// a register with the highest seq, a cookie for its own address, sealed
// with the only private key it has, its own.
func inviteHolderRegister(t testing.TB, f *rdvFixture, from netip.AddrPort) []byte {
	t.Helper()
	rk, err := registerKey(testKey(0x66), f.r.pub)
	if err != nil {
		t.Fatal(err)
	}
	pub := f.priv.Public()
	m := registerMsg{Room: f.room, Key: f.key, Host: pub, Cookie: f.r.cookieFor(from, pub, f.r.now()), Seq: math.MaxUint64,
		Cands: []Candidate{{Addr: from, Kind: CandPublic}}}
	return appendRegister(nil, m, rk)
}

// testKey returns a private key made from b.
func testKey(b byte) Key {
	k := Key(seq(KeyLen, b))
	k.clamp()
	return k
}

var spoofed = netip.MustParseAddrPort("198.51.100.7:4000")

// TestRendezvousHostile sends what an attacker could, from addresses of
// its choosing: none of it changes the server's tables beyond its limits.
func TestRendezvousHostile(t *testing.T) {
	f := newRdvFixture(t, RendezvousConfig{MaxRooms: 4, MaxRelays: 2})
	otherKey := rendezvousKey([secretLen]byte{1})
	tests := []struct {
		name string
		pkt  []byte
	}{
		{"garbage", []byte("hello")},
		{"connect without the key", appendPairing(nil, msgConnect, connectMsg{Room: f.room}, otherKey[:])},
		{"allocate without the key", appendAlloc(nil, msgAllocate, allocMsg{Room: f.room}, otherKey[:])},
		{"replayed register", sealedRegister(t, f.r, f.priv, f.key, 10, spoofed)},
		{"host's register from another address", sealedRegister(t, f.r, f.priv, f.key, 11, f.hostAP)},
		{"register by an invite holder", inviteHolderRegister(t, f, spoofed)},
		{"register under a stolen room id", appendRegister(nil, registerMsg{Room: f.room, Key: otherKey, Host: f.priv.Public(), Seq: 99}, nil)},
		{"truncated register", sealedRegister(t, f.r, f.priv, f.key, 11, spoofed)[:40]},
		{"relay bind at the main port", appendAlloc(nil, msgRelayBind, allocMsg{Room: f.room, Role: roleHost}, f.key[:])},
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
	f := newRdvFixture(t, RendezvousConfig{MaxRooms: 4, MaxRelays: 2})
	for i := range 20 {
		k := rendezvousKey([secretLen]byte{byte(i + 1)})
		from := netip.AddrPortFrom(netip.AddrFrom4([4]byte{198, 51, 100, byte(i)}), 1)
		f.r.handle(sealedRegister(t, f.r, testKey(byte(i)), k, 1, from), from)
	}
	if st := f.r.Stats(); st.Rooms != 4 {
		t.Fatalf("%d rooms, want the limit 4", st.Rooms)
	}
	for i := range 10 {
		m := allocMsg{Room: f.room, Nonce: [nonceLen]byte{byte(i)}}
		from := netip.AddrPortFrom(netip.AddrFrom4([4]byte{198, 51, 101, byte(i)}), 1)
		f.r.handle(appendAlloc(nil, msgAllocate, m, f.key[:]), from)
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
	f := newRdvFixture(t, RendezvousConfig{})
	m := allocMsg{Room: f.room, Nonce: [nonceLen]byte{7}}
	f.r.handle(appendAlloc(nil, msgAllocate, m, f.key[:]), f.hostAP)
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
		f.r.relayRoute(rl, appendAlloc(nil, msgRelayBind, m, key), from)
	}
	wg := []byte{4, 0, 0, 0, 1, 2, 3}
	if _, ok := f.r.relayRoute(rl, wg, host); ok {
		t.Fatal("relay forwarded before any side was bound")
	}
	bind(roleHost, f.key[:], host)
	bind(rolePlayer, f.key[:], player)
	if to, ok := f.r.relayRoute(rl, wg, host); !ok || to != player {
		t.Fatalf("host datagram goes to %v (%v), want the player", to, ok)
	}
	if to, ok := f.r.relayRoute(rl, wg, player); !ok || to != host {
		t.Fatalf("player datagram goes to %v (%v), want the host", to, ok)
	}
	other := rendezvousKey([secretLen]byte{9})
	bind(rolePlayer, other[:], spoofed) // wrong key
	bind(rolePlayer, f.key[:], spoofed) // right key, but the player is active
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

func TestNATMessageGolden(t *testing.T) {
	key := rendezvousKey([secretLen]byte(seq(secretLen, 0xb0)))
	punch := punchKey([secretLen]byte(seq(secretLen, 0xb0)))
	cands := []Candidate{{Addr: netip.MustParseAddrPort("192.0.2.1:6464"), Kind: CandUPnP}}
	host := Key(seq(KeyLen, 0x70))
	room := roomOf(host, key)
	tests := []struct {
		name string
		pkt  []byte
		want string
	}{
		{"ping", appendPing(nil, pingMsg{Tx: [txLen]byte(seq(txLen, 1)), Kind: CandPublic, Role: rolePlayer}, punch),
			"fe4e504b0109" + "0102030405060708090a0b0c" + "0202" + strings.Repeat("00", pingPad)},
		{"connect", appendPairing(nil, msgConnect, connectMsg{Room: room, Nonce: [nonceLen]byte(seq(nonceLen, 0x10)), Cands: cands}, key[:]),
			"fe4e504b0106" + hex.EncodeToString(room[:]) +
				"101112131415161718191a1b1c1d1e1f" + "08" + "03" + "00000000000000000000ffffc0000201" + "1940" +
				strings.Repeat("00", (maxCands-1)*candLen)},
		{"register", appendRegister(nil, registerMsg{Room: room, Key: key, Host: host, Cookie: [cookieLen]byte(seq(cookieLen, 0x20)), Seq: 0x0102, Cands: cands}, key[:]),
			"fe4e504b0104" + hex.EncodeToString(room[:]) + hex.EncodeToString(key[:]) + hex.EncodeToString(host[:]) +
				"202122232425262728292a2b2c2d2e2f" + "0000000000000102" + "08" + "03" + "00000000000000000000ffffc0000201" + "1940" +
				strings.Repeat("00", (maxCands-1)*candLen)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := hex.EncodeToString(tc.pkt)
			if !bytes.HasPrefix([]byte(got), []byte(tc.want)) || len(tc.pkt) != len(tc.want)/2+shortMAC {
				t.Fatalf("encoded\n%s\nwant prefix\n%s and a %d-byte mac", got, tc.want, shortMAC)
			}
		})
	}
	if m, err := parsePing(tests[0].pkt, punch); err != nil || m.Tx != [txLen]byte(seq(txLen, 1)) {
		t.Fatalf("parsePing = %+v, %v", m, err)
	}
	if m, err := parsePairing(tests[1].pkt, msgConnect, key[:]); err != nil || len(m.Cands) != 1 || m.Cands[0] != cands[0] {
		t.Fatalf("parsePairing = %+v, %v", m, err)
	}
}
