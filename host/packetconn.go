package host

import (
	"net"
	"net/netip"
)

// udpSocket adapts a net.PacketConn to netip.AddrPort addressing, using the
// allocation-free methods of *net.UDPConn when that is what it is. Tunnel
// and test sockets take the generic path.
type udpSocket struct {
	pc  net.PacketConn
	udp *net.UDPConn // pc, when it is one
}

func newUDPSocket(pc net.PacketConn) *udpSocket {
	s := &udpSocket{pc: pc}
	s.udp, _ = pc.(*net.UDPConn)
	return s
}

func (s *udpSocket) readFrom(b []byte) (int, netip.AddrPort, error) {
	if s.udp != nil {
		n, ap, err := s.udp.ReadFromUDPAddrPort(b)
		return n, unmapAddrPort(ap), err
	}
	n, addr, err := s.pc.ReadFrom(b)
	if err != nil {
		return n, netip.AddrPort{}, err
	}
	return n, addrPortOf(addr), nil
}

func (s *udpSocket) writeTo(b []byte, to netip.AddrPort) error {
	if s.udp != nil {
		_, err := s.udp.WriteToUDPAddrPort(b, to)
		return err
	}
	_, err := s.pc.WriteTo(b, net.UDPAddrFromAddrPort(to))
	return err
}

// addrPortOf converts a net.Addr from a PacketConn; unknown types give the
// zero AddrPort, which matches no member.
func addrPortOf(a net.Addr) netip.AddrPort {
	switch a := a.(type) {
	case *net.UDPAddr:
		return unmapAddrPort(a.AddrPort())
	case interface{ AddrPort() netip.AddrPort }:
		return unmapAddrPort(a.AddrPort())
	}
	ap, err := netip.ParseAddrPort(a.String())
	if err != nil {
		return netip.AddrPort{}
	}
	return unmapAddrPort(ap)
}

func unmapAddrPort(ap netip.AddrPort) netip.AddrPort {
	return netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port())
}
