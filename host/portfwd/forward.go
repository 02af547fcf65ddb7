package portfwd

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

// Bounds of one forward. A session port carries the cores of one
// machine: a frontend runs one, a test a few.
const (
	maxConns    = 8               // TCP connections at once
	maxSources  = 8               // UDP sources (cores) at once
	udpIdle     = 2 * time.Minute // a UDP source silent both ways this long is forgotten
	maxDatagram = 2048            // larger than any datagram of the core protocol
	dialTimeout = 10 * time.Second
)

// DialFunc connects to the far side: network is "tcp" or "udp".
type DialFunc = func(ctx context.Context, network, addr string) (net.Conn, error)

// Config says where a Forward carries its port.
type Config struct {
	// Target is the far side's "IP:port", for TCP and UDP alike.
	Target string
	// Dial connects to Target; nil is a plain net.Dialer.
	Dial DialFunc
	// Name names the port in the log, e.g. "game port 45001".
	Name string
	// Logf, if set, receives what fails.
	Logf func(format string, args ...any)
}

// Forward carries one port, TCP and UDP, from a local listener and
// socket to its Config's Target. Close stops it.
type Forward struct {
	// Immutable after Start.
	cfg    Config
	ln     net.Listener
	pc     net.PacketConn
	ctx    context.Context
	cancel context.CancelFunc
	conns  chan struct{} // one per TCP connection open
	wg     sync.WaitGroup

	mu      sync.Mutex
	sources map[netip.AddrPort]*upstream // guarded by mu
	closed  bool                         // guarded by mu
}

// Start forwards what ln accepts and pc receives until ctx ends or Close.
// The Forward owns ln and pc.
func Start(ctx context.Context, ln net.Listener, pc net.PacketConn, cfg Config) *Forward {
	if cfg.Dial == nil {
		var d net.Dialer
		cfg.Dial = d.DialContext
	}
	if cfg.Logf == nil {
		cfg.Logf = func(string, ...any) {}
	}
	f := &Forward{cfg: cfg, ln: ln, pc: pc, conns: make(chan struct{}, maxConns), sources: map[netip.AddrPort]*upstream{}}
	f.ctx, f.cancel = context.WithCancel(ctx)
	f.wg.Go(f.acceptLoop)
	f.wg.Go(f.udpLoop)
	return f
}

// Close stops the forward, closes its sockets and connections, and waits
// for its goroutines.
func (f *Forward) Close() {
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
// far side by its own dial.
func (f *Forward) acceptLoop() {
	for {
		c, err := f.ln.Accept()
		if err != nil {
			return
		}
		select {
		case f.conns <- struct{}{}:
		default:
			f.cfg.Logf("%s: more than %d connections at once; refused one", f.cfg.Name, maxConns)
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
func (f *Forward) carryTCP(c net.Conn) {
	defer c.Close()
	ctx, cancel := context.WithTimeout(f.ctx, dialTimeout)
	s, err := f.cfg.Dial(ctx, "tcp", f.cfg.Target)
	cancel()
	if err != nil {
		f.cfg.Logf("%s: cannot reach %s: %v", f.cfg.Name, f.cfg.Target, err)
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

// upstream is one local UDP source's socket toward the far side.
type upstream struct {
	from     netip.AddrPort
	conn     net.Conn
	lastSent atomic.Int64 // unix nanoseconds of the last datagram sent up
}

// udpLoop reads the cores' datagrams and sends each up its source's
// socket, made at its first datagram.
func (f *Forward) udpLoop() {
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

// upstreamFor returns from's socket toward the far side, dialing it the
// first time; nil if the port has its most sources or the dial fails.
func (f *Forward) upstreamFor(from netip.AddrPort) *upstream {
	f.mu.Lock()
	defer f.mu.Unlock()
	if u := f.sources[from]; u != nil || f.closed {
		return u
	}
	if len(f.sources) >= maxSources {
		return nil
	}
	ctx, cancel := context.WithTimeout(f.ctx, dialTimeout)
	defer cancel()
	c, err := f.cfg.Dial(ctx, "udp", f.cfg.Target)
	if err != nil {
		f.cfg.Logf("%s: cannot reach %s: %v", f.cfg.Name, f.cfg.Target, err)
		return nil
	}
	u := &upstream{from: from, conn: c}
	f.sources[from] = u
	f.wg.Go(func() { f.downLoop(u) })
	return u
}

// downLoop sends the far side's datagrams for one source back to it, until
// the source has been silent both ways for udpIdle.
func (f *Forward) downLoop(u *upstream) {
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
