package rendezvous

import (
	"net/netip"
	"testing"

	"github.com/netpak/netpak/vpn/natmsg"
)

// FuzzRendezvous feeds any datagram to the rendezvous server's main port
// and to a relay port, from a host's and a stranger's address: no panic,
// and the tables stay within their limits.
func FuzzRendezvous(f *testing.F) {
	secret := [natmsg.SecretLen]byte(seq(natmsg.SecretLen, 0xb0))
	key := natmsg.RendezvousKey(secret)
	room := natmsg.RoomOf(public(testKey(0x70)), key)
	f.Add(natmsg.AppendRegister(nil, natmsg.Register{Room: room, Key: key, Host: public(testKey(0x70)), Seq: 20}, nil), false)
	f.Add(natmsg.AppendPairing(nil, natmsg.TypeConnect, natmsg.Pairing{Room: room}, key[:]), false)
	f.Add(natmsg.AppendAlloc(nil, natmsg.TypeAllocate, natmsg.Alloc{Room: room}, key[:]), false)
	f.Add(natmsg.AppendAlloc(nil, natmsg.TypeRelayBind, natmsg.Alloc{Room: room, Nonce: [natmsg.NonceLen]byte{7}, Role: natmsg.RolePlayer}, key[:]), true)
	f.Add(natmsg.AppendSTUNRequest(nil, [natmsg.TxLen]byte{1}), false)
	f.Add([]byte{4, 0, 0, 0, 1}, true)
	f.Fuzz(func(t *testing.T, pkt []byte, toRelay bool) {
		fx := newRdvFixture(t, Config{MaxRooms: 2, MaxRelays: 1})
		room := fx.room
		fx.r.handle(natmsg.AppendAlloc(nil, natmsg.TypeAllocate, natmsg.Alloc{Room: room, Nonce: [natmsg.NonceLen]byte{7}}, key[:]), fx.hostAP)
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
