package host

import (
	"errors"
	"github.com/netpak/netpak/host/wire"
	"net"
	"net/netip"
	"runtime"
	"syscall"
	"time"

	"golang.org/x/net/ipv4"
)

// udpSocket adapts a net.PacketConn to netip.AddrPort addressing, using the
// allocation-free methods of *net.UDPConn when that is what it is. Tunnel
// and test sockets take the generic path. On an IPv4 *net.UDPConn the
// datagrams of one relay go out in one sendmmsg call (queue, then flush)
// on Linux, the only system with sendmmsg.
type udpSocket struct {
	pc  net.PacketConn
	udp *net.UDPConn // pc, when it is one

	// Used only by the goroutine holding Host.mu.
	batch    *ipv4.PacketConn // nil when batching is not possible
	queued   []ipv4.Message
	deadline time.Time // the write deadline set on pc, for sockets that are not *net.UDPConn
}

// udpWriteTimeout bounds a datagram write to a socket that is not a
// kernel UDP socket (a tunnel's): those writes are made with a session
// lock held, and a stuck network must not hold it. A kernel UDP socket
// never waits for its receivers.
const udpWriteTimeout = 20 * time.Millisecond

// maxQueued bounds a relay's batch: one datagram per member at most.
const maxQueued = wire.MaxMembers

func newUDPSocket(pc net.PacketConn) *udpSocket {
	s := &udpSocket{pc: pc}
	s.udp, _ = pc.(*net.UDPConn)
	if s.udp != nil && runtime.GOOS == "linux" { // elsewhere WriteBatch is sendmsg, and Windows has none
		if la, ok := s.udp.LocalAddr().(*net.UDPAddr); ok && la.IP.To4() != nil {
			s.batch = ipv4.NewPacketConn(s.udp)
			s.queued = make([]ipv4.Message, 0, maxQueued)
		}
	}
	return s
}

// queue sends b to addr, or holds it for flush when batching. b must stay
// untouched until flush.
func (s *udpSocket) queue(b []byte, to netip.AddrPort, addr *net.UDPAddr) {
	if s.batch == nil || len(s.queued) == cap(s.queued) {
		s.writeTo(b, to)
		return
	}
	n := len(s.queued)
	s.queued = s.queued[:n+1]
	m := &s.queued[n]
	if m.Buffers == nil {
		m.Buffers = make([][]byte, 1)
	}
	m.Buffers[0], m.Addr = b, addr
}

// flush sends what queue held back.
func (s *udpSocket) flush() {
	q := s.queued
	for len(q) > 0 {
		n, err := s.batch.WriteBatch(q, 0)
		if err != nil || n <= 0 {
			break // the receivers resend their acks; nothing is lost for good
		}
		q = q[n:]
	}
	s.queued = s.queued[:0]
}

// wsaeMsgSize is Windows' WSAEMSGSIZE: a datagram larger than the buffer
// is an error there instead of being cut short.
const wsaeMsgSize syscall.Errno = 10040

func (s *udpSocket) readFrom(b []byte) (int, netip.AddrPort, error) {
	if s.udp != nil {
		n, ap, err := s.udp.ReadFromUDPAddrPort(b)
		if errors.Is(err, wsaeMsgSize) {
			n, err = len(b), nil // cut short, as elsewhere; callers drop it as too long
		}
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
	if now := time.Now(); s.deadline.Sub(now) < udpWriteTimeout/2 {
		s.deadline = now.Add(udpWriteTimeout)
		s.pc.SetWriteDeadline(s.deadline)
	}
	_, err := s.pc.WriteTo(b, net.UDPAddrFromAddrPort(to))
	return err
}

// addrPortOf converts a net.Addr from a PacketConn; unknown types and nil
// (a closed tunnel connection has no remote address) give the zero
// AddrPort, which matches no member.
func addrPortOf(a net.Addr) netip.AddrPort {
	if a == nil {
		return netip.AddrPort{}
	}
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
