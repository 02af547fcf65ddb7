package natmsg

import (
	"encoding/binary"
	"errors"
	"fmt"
	"net/netip"
)

// The subset of STUN (RFC 5389) netpak needs: a binding request, and a
// binding response carrying XOR-MAPPED-ADDRESS (or the older
// MAPPED-ADDRESS). Any public STUN server answers these; so does netpak's
// own rendezvous server.
const (
	STUNCookie          = 0x2112A442 // RFC 5389 magic cookie
	STUNHeaderLen       = 20
	stunBindingRequest  = 0x0001
	stunBindingResponse = 0x0101
	stunAttrMapped      = 0x0001
	stunAttrXORMapped   = 0x0020
)

// ErrNotSTUN wraps every reason [ParseSTUNResponse] refuses a datagram.
var ErrNotSTUN = errors.New("not a stun binding response")

// stunSoftware names netpak in its binding requests (a SOFTWARE
// attribute, which servers may ignore). It pads a request to
// STUNRequestLen, the size of the largest answer (an IPv6 address), since
// netpak's server answers no request with more bytes than it got.
const (
	stunAttrSoftware = 0x8022
	stunSoftware     = "netpak (pads to answer)"
	STUNRequestLen   = STUNHeaderLen + 4 + len(stunSoftware) + 1
	stunMaxResponse  = STUNHeaderLen + 4 + 4 + 16
)

// AppendSTUNRequest appends a binding request with transaction id tx.
func AppendSTUNRequest(b []byte, tx [TxLen]byte) []byte {
	b = binary.BigEndian.AppendUint16(b, stunBindingRequest)
	b = binary.BigEndian.AppendUint16(b, uint16(STUNRequestLen-STUNHeaderLen))
	b = binary.BigEndian.AppendUint32(b, STUNCookie)
	b = append(b, tx[:]...)
	b = binary.BigEndian.AppendUint16(b, stunAttrSoftware)
	b = binary.BigEndian.AppendUint16(b, uint16(len(stunSoftware)))
	b = append(b, stunSoftware...)
	return append(b, 0) // attributes are padded to 4 bytes
}

// ParseSTUNRequest returns the transaction id of a binding request.
func ParseSTUNRequest(pkt []byte) ([TxLen]byte, bool) {
	if len(pkt) < STUNHeaderLen || !IsSTUN(pkt) || binary.BigEndian.Uint16(pkt) != stunBindingRequest {
		return [TxLen]byte{}, false
	}
	return [TxLen]byte(pkt[8:20]), true
}

// AppendSTUNResponse appends a binding response telling the requester the
// address it came from.
func AppendSTUNResponse(b []byte, tx [TxLen]byte, from netip.AddrPort) []byte {
	ip := from.Addr().Unmap()
	alen := 4
	family := byte(1)
	if ip.Is6() {
		alen, family = 16, 2
	}
	b = binary.BigEndian.AppendUint16(b, stunBindingResponse)
	b = binary.BigEndian.AppendUint16(b, uint16(4+4+alen))
	b = binary.BigEndian.AppendUint32(b, STUNCookie)
	b = append(b, tx[:]...)
	b = binary.BigEndian.AppendUint16(b, stunAttrXORMapped)
	b = binary.BigEndian.AppendUint16(b, uint16(4+alen))
	b = append(b, 0, family)
	b = binary.BigEndian.AppendUint16(b, from.Port()^uint16(STUNCookie>>16))
	return append(b, xorAddr(ip.AsSlice(), tx)...)
}

// xorAddr XORs an address with the cookie and transaction id (RFC 5389
// §15.2); it is its own inverse.
func xorAddr(a []byte, tx [TxLen]byte) []byte {
	var key [16]byte
	binary.BigEndian.PutUint32(key[:], STUNCookie)
	copy(key[4:], tx[:])
	out := make([]byte, len(a))
	for i := range a {
		out[i] = a[i] ^ key[i]
	}
	return out
}

// ParseSTUNResponse returns the transaction id and mapped address of a
// binding response. XOR-MAPPED-ADDRESS wins over MAPPED-ADDRESS.
func ParseSTUNResponse(pkt []byte) ([TxLen]byte, netip.AddrPort, error) {
	if len(pkt) < STUNHeaderLen || !IsSTUN(pkt) || binary.BigEndian.Uint16(pkt) != stunBindingResponse {
		return [TxLen]byte{}, netip.AddrPort{}, ErrNotSTUN
	}
	tx := [TxLen]byte(pkt[8:20])
	n := int(binary.BigEndian.Uint16(pkt[2:]))
	if n > len(pkt)-STUNHeaderLen {
		return tx, netip.AddrPort{}, fmt.Errorf("%w: attributes cut off", ErrNotSTUN)
	}
	var mapped netip.AddrPort
	for a := pkt[STUNHeaderLen : STUNHeaderLen+n]; len(a) >= 4; {
		typ, alen := binary.BigEndian.Uint16(a), int(binary.BigEndian.Uint16(a[2:]))
		if alen > len(a)-4 {
			return tx, netip.AddrPort{}, fmt.Errorf("%w: attribute cut off", ErrNotSTUN)
		}
		v := a[4 : 4+alen]
		switch typ {
		case stunAttrXORMapped:
			if ap, ok := stunAddr(v, true, tx); ok {
				return tx, ap, nil
			}
		case stunAttrMapped:
			if ap, ok := stunAddr(v, false, tx); ok {
				mapped = ap
			}
		}
		skip := 4 + (alen+3)&^3 // attributes are padded to 4 bytes
		if skip > len(a) {
			break
		}
		a = a[skip:]
	}
	if !mapped.IsValid() {
		return tx, mapped, fmt.Errorf("%w: no mapped address", ErrNotSTUN)
	}
	return tx, mapped, nil
}

func stunAddr(v []byte, xor bool, tx [TxLen]byte) (netip.AddrPort, bool) {
	if len(v) != 8 && len(v) != 20 {
		return netip.AddrPort{}, false
	}
	port := binary.BigEndian.Uint16(v[2:])
	a := v[4:]
	if xor {
		port ^= uint16(STUNCookie >> 16)
		a = xorAddr(a, tx)
	}
	ip, _ := netip.AddrFromSlice(a)
	if (v[1] == 1) != ip.Is4() || port == 0 {
		return netip.AddrPort{}, false
	}
	return netip.AddrPortFrom(ip.Unmap(), port), true
}
