package udpsock

import (
	"errors"
	"net"
	"net/netip"
	"runtime"
	"syscall"
	"time"

	"github.com/netpak/netpak/host/wire"
	"golang.org/x/net/ipv4"
)

// Socket adapts a net.PacketConn to netip.AddrPort addressing, using the
// allocation-free methods of *net.UDPConn when that is what it is. Tunnel
// and test sockets take the generic path. On an IPv4 *net.UDPConn the
// datagrams of one relay go out in one sendmmsg call (Queue, then Flush)
// on Linux, the only system with sendmmsg.
type Socket struct {
	pc  net.PacketConn
	udp *net.UDPConn // pc, when it is one

	// Used by one goroutine at a time (the host holds its session lock).
	batch    *ipv4.PacketConn // nil when batching is not possible
	queued   []ipv4.Message
	deadline time.Time // the write deadline set on pc, for sockets that are not *net.UDPConn
}

// writeTimeout bounds a datagram write to a socket that is not a
// kernel UDP socket (a tunnel's): those writes are made with a session
// lock held, and a stuck network must not hold it. A kernel UDP socket
// never waits for its receivers.
const writeTimeout = 20 * time.Millisecond

// maxQueued bounds a relay's batch: one datagram per member at most.
const maxQueued = wire.MaxMembers

// New wraps pc.
func New(pc net.PacketConn) *Socket {
	s := &Socket{pc: pc}
	s.udp, _ = pc.(*net.UDPConn)
	if s.udp != nil && runtime.GOOS == "linux" { // elsewhere WriteBatch is sendmsg, and Windows has none
		if la, ok := s.udp.LocalAddr().(*net.UDPAddr); ok && la.IP.To4() != nil {
			s.batch = ipv4.NewPacketConn(s.udp)
			s.queued = make([]ipv4.Message, 0, maxQueued)
		}
	}
	return s
}

// Queue sends b to addr, or holds it for flush when batching. b must stay
// untouched until Flush.
func (s *Socket) Queue(b []byte, to netip.AddrPort, addr *net.UDPAddr) {
	if s.batch == nil || len(s.queued) == cap(s.queued) {
		s.WriteTo(b, to)
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

// Flush sends what Queue held back.
func (s *Socket) Flush() {
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

// ReadFrom reads one datagram; a datagram longer than b is cut short.
func (s *Socket) ReadFrom(b []byte) (int, netip.AddrPort, error) {
	if s.udp != nil {
		n, ap, err := s.udp.ReadFromUDPAddrPort(b)
		if errors.Is(err, wsaeMsgSize) {
			n, err = len(b), nil // cut short, as elsewhere; callers drop it as too long
		}
		return n, UnmapAddrPort(ap), err
	}
	n, addr, err := s.pc.ReadFrom(b)
	if err != nil {
		return n, netip.AddrPort{}, err
	}
	return n, AddrPortOf(addr), nil
}

// WriteTo sends one datagram at once.
func (s *Socket) WriteTo(b []byte, to netip.AddrPort) error {
	if s.udp != nil {
		_, err := s.udp.WriteToUDPAddrPort(b, to)
		return err
	}
	if now := time.Now(); s.deadline.Sub(now) < writeTimeout/2 {
		s.deadline = now.Add(writeTimeout)
		s.pc.SetWriteDeadline(s.deadline)
	}
	_, err := s.pc.WriteTo(b, net.UDPAddrFromAddrPort(to))
	return err
}

// AddrPortOf converts a net.Addr from a PacketConn; unknown types and nil
// (a closed tunnel connection has no remote address) give the zero
// AddrPort, which matches no member.
func AddrPortOf(a net.Addr) netip.AddrPort {
	if a == nil {
		return netip.AddrPort{}
	}
	switch a := a.(type) {
	case *net.UDPAddr:
		return UnmapAddrPort(a.AddrPort())
	case interface{ AddrPort() netip.AddrPort }:
		return UnmapAddrPort(a.AddrPort())
	}
	ap, err := netip.ParseAddrPort(a.String())
	if err != nil {
		return netip.AddrPort{}
	}
	return UnmapAddrPort(ap)
}

// UnmapAddrPort turns an IPv4-mapped IPv6 address into plain IPv4.
func UnmapAddrPort(ap netip.AddrPort) netip.AddrPort {
	return netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port())
}

// Pending reports whether Queue holds datagrams for Flush.
func (s *Socket) Pending() bool { return len(s.queued) > 0 }

// Close closes the socket.
func (s *Socket) Close() error { return s.pc.Close() }
