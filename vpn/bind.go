package vpn

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"

	"golang.zx2c4.com/wireguard/conn"
)

// maxDatagram bounds every datagram read from the shared socket. WireGuard
// packets for a 1280-byte tunnel MTU are at most 1280+32+16 bytes; the rest
// of the room covers control messages and STUN.
const maxDatagram = 2048

// Handler receives a datagram that is not WireGuard from the shared socket.
// It runs on the socket's reader goroutine: it must not block, and pkt is
// only valid during the call.
type Handler func(pkt []byte, from netip.AddrPort)

// BindStats counts datagrams the shared socket received, by kind.
type BindStats struct {
	WireGuard, Control, STUN, Other, Dropped uint64
}

// Bind is a WireGuard conn.Bind that owns one UDP socket and shares it
// between the WireGuard device and netpak's own traffic: control messages
// (join, and later rendezvous and punching) and STUN. A hole punched in a
// NAT exists only for the socket that punched it, so all of them must leave
// from the same port.
//
// The socket lives from [ListenBind] to [Bind.Shutdown]; the device may
// Open and Close the Bind in between (Close only stops delivery to the
// device). One reader goroutine classifies each datagram: WireGuard goes to
// the device, the rest to the handler set for its kind. Methods are safe
// for concurrent use.
type Bind struct {
	// Immutable after ListenBind.
	conn   PacketConn
	local  netip.AddrPort
	toDev  chan *datagram // WireGuard datagrams for the open device
	pool   sync.Pool
	closed chan struct{} // closed by Shutdown
	reader sync.WaitGroup

	control atomic.Pointer[Handler]
	stun    atomic.Pointer[Handler]
	alias   atomic.Pointer[alias] // a left path whose late WireGuard datagrams count as the new one
	stats   struct{ wg, control, stun, other, dropped atomic.Uint64 }

	mu   sync.Mutex
	stop chan struct{} // guarded by mu; non-nil while the device has it open
}

type datagram struct {
	buf  [maxDatagram]byte
	n    int
	from netip.AddrPort
}

var _ conn.Bind = (*Bind)(nil)

// ListenBind opens the shared UDP socket on addr. A zero addr listens on
// every interface on a port the system picks; an unspecified address with
// a port listens on every interface (IPv4 and IPv6 where the system allows
// one socket for both).
func ListenBind(addr netip.AddrPort) (*Bind, error) {
	c, err := net.ListenUDP("udp", udpAddr(addr))
	if err != nil {
		return nil, fmt.Errorf("listen udp %v: %w", addr, err)
	}
	// Every player's tunnel datagrams come here: the receive buffer of a
	// session port (host/listen.ReadBuffer, which vpn may not import),
	// which Windows grants as asked and Linux up to net.core.rmem_max.
	c.SetReadBuffer(sessionReadBuffer)
	return NewBind(c), nil
}

// sessionReadBuffer is the receive buffer the shared socket asks for.
const sessionReadBuffer = 4 << 20

// PacketConn is the datagram socket a [Bind] uses:
// *net.UDPConn, or a simulated socket in tests (see package vpn/natsim).
type PacketConn interface {
	ReadFromUDPAddrPort(b []byte) (int, netip.AddrPort, error)
	WriteToUDPAddrPort(b []byte, addr netip.AddrPort) (int, error)
	LocalAddr() net.Addr
	Close() error
}

// NewBind makes a Bind that owns c, an open socket. Reads must return
// net.ErrClosed once c is closed.
func NewBind(c PacketConn) *Bind {
	b := &Bind{
		conn:   c,
		local:  addrPortOf(c.LocalAddr()),
		toDev:  make(chan *datagram, 64),
		closed: make(chan struct{}),
	}
	b.pool.New = func() any { return new(datagram) }
	b.reader.Add(1)
	go b.readLoop()
	return b
}

// addrPortOf returns a socket address as an unmapped AddrPort.
func addrPortOf(a net.Addr) netip.AddrPort {
	ap, err := netip.ParseAddrPort(a.String())
	if err != nil {
		return netip.AddrPort{}
	}
	return netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port())
}

// udpAddr converts addr for net.ListenUDP; an unspecified address becomes
// nil IP so Go picks a dual-stack socket where it can.
func udpAddr(addr netip.AddrPort) *net.UDPAddr {
	if !addr.Addr().IsValid() || addr.Addr().IsUnspecified() {
		return &net.UDPAddr{Port: int(addr.Port())}
	}
	return net.UDPAddrFromAddrPort(addr)
}

// LocalAddr returns the socket's local address.
func (b *Bind) LocalAddr() netip.AddrPort { return b.local }

// SetControlHandler sets the handler for netpak control messages (those
// starting with the control magic). nil drops them.
func (b *Bind) SetControlHandler(h Handler) { b.control.Store(&h) }

// SetSTUNHandler sets the handler for STUN messages. nil drops them.
func (b *Bind) SetSTUNHandler(h Handler) { b.stun.Store(&h) }

// WriteTo sends one datagram that is not WireGuard (a control message or
// STUN) from the shared socket.
func (b *Bind) WriteTo(pkt []byte, to netip.AddrPort) error {
	if _, err := b.conn.WriteToUDPAddrPort(pkt, to); err != nil {
		return fmt.Errorf("send to %v: %w", to, err)
	}
	return nil
}

// Stats returns the counts of datagrams received so far.
func (b *Bind) Stats() BindStats {
	return BindStats{
		WireGuard: b.stats.wg.Load(),
		Control:   b.stats.control.Load(),
		STUN:      b.stats.stun.Load(),
		Other:     b.stats.other.Load(),
		Dropped:   b.stats.dropped.Load(),
	}
}

// Shutdown closes the socket and waits for the reader goroutine. It is
// idempotent. Close the device first.
func (b *Bind) Shutdown() error {
	select {
	case <-b.closed:
		return nil
	default:
	}
	close(b.closed)
	err := b.conn.Close()
	b.reader.Wait()
	b.Close()
	return err
}

func (b *Bind) readLoop() {
	defer b.reader.Done()
	for {
		d := b.pool.Get().(*datagram)
		n, from, err := b.conn.ReadFromUDPAddrPort(d.buf[:])
		if err != nil {
			b.pool.Put(d)
			if errors.Is(err, net.ErrClosed) {
				return
			}
			// Errors such as ICMP port-unreachable reports (Windows)
			// concern one datagram; the socket is still good.
			b.stats.dropped.Add(1)
			continue
		}
		d.n, d.from = n, netip.AddrPortFrom(from.Addr().Unmap(), from.Port())
		b.dispatch(d)
	}
}

// dispatch routes one datagram by kind. WireGuard is tested first: a STUN
// test alone would take a WireGuard packet whose receiver index happens to
// equal the STUN cookie.
func (b *Bind) dispatch(d *datagram) {
	pkt := d.buf[:d.n]
	switch classify(pkt) {
	case kindWireGuard:
		b.stats.wg.Add(1)
		if a := b.alias.Load(); a != nil && a.old == d.from && time.Now().Before(a.until) {
			d.from = a.now
		}
		b.toDevice(d)
		return
	case kindControl:
		b.stats.control.Add(1)
		b.handle(b.control.Load(), pkt, d.from)
	case kindSTUN:
		b.stats.stun.Add(1)
		b.handle(b.stun.Load(), pkt, d.from)
	default:
		b.stats.other.Add(1)
	}
	b.pool.Put(d)
}

// alias is an address left behind, the one that replaced it, and until
// when datagrams from the old one are taken as from the new one.
type alias struct {
	old, now netip.AddrPort
	until    time.Time
}

// Alias makes WireGuard datagrams from old look as if they came from now,
// for d. A tunnel that moved off a relay does this: the host's packets
// still in flight through the relay arrive and count, but WireGuard, which
// follows the source of every authenticated packet, does not roam back to
// the relay; the host roams to the direct path at the next packet it gets.
func (b *Bind) Alias(old, now netip.AddrPort, d time.Duration) {
	b.alias.Store(&alias{old: old, now: now, until: time.Now().Add(d)})
}

func (b *Bind) handle(h *Handler, pkt []byte, from netip.AddrPort) {
	if h == nil || *h == nil {
		b.stats.dropped.Add(1)
		return
	}
	(*h)(pkt, from)
}

// toDevice hands d to the device, blocking while the device is busy (the
// kernel's socket buffer absorbs bursts) and dropping it when no device has
// the Bind open.
func (b *Bind) toDevice(d *datagram) {
	b.mu.Lock()
	stop := b.stop
	b.mu.Unlock()
	if stop == nil {
		b.stats.dropped.Add(1)
		b.pool.Put(d)
		return
	}
	select {
	case b.toDev <- d:
	case <-stop:
		b.stats.dropped.Add(1)
		b.pool.Put(d)
	case <-b.closed:
		b.pool.Put(d)
	}
}

// Open implements conn.Bind. The port is fixed by ListenBind, so port is
// ignored and the socket's own port is reported.
func (b *Bind) Open(port uint16) ([]conn.ReceiveFunc, uint16, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	select {
	case <-b.closed:
		return nil, 0, net.ErrClosed
	default:
	}
	if b.stop != nil {
		return nil, 0, conn.ErrBindAlreadyOpen
	}
	b.stop = make(chan struct{})
	return []conn.ReceiveFunc{b.receiveFunc(b.stop)}, b.local.Port(), nil
}

func (b *Bind) receiveFunc(stop <-chan struct{}) conn.ReceiveFunc {
	return func(packets [][]byte, sizes []int, eps []conn.Endpoint) (int, error) {
		select {
		case d := <-b.toDev:
			sizes[0] = copy(packets[0], d.buf[:d.n])
			eps[0] = endpoint(d.from)
			b.pool.Put(d)
			return 1, nil
		case <-stop:
			return 0, net.ErrClosed
		}
	}
}

// Close implements conn.Bind: the device's receive functions return
// net.ErrClosed. The socket stays open for netpak's own traffic.
func (b *Bind) Close() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.stop != nil {
		close(b.stop)
		b.stop = nil
	}
	return nil
}

// SetMark implements conn.Bind; netpak does not mark packets.
func (b *Bind) SetMark(uint32) error { return nil }

// BatchSize implements conn.Bind: one datagram per call.
func (b *Bind) BatchSize() int { return 1 }

// Send implements conn.Bind.
func (b *Bind) Send(bufs [][]byte, ep conn.Endpoint) error {
	e, ok := ep.(endpoint)
	if !ok {
		return conn.ErrWrongEndpointType
	}
	for _, buf := range bufs {
		if _, err := b.conn.WriteToUDPAddrPort(buf, netip.AddrPort(e)); err != nil {
			return err
		}
	}
	return nil
}

// ParseEndpoint implements conn.Bind.
func (b *Bind) ParseEndpoint(s string) (conn.Endpoint, error) {
	ap, err := netip.ParseAddrPort(s)
	if err != nil {
		return nil, err
	}
	return endpoint(netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port())), nil
}

// endpoint is a peer's UDP address; the Bind does not pin source addresses.
type endpoint netip.AddrPort

func (e endpoint) ClearSrc()           {}
func (e endpoint) SrcToString() string { return "" }
func (e endpoint) DstToString() string { return netip.AddrPort(e).String() }
func (e endpoint) DstIP() netip.Addr   { return netip.AddrPort(e).Addr() }
func (e endpoint) SrcIP() netip.Addr   { return netip.Addr{} }
func (e endpoint) DstToBytes() []byte {
	b, _ := netip.AddrPort(e).MarshalBinary()
	return b
}
