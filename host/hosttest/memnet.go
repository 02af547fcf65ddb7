package hosttest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"os"
	"sync"
	"syscall"
	"time"
)

// In-memory network sizes: what a loopback socket buffers, roughly, so
// that a peer that stops reading makes writers wait and datagrams drop.
const (
	// StreamBuffer is how many bytes one direction of an in-memory stream
	// holds before Write waits for the reader.
	StreamBuffer = 64 << 10
	// PacketQueue is how many datagrams an in-memory packet conn holds
	// before further ones are dropped.
	PacketQueue = 512
)

// HostAddr is the address of the host's listener and packet conn on a
// [Network]; its machines are 10.0.0.2, 10.0.0.3, and so on.
var HostAddr = netip.MustParseAddrPort("10.0.0.1:6400")

// firstPort is the first port a machine dials from.
const firstPort = 49152

// Network is an in-memory network of one host and any number of client
// machines, for tests that must not use sockets, e.g. inside
// testing/synctest, where a goroutine blocked on a real socket keeps the
// fake clock from advancing. Everything in it blocks on channels and
// times out with the time package's timers, so it follows synctest's
// clock; it starts no goroutines.
//
// Streams behave like TCP: Write waits when StreamBuffer bytes are
// unread, Close lets the peer read what was written and then io.EOF.
// Datagrams behave like UDP: a full queue or an unknown address drops
// them silently.
//
// Create a Network with [NewNetwork] (inside the synctest bubble that uses
// it). Its methods are safe for concurrent use.
type Network struct {
	ln *listener
	pc *PacketConn

	mu        sync.Mutex
	closed    bool
	nextIP    netip.Addr
	endpoints map[netip.AddrPort]*PacketConn // datagram sockets by address
	conns     map[*conn]struct{}             // open stream ends, for Close
}

// NewNetwork returns a network whose host listens at [HostAddr].
func NewNetwork() *Network {
	n := &Network{
		nextIP:    HostAddr.Addr().Next(),
		endpoints: map[netip.AddrPort]*PacketConn{},
		conns:     map[*conn]struct{}{},
	}
	n.ln = &listener{net: n, backlog: make(chan *conn, 128), done: make(chan struct{})}
	n.pc = n.newPacketConn(HostAddr, netip.AddrPort{})
	return n
}

// Addr returns the host's address as "ip:port", for client.Dial.
func (n *Network) Addr() string { return HostAddr.String() }

// Listener returns the host's stream listener, for host.Host.Serve. Its
// Accept returns a [net.Conn] per Dial("tcp", …) whose RemoteAddr is the
// dialing machine's *net.TCPAddr.
func (n *Network) Listener() net.Listener { return n.ln }

// PacketConn returns the host's datagram socket, for host.Host.Serve.
// It reads datagrams as coming from the sender's *net.UDPAddr.
func (n *Network) PacketConn() net.PacketConn { return n.pc }

// Dial dials from a new machine, as [Network.NewDialer] does.
func (n *Network) Dial(ctx context.Context, network, addr string) (net.Conn, error) {
	return n.NewDialer().DialContext(ctx, network, addr)
}

// NewDialer returns a dialer for a new machine with an address of its
// own, so that the host can tell machines apart.
func (n *Network) NewDialer() *Dialer {
	n.mu.Lock()
	defer n.mu.Unlock()
	ip := n.nextIP
	n.nextIP = ip.Next()
	return &Dialer{net: n, ip: ip, nextPort: firstPort}
}

// Close closes the listener, every stream and every packet conn of the
// network. It is idempotent.
func (n *Network) Close() error {
	n.mu.Lock()
	n.closed = true
	var cs []*conn
	for c := range n.conns {
		cs = append(cs, c)
	}
	var ps []*PacketConn
	for _, p := range n.endpoints {
		ps = append(ps, p)
	}
	n.mu.Unlock()
	n.ln.Close()
	for _, c := range cs {
		c.Close()
	}
	for _, p := range ps {
		p.Close()
	}
	return nil
}

// A Dialer dials from one machine of a [Network]. Its methods are safe for
// concurrent use.
type Dialer struct {
	net *Network
	ip  netip.Addr

	mu       sync.Mutex
	nextPort uint16
}

// Addr returns the machine's address.
func (d *Dialer) Addr() netip.Addr { return d.ip }

// DialContext connects to addr, which must be the network's host address:
// "tcp" to its listener, "udp" to its packet conn (a connected datagram
// socket, as net.Dial("udp", …) returns). Its signature is that of
// client.Config.Dial.
func (d *Dialer) DialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	ap, err := netip.ParseAddrPort(addr)
	if err != nil {
		return nil, &net.OpError{Op: "dial", Net: network, Err: err}
	}
	d.mu.Lock()
	local := netip.AddrPortFrom(d.ip, d.nextPort)
	d.nextPort++
	d.mu.Unlock()
	n := d.net
	switch network {
	case "tcp", "tcp4":
		if ap != HostAddr {
			return nil, dialRefused(network, local, ap)
		}
		return n.ln.dial(ctx, local)
	case "udp", "udp4":
		n.mu.Lock()
		closed := n.closed
		n.mu.Unlock()
		if closed {
			return nil, dialRefused(network, local, ap)
		}
		return n.newPacketConn(local, ap), nil
	}
	return nil, &net.OpError{Op: "dial", Net: network, Err: net.UnknownNetworkError(network)}
}

func dialRefused(network string, local, remote netip.AddrPort) error {
	return &net.OpError{Op: "dial", Net: network, Source: tcpAddr(local), Addr: tcpAddr(remote), Err: syscall.ECONNREFUSED}
}

func tcpAddr(ap netip.AddrPort) *net.TCPAddr { return net.TCPAddrFromAddrPort(ap) }

// listener is the host's end of a Network's streams.
type listener struct {
	net     *Network
	backlog chan *conn // connections dialed and not yet accepted

	mu     sync.Mutex
	closed bool
	done   chan struct{} // closed by Close
}

func (l *listener) dial(ctx context.Context, local netip.AddrPort) (net.Conn, error) {
	if err := ctx.Err(); err != nil {
		return nil, &net.OpError{Op: "dial", Net: "tcp", Source: tcpAddr(local), Addr: tcpAddr(HostAddr), Err: err}
	}
	client, server := newConnPair(l.net, local, HostAddr)
	l.mu.Lock()
	defer l.mu.Unlock()
	if !l.closed {
		select {
		case l.backlog <- server:
			return client, nil
		default: // a full backlog refuses, as a closed port does
		}
	}
	client.Close()
	server.Close()
	return nil, dialRefused("tcp", local, HostAddr)
}

// Accept waits for the next connection. After Close it returns an error
// wrapping net.ErrClosed.
func (l *listener) Accept() (net.Conn, error) {
	select {
	case c := <-l.backlog:
		return c, nil
	case <-l.done:
		return nil, &net.OpError{Op: "accept", Net: "tcp", Addr: tcpAddr(HostAddr), Err: net.ErrClosed}
	}
}

// Close stops Accept and hangs up the connections not yet accepted.
func (l *listener) Close() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return &net.OpError{Op: "close", Net: "tcp", Addr: tcpAddr(HostAddr), Err: net.ErrClosed}
	}
	l.closed = true
	close(l.done)
	for {
		select {
		case c := <-l.backlog:
			c.Close()
		default:
			return nil
		}
	}
}

func (l *listener) Addr() net.Addr { return tcpAddr(HostAddr) }

// deadline is a read or write deadline: a channel closed when it passes,
// by a time.Timer, so that it follows a synctest bubble's clock.
type deadline struct {
	mu      sync.Mutex
	timer   *time.Timer
	gen     uint64        // counts set calls; a stale timer does nothing
	passed  chan struct{} // closed when the deadline passes
	expired bool          // passed is closed
}

func newDeadline() *deadline { return &deadline{passed: make(chan struct{})} }

// set moves the deadline to t; the zero t means none.
func (d *deadline) set(t time.Time) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.timer != nil {
		d.timer.Stop()
		d.timer = nil
	}
	d.gen++
	if d.expired {
		d.passed, d.expired = make(chan struct{}), false
	}
	if t.IsZero() {
		return
	}
	wait := time.Until(t)
	if wait <= 0 {
		close(d.passed)
		d.expired = true
		return
	}
	gen := d.gen
	d.timer = time.AfterFunc(wait, func() {
		d.mu.Lock()
		defer d.mu.Unlock()
		if d.gen == gen && !d.expired {
			close(d.passed)
			d.expired = true
		}
	})
}

// wait returns a channel closed when the deadline passes.
func (d *deadline) wait() <-chan struct{} {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.passed
}

func (d *deadline) stop() {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.timer != nil {
		d.timer.Stop()
		d.timer = nil
	}
	d.gen++
}

func (d *deadline) hasPassed() bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.expired
}

// pipe is one direction of a stream: a bounded byte buffer.
type pipe struct {
	mu      sync.Mutex
	buf     []byte
	eof     bool          // the writer closed: the reader gets io.EOF after buf
	broken  bool          // the reader closed: writes fail
	changed chan struct{} // closed at the next change; nil while nobody waits
}

func newPipe() *pipe { return &pipe{} }

// notifyLocked wakes everyone waiting for a change.
func (p *pipe) notifyLocked() {
	if p.changed != nil {
		close(p.changed)
		p.changed = nil
	}
}

// waitLocked returns a channel closed at the next change.
func (p *pipe) waitLocked() <-chan struct{} {
	if p.changed == nil {
		p.changed = make(chan struct{})
	}
	return p.changed
}

// conn is one end of an in-memory stream.
type conn struct {
	net           *Network
	local, remote netip.AddrPort
	in, out       *pipe
	rd, wd        *deadline
	done          chan struct{} // closed by Close
	closeOnce     sync.Once
}

func newConnPair(n *Network, a, b netip.AddrPort) (*conn, *conn) {
	ab, ba := newPipe(), newPipe()
	ca := &conn{net: n, local: a, remote: b, in: ba, out: ab, rd: newDeadline(), wd: newDeadline(), done: make(chan struct{})}
	cb := &conn{net: n, local: b, remote: a, in: ab, out: ba, rd: newDeadline(), wd: newDeadline(), done: make(chan struct{})}
	n.mu.Lock()
	n.conns[ca], n.conns[cb] = struct{}{}, struct{}{}
	n.mu.Unlock()
	return ca, cb
}

func (c *conn) opError(op string, err error) error {
	return &net.OpError{Op: op, Net: "tcp", Source: tcpAddr(c.local), Addr: tcpAddr(c.remote), Err: err}
}

func (c *conn) isClosed() bool {
	select {
	case <-c.done:
		return true
	default:
		return false
	}
}

// Read reads what the peer wrote, waiting for it until the read deadline.
func (c *conn) Read(b []byte) (int, error) {
	p := c.in
	for {
		if c.isClosed() {
			return 0, c.opError("read", net.ErrClosed)
		}
		if c.rd.hasPassed() {
			return 0, c.opError("read", os.ErrDeadlineExceeded)
		}
		p.mu.Lock()
		if len(p.buf) > 0 {
			n := copy(b, p.buf)
			p.buf = append(p.buf[:0], p.buf[n:]...)
			p.notifyLocked()
			p.mu.Unlock()
			return n, nil
		}
		if p.eof {
			p.mu.Unlock()
			return 0, io.EOF
		}
		changed := p.waitLocked()
		p.mu.Unlock()
		if len(b) == 0 {
			return 0, nil
		}
		select {
		case <-changed:
		case <-c.rd.wait():
		case <-c.done:
		}
	}
}

// Write writes all of b, waiting for room until the write deadline.
func (c *conn) Write(b []byte) (int, error) {
	p := c.out
	written := 0
	for {
		if c.isClosed() {
			return written, c.opError("write", net.ErrClosed)
		}
		if c.wd.hasPassed() {
			return written, c.opError("write", os.ErrDeadlineExceeded)
		}
		p.mu.Lock()
		if p.broken {
			p.mu.Unlock()
			return written, c.opError("write", syscall.EPIPE)
		}
		if room := StreamBuffer - len(p.buf); room > 0 && written < len(b) {
			k := min(room, len(b)-written)
			p.buf = append(p.buf, b[written:written+k]...)
			written += k
			p.notifyLocked()
		}
		if written == len(b) {
			p.mu.Unlock()
			return written, nil
		}
		changed := p.waitLocked()
		p.mu.Unlock()
		select {
		case <-changed:
		case <-c.wd.wait():
		case <-c.done:
		}
	}
}

// Close hangs up: the peer reads what is buffered, then io.EOF, and its
// writes fail. A second Close returns an error wrapping net.ErrClosed.
func (c *conn) Close() error {
	err := c.opError("close", net.ErrClosed)
	c.closeOnce.Do(func() {
		err = nil
		close(c.done)
		c.out.mu.Lock()
		c.out.eof = true
		c.out.notifyLocked()
		c.out.mu.Unlock()
		c.in.mu.Lock()
		c.in.broken = true
		c.in.buf = nil
		c.in.notifyLocked()
		c.in.mu.Unlock()
		c.rd.stop()
		c.wd.stop()
		c.net.mu.Lock()
		delete(c.net.conns, c)
		c.net.mu.Unlock()
	})
	return err
}

func (c *conn) LocalAddr() net.Addr  { return tcpAddr(c.local) }
func (c *conn) RemoteAddr() net.Addr { return tcpAddr(c.remote) }

func (c *conn) SetDeadline(t time.Time) error {
	c.rd.set(t)
	c.wd.set(t)
	return nil
}

func (c *conn) SetReadDeadline(t time.Time) error  { c.rd.set(t); return nil }
func (c *conn) SetWriteDeadline(t time.Time) error { c.wd.set(t); return nil }

// datagram is one datagram in a PacketConn's queue.
type datagram struct {
	from netip.AddrPort
	b    []byte
}

// PacketConn is a datagram socket of a [Network]: the host's, or a
// machine's from Dial("udp", …), which is connected to the host and so
// also a [net.Conn] (Read, Write and RemoteAddr, as a connected
// *net.UDPConn). Writes never wait: a datagram to an address nobody holds,
// or to a full queue, is dropped; a write after the write deadline fails.
// Its methods are safe for concurrent use.
type PacketConn struct {
	net    *Network
	local  netip.AddrPort
	peer   netip.AddrPort // the connected peer; zero if unconnected
	queue  chan datagram  // datagrams received and not yet read
	rd, wd *deadline

	done      chan struct{} // closed by Close
	closeOnce sync.Once
}

var (
	_ net.PacketConn = (*PacketConn)(nil)
	_ net.Conn       = (*PacketConn)(nil)
)

func (n *Network) newPacketConn(local, peer netip.AddrPort) *PacketConn {
	p := &PacketConn{
		net: n, local: local, peer: peer, queue: make(chan datagram, PacketQueue),
		rd: newDeadline(), wd: newDeadline(), done: make(chan struct{}),
	}
	n.mu.Lock()
	n.endpoints[local] = p
	n.mu.Unlock()
	return p
}

func (p *PacketConn) opError(op string, to netip.AddrPort, err error) error {
	var addr net.Addr
	if to.IsValid() {
		addr = net.UDPAddrFromAddrPort(to)
	}
	return &net.OpError{Op: op, Net: "udp", Source: net.UDPAddrFromAddrPort(p.local), Addr: addr, Err: err}
}

// ReadFrom reads the next datagram, truncated to len(b) as a UDP socket
// does, waiting for one until the read deadline. A connected PacketConn
// reads only its peer's datagrams.
func (p *PacketConn) ReadFrom(b []byte) (int, net.Addr, error) {
	n, from, err := p.read(b)
	if err != nil {
		return 0, nil, err
	}
	return n, net.UDPAddrFromAddrPort(from), nil
}

func (p *PacketConn) read(b []byte) (int, netip.AddrPort, error) {
	for {
		select {
		case <-p.done:
			return 0, netip.AddrPort{}, p.opError("read", netip.AddrPort{}, net.ErrClosed)
		default:
		}
		if p.rd.hasPassed() {
			return 0, netip.AddrPort{}, p.opError("read", netip.AddrPort{}, os.ErrDeadlineExceeded)
		}
		select {
		case d := <-p.queue:
			if p.peer.IsValid() && d.from != p.peer {
				continue
			}
			return copy(b, d.b), d.from, nil
		case <-p.rd.wait():
		case <-p.done:
		}
	}
}

// WriteTo sends b to addr, a *net.UDPAddr or anything whose String is
// "ip:port".
func (p *PacketConn) WriteTo(b []byte, addr net.Addr) (int, error) {
	var to netip.AddrPort
	switch a := addr.(type) {
	case *net.UDPAddr:
		to = a.AddrPort()
	default:
		var err error
		if addr == nil {
			err = errors.New("no address")
		} else if to, err = netip.ParseAddrPort(addr.String()); err != nil {
			err = fmt.Errorf("address %v: %w", addr, err)
		}
		if err != nil {
			return 0, p.opError("write", netip.AddrPort{}, err)
		}
	}
	return p.write(b, netip.AddrPortFrom(to.Addr().Unmap(), to.Port()))
}

func (p *PacketConn) write(b []byte, to netip.AddrPort) (int, error) {
	select {
	case <-p.done:
		return 0, p.opError("write", to, net.ErrClosed)
	default:
	}
	if p.wd.hasPassed() {
		return 0, p.opError("write", to, os.ErrDeadlineExceeded)
	}
	p.net.mu.Lock()
	dst := p.net.endpoints[to]
	p.net.mu.Unlock()
	if dst == nil {
		return len(b), nil // nobody there: lost, as UDP is
	}
	select {
	case dst.queue <- datagram{from: p.local, b: append([]byte(nil), b...)}:
	default: // a full queue drops it
	}
	return len(b), nil
}

// Read reads the next datagram from the connected peer.
func (p *PacketConn) Read(b []byte) (int, error) {
	n, _, err := p.read(b)
	return n, err
}

// Write sends b to the connected peer.
func (p *PacketConn) Write(b []byte) (int, error) {
	if !p.peer.IsValid() {
		return 0, p.opError("write", netip.AddrPort{}, errors.New("not connected"))
	}
	return p.write(b, p.peer)
}

// Close closes the socket; datagrams to its address are dropped from
// then on. A second Close returns an error wrapping net.ErrClosed.
func (p *PacketConn) Close() error {
	err := p.opError("close", netip.AddrPort{}, net.ErrClosed)
	p.closeOnce.Do(func() {
		err = nil
		close(p.done)
		p.rd.stop()
		p.wd.stop()
		p.net.mu.Lock()
		if p.net.endpoints[p.local] == p {
			delete(p.net.endpoints, p.local)
		}
		p.net.mu.Unlock()
	})
	return err
}

// LocalAddr returns the socket's *net.UDPAddr.
func (p *PacketConn) LocalAddr() net.Addr { return net.UDPAddrFromAddrPort(p.local) }

// RemoteAddr returns the connected peer's *net.UDPAddr, or nil.
func (p *PacketConn) RemoteAddr() net.Addr {
	if !p.peer.IsValid() {
		return nil
	}
	return net.UDPAddrFromAddrPort(p.peer)
}

// SetDeadline sets the read and write deadlines.
func (p *PacketConn) SetDeadline(t time.Time) error {
	p.rd.set(t)
	p.wd.set(t)
	return nil
}

// SetReadDeadline sets the time after which reads fail with an error
// wrapping os.ErrDeadlineExceeded; the zero time means never.
func (p *PacketConn) SetReadDeadline(t time.Time) error { p.rd.set(t); return nil }

// SetWriteDeadline sets the time after which writes fail with an error
// wrapping os.ErrDeadlineExceeded; the zero time means never.
func (p *PacketConn) SetWriteDeadline(t time.Time) error { p.wd.set(t); return nil }
