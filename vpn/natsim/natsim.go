package natsim

import (
	"fmt"
	"net"
	"net/netip"
	"sync"
	"sync/atomic"
)

// queueLen bounds each socket's receive queue; more is dropped, as a full
// kernel socket buffer would.
const queueLen = 512

// deliverer is a node on a LAN: a machine or a NAT's outside.
type deliverer interface {
	deliver(src, dst netip.AddrPort, pkt []byte)
}

// LAN is one address space: the Internet (see [NewInternet]) or the
// inside of a [NAT]. Methods are safe for concurrent use.
type LAN struct {
	gateway *NAT // nil for the Internet
	prefix  netip.Prefix

	mu    sync.Mutex
	nodes map[netip.Addr]deliverer // guarded by mu
	next  netip.Addr               // guarded by mu
}

// NewInternet returns the public network, 203.0.113.0/24 onward.
func NewInternet() *LAN {
	return newLAN(netip.MustParsePrefix("203.0.113.0/24"), nil)
}

func newLAN(p netip.Prefix, gw *NAT) *LAN {
	return &LAN{gateway: gw, prefix: p, nodes: map[netip.Addr]deliverer{}, next: p.Addr().Next()}
}

func (l *LAN) add(d deliverer) netip.Addr {
	l.mu.Lock()
	defer l.mu.Unlock()
	ip := l.next
	l.next = ip.Next()
	l.nodes[ip] = d
	return ip
}

// send routes a datagram inside the LAN, or out through its gateway.
func (l *LAN) send(src, dst netip.AddrPort, pkt []byte) {
	l.mu.Lock()
	d := l.nodes[dst.Addr()]
	l.mu.Unlock()
	switch {
	case d != nil:
		d.deliver(src, dst, pkt)
	case l.gateway != nil && !l.prefix.Contains(dst.Addr()):
		l.gateway.outbound(src, dst, pkt)
	}
}

// Machine is a computer on a LAN, with one address and any sockets.
type Machine struct {
	lan *LAN
	ip  netip.Addr

	mu    sync.Mutex
	socks map[uint16]*Conn // guarded by mu
	port  uint16           // guarded by mu; next ephemeral port
}

// Machine adds a computer to the LAN.
func (l *LAN) Machine() *Machine {
	m := &Machine{lan: l, socks: map[uint16]*Conn{}, port: 40000}
	m.ip = l.add(m)
	return m
}

// Addr returns the machine's address.
func (m *Machine) Addr() netip.Addr { return m.ip }

func (m *Machine) deliver(src, dst netip.AddrPort, pkt []byte) {
	m.mu.Lock()
	c := m.socks[dst.Port()]
	m.mu.Unlock()
	if c != nil {
		c.enqueue(src, pkt)
	}
}

// Listen opens a socket on port, or on a free port if port is 0.
func (m *Machine) Listen(port uint16) (*Conn, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if port == 0 {
		for m.socks[m.port] != nil {
			m.port++
		}
		port = m.port
		m.port++
	}
	if m.socks[port] != nil {
		return nil, fmt.Errorf("natsim: %v:%d in use", m.ip, port)
	}
	c := &Conn{m: m, local: netip.AddrPortFrom(m.ip, port), in: make(chan datagram, queueLen), closed: make(chan struct{})}
	m.socks[port] = c
	return c, nil
}

type datagram struct {
	from netip.AddrPort
	pkt  []byte
}

// Conn is a UDP socket on a simulated machine.
type Conn struct {
	m      *Machine
	local  netip.AddrPort
	in     chan datagram
	closed chan struct{}
	once   sync.Once

	Dropped atomic.Uint64 // datagrams lost to a full queue
}

func (c *Conn) enqueue(from netip.AddrPort, pkt []byte) {
	select {
	case c.in <- datagram{from, append([]byte(nil), pkt...)}:
	default:
		c.Dropped.Add(1)
	}
}

// ReadFromUDPAddrPort reads one datagram; after Close it returns
// net.ErrClosed.
func (c *Conn) ReadFromUDPAddrPort(b []byte) (int, netip.AddrPort, error) {
	select {
	case d := <-c.in:
		return copy(b, d.pkt), d.from, nil
	case <-c.closed:
		return 0, netip.AddrPort{}, net.ErrClosed
	}
}

// WriteToUDPAddrPort sends one datagram.
func (c *Conn) WriteToUDPAddrPort(b []byte, to netip.AddrPort) (int, error) {
	select {
	case <-c.closed:
		return 0, net.ErrClosed
	default:
	}
	c.m.lan.send(c.local, netip.AddrPortFrom(to.Addr().Unmap(), to.Port()), b)
	return len(b), nil
}

// LocalAddr returns the socket's address as a *net.UDPAddr.
func (c *Conn) LocalAddr() net.Addr { return net.UDPAddrFromAddrPort(c.local) }

// Close closes the socket. It is idempotent.
func (c *Conn) Close() error {
	c.once.Do(func() {
		close(c.closed)
		c.m.mu.Lock()
		delete(c.m.socks, c.local.Port())
		c.m.mu.Unlock()
	})
	return nil
}

// Mapping is how a NAT picks the public port for an outgoing flow
// (RFC 4787 §4.1).
type Mapping int

// Mappings.
const (
	EndpointIndependentMapping  Mapping = iota // one public port per inside socket ("cone")
	AddressPortDependentMapping                // a new public port per destination ("symmetric")
)

// Filtering is which inbound datagrams a NAT lets through to a mapping
// (RFC 4787 §5).
type Filtering int

// Filterings.
const (
	EndpointIndependentFiltering  Filtering = iota // anyone ("full cone")
	AddressDependentFiltering                      // addresses the inside sent to
	AddressPortDependentFiltering                  // address and port pairs the inside sent to ("port-restricted")
)

// NAT is a router between an outer LAN and its own inside LAN.
type NAT struct {
	mapping   Mapping
	filtering Filtering
	outer     *LAN
	inner     *LAN
	public    netip.Addr

	mu       sync.Mutex
	byInside map[flowKey]*binding      // guarded by mu
	byPort   map[uint16]*binding       // guarded by mu
	forwards map[uint16]netip.AddrPort // guarded by mu
	port     uint16                    // guarded by mu; next public port to try
}

type flowKey struct {
	inside netip.AddrPort
	remote netip.AddrPort // zero for endpoint-independent mapping
}

type binding struct {
	inside  netip.AddrPort
	port    uint16
	permits map[netip.AddrPort]bool
	addrs   map[netip.Addr]bool
}

// inside prefixes handed out, so each NAT's LAN differs.
var nextInside atomic.Uint32

// NAT adds a NAT router to the LAN and returns it; machines go on its
// [NAT.Inside] LAN.
func (l *LAN) NAT(m Mapping, f Filtering) *NAT {
	n := &NAT{mapping: m, filtering: f, outer: l, byInside: map[flowKey]*binding{},
		byPort: map[uint16]*binding{}, forwards: map[uint16]netip.AddrPort{}, port: 1024}
	i := nextInside.Add(1)
	n.inner = newLAN(netip.PrefixFrom(netip.AddrFrom4([4]byte{10, byte(i >> 8), byte(i), 0}), 24), n)
	n.public = l.add(n)
	return n
}

// Inside returns the NAT's inside LAN.
func (n *NAT) Inside() *LAN { return n.inner }

// Public returns the NAT's address on its outer LAN.
func (n *NAT) Public() netip.Addr { return n.public }

// Forward sends datagrams arriving at public port port to inside,
// whoever sent them; replies from inside leave from port. A forward added
// while the inside already talks keeps those flows on their ports, as a
// router's connection tracking does; new flows and replies to datagrams
// forwarded in use port.
func (n *NAT) Forward(port uint16, inside netip.AddrPort) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.forwards[port] = inside
	b := &binding{inside: inside, port: port, permits: map[netip.AddrPort]bool{}, addrs: map[netip.Addr]bool{}}
	n.byPort[port] = b
	n.byInside[flowKey{inside: inside}] = b
}

func (n *NAT) outbound(src, dst netip.AddrPort, pkt []byte) {
	n.mu.Lock()
	b := n.byInside[flowKey{inside: src, remote: dst}] // a flow already tracked
	if b == nil {
		key := flowKey{inside: src}
		if _, fwd := n.forwards[n.portOfInsideLocked(src)]; n.mapping == AddressPortDependentMapping && !fwd {
			key.remote = dst
		}
		if b = n.byInside[key]; b == nil {
			b = &binding{inside: src, port: n.freePortLocked(src.Port()), permits: map[netip.AddrPort]bool{}, addrs: map[netip.Addr]bool{}}
			n.byInside[key] = b
			n.byPort[b.port] = b
		}
	}
	b.permits[dst] = true
	b.addrs[dst.Addr()] = true
	from := netip.AddrPortFrom(n.public, b.port)
	n.mu.Unlock()
	n.outer.send(from, dst, pkt)
}

func (n *NAT) portOfInsideLocked(src netip.AddrPort) uint16 {
	if b := n.byInside[flowKey{inside: src}]; b != nil {
		return b.port
	}
	return 0
}

// freePortLocked keeps the inside port when it is free (as Linux does),
// else takes the next free one.
func (n *NAT) freePortLocked(want uint16) uint16 {
	if want != 0 && n.byPort[want] == nil && n.mapping == EndpointIndependentMapping {
		return want
	}
	for n.byPort[n.port] != nil || n.port < 1024 {
		n.port++
	}
	p := n.port
	n.port++
	return p
}

func (n *NAT) deliver(src, dst netip.AddrPort, pkt []byte) {
	n.mu.Lock()
	b := n.byPort[dst.Port()]
	_, fwd := n.forwards[dst.Port()]
	ok := b != nil && (fwd || n.filtering == EndpointIndependentFiltering ||
		n.filtering == AddressDependentFiltering && b.addrs[src.Addr()] ||
		n.filtering == AddressPortDependentFiltering && b.permits[src])
	var inside netip.AddrPort
	if ok {
		inside = b.inside
	}
	if ok && fwd {
		// The forwarded flow is tracked: replies to src leave from the
		// forwarded port, whatever port the inside used toward src before.
		n.byInside[flowKey{inside: inside, remote: src}] = b
	}
	n.mu.Unlock()
	if ok {
		n.inner.send(src, inside, pkt)
	}
}
