package vpn

import (
	"bytes"
	"net/netip"
	"testing"
)

// FuzzRendezvous feeds any datagram to the rendezvous server's main port
// and to a relay port, from a host's and a stranger's address: no panic,
// and the tables stay within their limits.
func FuzzRendezvous(f *testing.F) {
	secret := [secretLen]byte(seq(secretLen, 0xb0))
	key := rendezvousKey(secret)
	room := roomOf(Key(seq(KeyLen, 0x70)), key)
	f.Add(appendRegister(nil, registerMsg{Room: room, Key: key, Host: Key(seq(KeyLen, 0x70)), Seq: 20}, nil), false)
	f.Add(appendPairing(nil, msgConnect, connectMsg{Room: room}, key[:]), false)
	f.Add(appendAlloc(nil, msgAllocate, allocMsg{Room: room}, key[:]), false)
	f.Add(appendAlloc(nil, msgRelayBind, allocMsg{Room: room, Nonce: [nonceLen]byte{7}, Role: rolePlayer}, key[:]), true)
	f.Add(appendSTUNRequest(nil, [txLen]byte{1}), false)
	f.Add([]byte{4, 0, 0, 0, 1}, true)
	f.Fuzz(func(t *testing.T, pkt []byte, toRelay bool) {
		fx := newRdvFixture(t, RendezvousConfig{MaxRooms: 2, MaxRelays: 1})
		room := fx.room
		fx.r.handle(appendAlloc(nil, msgAllocate, allocMsg{Room: room, Nonce: [nonceLen]byte{7}}, key[:]), fx.hostAP)
		fx.r.mu.Lock()
		var rl *relay
		for _, r := range fx.r.relays {
			rl = r
		}
		fx.r.mu.Unlock()
		for _, from := range []netip.AddrPort{fx.hostAP, spoofed} {
			if toRelay && rl != nil {
				fx.r.relayRoute(rl, pkt, from)
			} else {
				fx.r.handle(pkt, from)
			}
		}
		if st := fx.r.Stats(); st.Rooms > 2 || st.Relays > 1 {
			t.Fatalf("tables over their limits: %+v", st)
		}
	})
}

// FuzzNATMessages feeds any datagram to every NAT-traversal parser;
// accepted messages must encode back to the same bytes.
func FuzzNATMessages(f *testing.F) {
	secret := [secretLen]byte(seq(secretLen, 0xb0))
	key := rendezvousKey(secret)
	punch := punchKey(secret)
	host := Key(seq(KeyLen, 0x70))
	room := roomOf(host, key)
	cands := []Candidate{{Addr: netip.MustParseAddrPort("192.0.2.1:6464"), Kind: CandPublic}}
	f.Add(appendRegister(nil, registerMsg{Room: room, Key: key, Host: host, Seq: 1, Cands: cands}, key[:]))
	f.Add(appendChallenge(nil, challengeMsg{Room: room, Server: host}))
	f.Add(appendRegistered(nil, 1, cands[0].Addr, key[:]))
	f.Add(appendPairing(nil, msgPeer, connectMsg{Room: room, Cands: cands}, key[:]))
	f.Add(appendPing(nil, pingMsg{Role: roleHost}, punch))
	f.Add(appendPong(nil, [txLen]byte{}, cands[0].Addr, punch))
	f.Add(appendAlloc(nil, msgAllocated, allocMsg{Room: room, Relay: cands[0].Addr}, key[:]))
	f.Add(appendRefused(nil, room, [nonceLen]byte{}, refuseNoRoom))
	f.Fuzz(func(t *testing.T, pkt []byte) {
		orig := bytes.Clone(pkt)
		same := func(what string, b []byte) {
			if !bytes.Equal(b, pkt) {
				t.Fatalf("%s re-encodes %x as %x", what, pkt, b)
			}
		}
		if m, err := parseRegister(pkt); err == nil && registerOpened(pkt, key[:]) && bytes.Equal(appendCands(nil, m.Cands, true), pkt[registerLen-shortMAC-1-maxCands*candLen:registerLen-shortMAC]) {
			same("register", appendRegister(nil, m, key[:]))
		}
		if m, err := parseChallenge(pkt); err == nil {
			same("challenge", appendChallenge(nil, m))
		}
		parseRegistered(pkt, key[:])
		for _, typ := range []msgType{msgConnect, msgPeer} {
			parsePairing(pkt, typ, key[:])
		}
		if m, err := parsePing(pkt, punch); err == nil {
			same("ping", appendPing(nil, m, punch))
		}
		parsePong(pkt, punch)
		for _, typ := range []msgType{msgAllocate, msgAllocated, msgRelayBind, msgRelayBound} {
			parseAlloc(pkt, typ, key[:])
		}
		if r, n, why, err := parseRefused(pkt); err == nil {
			same("refused", appendRefused(nil, r, n, why))
		}
		parseSTUNRequest(pkt)
		parseSTUNResponse(pkt)
		parseAnswer(string(pkt), punch)
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
		parseSTUNResponse(ip)
		a, err := netip.ParseAddr(string(ip))
		if err != nil || port == 0 || a.Zone() != "" {
			return
		}
		ap := netip.AddrPortFrom(a.Unmap(), port)
		tx := [txLen]byte{1, 2, 3}
		gotTx, got, err := parseSTUNResponse(appendSTUNResponse(nil, tx, ap))
		if err != nil || got != ap || gotTx != tx {
			t.Fatalf("round trip of %v = %v, %v", ap, got, err)
		}
	})
}
