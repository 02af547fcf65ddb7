package vpn

import "github.com/netpak/netpak/vpn/natmsg"

// packetKind is what a datagram on the shared socket carries.
type packetKind int

const (
	kindOther     packetKind = iota // unknown; dropped
	kindWireGuard                   // WireGuard message types 1..4
	kindControl                     // netpak control message ([natmsg.Magic])
	kindSTUN                        // RFC 5389 STUN
)

func classify(pkt []byte) packetKind {
	switch {
	case isWireGuard(pkt):
		return kindWireGuard
	case natmsg.IsControl(pkt):
		return kindControl
	case natmsg.IsSTUN(pkt):
		return kindSTUN
	}
	return kindOther
}

func isWireGuard(pkt []byte) bool {
	return len(pkt) >= 4 && pkt[0] >= 1 && pkt[0] <= 4 && pkt[1] == 0 && pkt[2] == 0 && pkt[3] == 0
}
