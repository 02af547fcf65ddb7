package natmsg

import (
	"bytes"
	"encoding/hex"
	"net/netip"
	"strings"
	"testing"
)

func seq(n int, start byte) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = start + byte(i)
	}
	return b
}

func TestNATMessageGolden(t *testing.T) {
	key := RendezvousKey([SecretLen]byte(seq(SecretLen, 0xb0)))
	punch := PunchKey([SecretLen]byte(seq(SecretLen, 0xb0)))
	cands := []Candidate{{Addr: netip.MustParseAddrPort("192.0.2.1:6464"), Kind: CandUPnP}}
	host := Key(seq(KeyLen, 0x70))
	room := RoomOf(host, key)
	tests := []struct {
		name string
		pkt  []byte
		want string
	}{
		{"ping", AppendPing(nil, Ping{Tx: [TxLen]byte(seq(TxLen, 1)), Kind: CandPublic, Role: RolePlayer}, punch),
			"fe4e504b0109" + "0102030405060708090a0b0c" + "0202" + strings.Repeat("00", PingPad)},
		{"connect", AppendPairing(nil, TypeConnect, Pairing{Room: room, Nonce: [NonceLen]byte(seq(NonceLen, 0x10)), Cands: cands}, key[:]),
			"fe4e504b0106" + hex.EncodeToString(room[:]) +
				"101112131415161718191a1b1c1d1e1f" + "08" + "03" + "00000000000000000000ffffc0000201" + "1940" +
				strings.Repeat("00", (MaxCands-1)*CandLen)},
		{"register", AppendRegister(nil, Register{Room: room, Key: key, Host: host, Cookie: [CookieLen]byte(seq(CookieLen, 0x20)), Seq: 0x0102, Cands: cands}, key[:]),
			"fe4e504b0104" + hex.EncodeToString(room[:]) + hex.EncodeToString(key[:]) + hex.EncodeToString(host[:]) +
				"202122232425262728292a2b2c2d2e2f" + "0000000000000102" + "08" + "03" + "00000000000000000000ffffc0000201" + "1940" +
				strings.Repeat("00", (MaxCands-1)*CandLen)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := hex.EncodeToString(tc.pkt)
			if !bytes.HasPrefix([]byte(got), []byte(tc.want)) || len(tc.pkt) != len(tc.want)/2+ShortMAC {
				t.Fatalf("encoded\n%s\nwant prefix\n%s and a %d-byte mac", got, tc.want, ShortMAC)
			}
		})
	}
	if m, err := ParsePing(tests[0].pkt, punch); err != nil || m.Tx != [TxLen]byte(seq(TxLen, 1)) {
		t.Fatalf("ParsePing = %+v, %v", m, err)
	}
	if m, err := ParsePairing(tests[1].pkt, TypeConnect, key[:]); err != nil || len(m.Cands) != 1 || m.Cands[0] != cands[0] {
		t.Fatalf("ParsePairing = %+v, %v", m, err)
	}
}

// FuzzNATMessages feeds any datagram to every NAT-traversal parser;
// accepted messages must encode back to the same bytes.
func FuzzNATMessages(f *testing.F) {
	secret := [SecretLen]byte(seq(SecretLen, 0xb0))
	key := RendezvousKey(secret)
	punch := PunchKey(secret)
	host := Key(seq(KeyLen, 0x70))
	room := RoomOf(host, key)
	cands := []Candidate{{Addr: netip.MustParseAddrPort("192.0.2.1:6464"), Kind: CandPublic}}
	f.Add(AppendRegister(nil, Register{Room: room, Key: key, Host: host, Seq: 1, Cands: cands}, key[:]))
	f.Add(AppendChallenge(nil, Challenge{Room: room, Server: host}))
	f.Add(AppendRegistered(nil, 1, cands[0].Addr, key[:]))
	f.Add(AppendPairing(nil, TypePeer, Pairing{Room: room, Cands: cands}, key[:]))
	f.Add(AppendPing(nil, Ping{Role: RoleHost}, punch))
	f.Add(AppendPong(nil, [TxLen]byte{}, cands[0].Addr, punch))
	f.Add(AppendAlloc(nil, TypeAllocated, Alloc{Room: room, Relay: cands[0].Addr}, key[:]))
	f.Add(AppendRefused(nil, room, [NonceLen]byte{}, RefuseNoRoom))
	f.Fuzz(func(t *testing.T, pkt []byte) {
		orig := bytes.Clone(pkt)
		same := func(what string, b []byte) {
			if !bytes.Equal(b, pkt) {
				t.Fatalf("%s re-encodes %x as %x", what, pkt, b)
			}
		}
		if m, err := ParseRegister(pkt); err == nil && RegisterOpened(pkt, key[:]) && bytes.Equal(AppendCands(nil, m.Cands, true), pkt[RegisterLen-ShortMAC-1-MaxCands*CandLen:RegisterLen-ShortMAC]) {
			same("register", AppendRegister(nil, m, key[:]))
		}
		if m, err := ParseChallenge(pkt); err == nil {
			same("challenge", AppendChallenge(nil, m))
		}
		ParseRegistered(pkt, key[:])
		for _, typ := range []Type{TypeConnect, TypePeer} {
			ParsePairing(pkt, typ, key[:])
		}
		if m, err := ParsePing(pkt, punch); err == nil {
			same("ping", AppendPing(nil, m, punch))
		}
		ParsePong(pkt, punch)
		for _, typ := range []Type{TypeAllocate, TypeAllocated, TypeRelayBind, TypeRelayBound} {
			ParseAlloc(pkt, typ, key[:])
		}
		if r, n, why, err := ParseRefused(pkt); err == nil {
			same("refused", AppendRefused(nil, r, n, why))
		}
		ParseSTUNRequest(pkt)
		ParseSTUNResponse(pkt)
		if !bytes.Equal(orig, pkt) {
			t.Fatal("a parser changed its input")
		}
	})
}

// FuzzSTUNResponse checks the STUN response parser on any bytes, and that
// every response netpak's server makes parses back.
func FuzzSTUNResponse(f *testing.F) {
	f.Add([]byte("1.2.3.4"), uint16(5))
	f.Add([]byte("2001:db8::1"), uint16(6464))
	f.Fuzz(func(t *testing.T, ip []byte, port uint16) {
		ParseSTUNResponse(ip)
		a, err := netip.ParseAddr(string(ip))
		if err != nil || port == 0 || a.Zone() != "" {
			return
		}
		ap := netip.AddrPortFrom(a.Unmap(), port)
		tx := [TxLen]byte{1, 2, 3}
		gotTx, got, err := ParseSTUNResponse(AppendSTUNResponse(nil, tx, ap))
		if err != nil || got != ap || gotTx != tx {
			t.Fatalf("round trip of %v = %v, %v", ap, got, err)
		}
	})
}
