package vpn

import (
	"context"
	"fmt"
	"net/netip"
	"os"
	"sync"
	"syscall"

	"golang.zx2c4.com/wireguard/tun"
	"gvisor.dev/gvisor/pkg/buffer"
	"gvisor.dev/gvisor/pkg/tcpip"
	"gvisor.dev/gvisor/pkg/tcpip/adapters/gonet"
	"gvisor.dev/gvisor/pkg/tcpip/header"
	"gvisor.dev/gvisor/pkg/tcpip/link/channel"
	"gvisor.dev/gvisor/pkg/tcpip/network/ipv4"
	"gvisor.dev/gvisor/pkg/tcpip/network/ipv6"
	"gvisor.dev/gvisor/pkg/tcpip/stack"
	"gvisor.dev/gvisor/pkg/tcpip/transport/icmp"
	"gvisor.dev/gvisor/pkg/tcpip/transport/tcp"
	"gvisor.dev/gvisor/pkg/tcpip/transport/udp"
)

// userStack is the TUN device WireGuard reads from and writes to, backed by
// a gVisor network stack in this process, and the dialer and listener
// factory on that stack.
//
// It replaces wireguard-go's tun/netstack, whose Close closes a channel
// that gVisor's link endpoint sends on from whatever goroutine wrote a
// packet (an ICMP error for a datagram WireGuard just delivered, a TCP
// retransmission), outside any lock: a send on a closed channel. Here no
// goroutine but Close's own ever closes anything another goroutine sends
// on. Read takes packets straight from the endpoint's queue, whose
// channel gVisor closes under the same lock its writers check; Close
// cancels the read, then takes the NIC away and closes the stack, so no
// more packets are made, then the endpoint. The events channel has one
// sender, newUserStack, which is done before anyone can call Close.
//
// Methods are safe for concurrent use; Close is idempotent.
type userStack struct {
	// Immutable after newUserStack.
	ep     *channel.Endpoint
	stack  *stack.Stack
	events chan tun.Event
	mtu    int
	ctx    context.Context // ends at Close; ends a blocked Read
	cancel context.CancelFunc
	closer sync.Once
}

const stackNIC = 1

// newUserStack makes a stack with the single address addr.
func newUserStack(addr netip.Addr, mtu int) (*userStack, error) {
	s := &userStack{
		ep: channel.New(1024, uint32(mtu), ""),
		stack: stack.New(stack.Options{
			NetworkProtocols:   []stack.NetworkProtocolFactory{ipv4.NewProtocol, ipv6.NewProtocol},
			TransportProtocols: []stack.TransportProtocolFactory{tcp.NewProtocol, udp.NewProtocol, icmp.NewProtocol4, icmp.NewProtocol6},
			HandleLocal:        true,
		}),
		events: make(chan tun.Event, 1),
		mtu:    mtu,
	}
	s.ctx, s.cancel = context.WithCancel(context.Background())
	sack := tcpip.TCPSACKEnabled(true)
	if err := s.stack.SetTransportProtocolOption(tcp.ProtocolNumber, &sack); err != nil {
		s.Close()
		return nil, fmt.Errorf("enable tcp sack: %v", err)
	}
	if err := s.stack.CreateNIC(stackNIC, s.ep); err != nil {
		s.Close()
		return nil, fmt.Errorf("create nic: %v", err)
	}
	proto, route := ipv4.ProtocolNumber, header.IPv4EmptySubnet
	if addr.Is6() {
		proto, route = ipv6.ProtocolNumber, header.IPv6EmptySubnet
	}
	pa := tcpip.ProtocolAddress{Protocol: proto, AddressWithPrefix: tcpip.AddrFromSlice(addr.AsSlice()).WithPrefix()}
	if err := s.stack.AddProtocolAddress(stackNIC, pa, stack.AddressProperties{}); err != nil {
		s.Close()
		return nil, fmt.Errorf("add address %v: %v", addr, err)
	}
	s.stack.AddRoute(tcpip.Route{Destination: route, NIC: stackNIC})
	s.events <- tun.EventUp
	return s, nil
}

func (s *userStack) Name() (string, error)    { return "netpak", nil }
func (s *userStack) File() *os.File           { return nil }
func (s *userStack) Events() <-chan tun.Event { return s.events }
func (s *userStack) MTU() (int, error)        { return s.mtu, nil }
func (s *userStack) BatchSize() int           { return 1 }

// Read hands WireGuard one packet the stack sent. It returns os.ErrClosed
// once the device is closed.
func (s *userStack) Read(bufs [][]byte, sizes []int, offset int) (int, error) {
	pkt := s.ep.ReadContext(s.ctx) // nil when cancelled or the queue is closed
	if pkt == nil {
		return 0, os.ErrClosed
	}
	view := pkt.ToView()
	pkt.DecRef()
	n, err := view.Read(bufs[0][offset:])
	view.Release()
	if err != nil {
		return 0, err
	}
	sizes[0] = n
	return 1, nil
}

// Write gives the stack packets WireGuard received. After Close the
// endpoint has no stack attached and drops them.
func (s *userStack) Write(bufs [][]byte, offset int) (int, error) {
	if s.ctx.Err() != nil {
		return 0, os.ErrClosed
	}
	for _, b := range bufs {
		p := b[offset:]
		if len(p) == 0 {
			continue
		}
		var proto tcpip.NetworkProtocolNumber
		switch p[0] >> 4 {
		case 4:
			proto = header.IPv4ProtocolNumber
		case 6:
			proto = header.IPv6ProtocolNumber
		default:
			return 0, syscall.EAFNOSUPPORT
		}
		pkb := stack.NewPacketBuffer(stack.PacketBufferOptions{Payload: buffer.MakeWithData(p)})
		s.ep.InjectInbound(proto, pkb)
		pkb.DecRef()
	}
	return len(bufs), nil
}

// Close ends Read, stops the stack and waits for its workers, then closes
// the endpoint, in that order. It is idempotent.
func (s *userStack) Close() error {
	s.closer.Do(func() {
		s.cancel()
		s.stack.RemoveNIC(stackNIC)
		s.stack.Close()
		s.stack.Wait() // its workers, so none outlives the device
		s.ep.Close()
		close(s.events)
	})
	return nil
}

func fullAddr(ap netip.AddrPort) (tcpip.FullAddress, tcpip.NetworkProtocolNumber) {
	proto := ipv4.ProtocolNumber
	if ap.Addr().Is6() {
		proto = ipv6.ProtocolNumber
	}
	fa := tcpip.FullAddress{NIC: stackNIC, Port: ap.Port()}
	if ap.Addr().IsValid() {
		fa.Addr = tcpip.AddrFromSlice(ap.Addr().AsSlice())
	}
	return fa, proto
}

// dialTCP connects to addr through the stack.
func (s *userStack) dialTCP(ctx context.Context, addr netip.AddrPort) (*gonet.TCPConn, error) {
	fa, proto := fullAddr(addr)
	return gonet.DialContextTCP(ctx, s.stack, fa, proto)
}

// listenTCP listens at addr on the stack.
func (s *userStack) listenTCP(addr netip.AddrPort) (*gonet.TCPListener, error) {
	fa, proto := fullAddr(addr)
	return gonet.ListenTCP(s.stack, fa, proto)
}

// dialUDP opens a UDP socket connected to raddr, from an address the stack
// picks.
func (s *userStack) dialUDP(raddr netip.AddrPort) (*gonet.UDPConn, error) {
	fa, proto := fullAddr(raddr)
	return gonet.DialUDP(s.stack, nil, &fa, proto)
}

// listenUDP opens an unconnected UDP socket at laddr.
func (s *userStack) listenUDP(laddr netip.AddrPort) (*gonet.UDPConn, error) {
	fa, proto := fullAddr(laddr)
	return gonet.DialUDP(s.stack, &fa, nil, proto)
}
