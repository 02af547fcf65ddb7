package lobbyproxy

import (
	"context"
	"errors"
	"io"
	"net"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"
)

// Bounds of one forwarded game port. A game port serves the cores of one
// machine: a frontend runs one, a test a few.
const (
	maxConnsPerPort   = 8               // TCP connections at once
	maxSourcesPerPort = 8               // UDP sources (cores) at once
	udpIdle           = 2 * time.Minute // a UDP source silent both ways this long is forgotten
	maxDatagram       = 2048            // larger than any datagram of the core protocol
)

// forward carries one game port, TCP and UDP, between the local cores and
// the server.
type forward struct {
	// Immutable after newForward.
	m             *portMap
	server, local uint16
	ln            net.Listener
	pc            net.PacketConn
	ctx           context.Context
	cancel        context.CancelFunc
	conns         chan struct{} // one per TCP connection open
	wg            sync.WaitGroup

	mu      sync.Mutex
	sources map[netip.AddrPort]*upstream // guarded by mu
	closed  bool                         // guarded by mu
}

func newForward(m *portMap, server, local uint16, ln net.Listener, pc net.PacketConn) *forward {
	f := &forward{m: m, server: server, local: local, ln: ln, pc: pc,
		conns: make(chan struct{}, maxConnsPerPort), sources: map[netip.AddrPort]*upstream{}}
	f.ctx, f.cancel = context.WithCancel(m.ctx)
	return f
}

func (f *forward) start() {
	f.wg.Go(f.acceptLoop)
	f.wg.Go(f.udpLoop)
}

func (f *forward) close() {
	f.mu.Lock()
	f.closed = true
	ups := make([]*upstream, 0, len(f.sources))
	for _, u := range f.sources {
		ups = append(ups, u)
	}
	f.mu.Unlock()
	f.cancel()
	f.ln.Close()
	f.pc.Close()
	for _, u := range ups {
		u.conn.Close()
	}
	f.wg.Wait()
}

// acceptLoop takes the cores' TCP connections, each carried to the
// server's game port by its own dial.
func (f *forward) acceptLoop() {
	for {
		c, err := f.ln.Accept()
		if err != nil {
			return
		}
		select {
		case f.conns <- struct{}{}:
		default:
			f.m.logf("game port %d: more than %d connections at once; refused one", f.server, maxConnsPerPort)
			c.Close()
			continue
		}
		f.wg.Go(func() {
			defer func() { <-f.conns }()
			f.carryTCP(c)
		})
	}
}

// carryTCP copies both ways until either side ends, then closes both.
func (f *forward) carryTCP(c net.Conn) {
	defer c.Close()
	ctx, cancel := context.WithTimeout(f.ctx, dialTimeout)
	s, err := f.m.dial(ctx, "tcp", f.m.serverAddr(f.server))
	cancel()
	if err != nil {
		f.m.logf("game port %d: cannot reach the server through the VPN: %v", f.server, err)
		return
	}
	defer s.Close()
	stop := context.AfterFunc(f.ctx, func() { c.Close(); s.Close() })
	defer stop()
	done := make(chan struct{}, 1)
	go func() {
		io.Copy(s, c)
		done <- struct{}{}
	}()
	io.Copy(c, s)
	c.Close()
	s.Close()
	<-done
}

// upstream is one local UDP source's socket toward the server.
type upstream struct {
	from     netip.AddrPort
	conn     net.Conn
	lastSent atomic.Int64 // unix nanoseconds of the last datagram sent up
}

// udpLoop reads the cores' datagrams and sends each up its source's
// socket, made at its first datagram.
func (f *forward) udpLoop() {
	buf := make([]byte, maxDatagram)
	for {
		n, addr, err := f.pc.ReadFrom(buf)
		if err != nil {
			if errors.Is(err, net.ErrClosed) || f.ctx.Err() != nil {
				return
			}
			continue
		}
		from, _ := netip.ParseAddrPort(addr.String())
		u := f.upstreamFor(from)
		if u == nil {
			continue
		}
		u.lastSent.Store(time.Now().UnixNano())
		u.conn.Write(buf[:n]) // a datagram lost here is one the core sends again
	}
}

// upstreamFor returns from's socket toward the server, dialing it the
// first time; nil if the port has its most sources or the dial fails.
func (f *forward) upstreamFor(from netip.AddrPort) *upstream {
	f.mu.Lock()
	defer f.mu.Unlock()
	if u := f.sources[from]; u != nil || f.closed {
		return u
	}
	if len(f.sources) >= maxSourcesPerPort {
		return nil
	}
	ctx, cancel := context.WithTimeout(f.ctx, dialTimeout)
	defer cancel()
	c, err := f.m.dial(ctx, "udp", f.m.serverAddr(f.server))
	if err != nil {
		f.m.logf("game port %d: cannot reach the server through the VPN: %v", f.server, err)
		return nil
	}
	u := &upstream{from: from, conn: c}
	f.sources[from] = u
	f.wg.Go(func() { f.downLoop(u) })
	return u
}

// downLoop sends the server's datagrams for one source back to it, until
// the source has been silent both ways for udpIdle.
func (f *forward) downLoop(u *upstream) {
	defer func() {
		f.mu.Lock()
		delete(f.sources, u.from)
		f.mu.Unlock()
		u.conn.Close()
	}()
	buf := make([]byte, maxDatagram)
	to := net.UDPAddrFromAddrPort(u.from)
	for {
		u.conn.SetReadDeadline(time.Now().Add(udpIdle))
		n, err := u.conn.Read(buf)
		if err != nil {
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() && time.Since(time.Unix(0, u.lastSent.Load())) < udpIdle {
				continue
			}
			return
		}
		f.pc.WriteTo(buf[:n], to)
	}
}
