package rendezvous

import (
	"net"
	"net/netip"
)

// maxDatagram bounds every datagram the server reads: the largest control
// message, STUN request or relayed WireGuard datagram fits.
const maxDatagram = 2048

// PacketConn is the UDP socket the server reads and writes, a
// *net.UDPConn or a simulated one in tests. Reads must return an error
// wrapping [net.ErrClosed] once Close is called.
type PacketConn interface {
	ReadFromUDPAddrPort(b []byte) (int, netip.AddrPort, error)
	WriteToUDPAddrPort(b []byte, addr netip.AddrPort) (int, error)
	LocalAddr() net.Addr
	Close() error
}

// addrPortOf returns the address of a, unmapped, or the zero AddrPort.
func addrPortOf(a net.Addr) netip.AddrPort {
	ap, err := netip.ParseAddrPort(a.String())
	if err != nil {
		return netip.AddrPort{}
	}
	return netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port())
}

// udpAddr converts addr for net.ListenUDP, leaving an unspecified address
// out so the socket takes both IPv4 and IPv6.
func udpAddr(addr netip.AddrPort) *net.UDPAddr {
	if !addr.Addr().IsValid() || addr.Addr().IsUnspecified() {
		return &net.UDPAddr{Port: int(addr.Port())}
	}
	return net.UDPAddrFromAddrPort(addr)
}
