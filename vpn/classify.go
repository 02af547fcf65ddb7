package vpn

import "encoding/binary"

// packetKind is what a datagram on the shared socket carries.
type packetKind int

const (
	kindOther     packetKind = iota // unknown; dropped
	kindWireGuard                   // WireGuard message types 1..4
	kindControl                     // netpak control message (controlMagic)
	kindSTUN                        // RFC 5389 STUN
)

// controlMagic starts every netpak control message. 0xFE can begin neither
// a WireGuard message (a little-endian type 1..4 then three zero bytes) nor
// a STUN message (top two bits zero).
var controlMagic = [4]byte{0xFE, 'N', 'P', 'K'}

const stunCookie = 0x2112A442

func classify(pkt []byte) packetKind {
	switch {
	case isWireGuard(pkt):
		return kindWireGuard
	case len(pkt) >= len(controlMagic) && [4]byte(pkt[:4]) == controlMagic:
		return kindControl
	case isSTUN(pkt):
		return kindSTUN
	}
	return kindOther
}

func isWireGuard(pkt []byte) bool {
	return len(pkt) >= 4 && pkt[0] >= 1 && pkt[0] <= 4 && pkt[1] == 0 && pkt[2] == 0 && pkt[3] == 0
}

func isSTUN(pkt []byte) bool {
	return len(pkt) >= 20 && pkt[0]&0xC0 == 0 && binary.BigEndian.Uint32(pkt[4:8]) == stunCookie
}
