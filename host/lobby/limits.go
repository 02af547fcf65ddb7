package lobby

import (
	"net"
	"net/netip"
	"sync"

	"github.com/netpak/netpak/host/limit"
)

func addrOf(a net.Addr) netip.Addr {
	if ta, ok := a.(*net.TCPAddr); ok {
		return ta.AddrPort().Addr().Unmap()
	}
	ap, _ := netip.ParseAddrPort(a.String())
	return ap.Addr().Unmap()
}

// connLimiter counts open connections, in all and per source. Its
// methods are safe for concurrent use.
type connLimiter struct {
	max, perSource int

	mu      sync.Mutex
	total   int
	bySrc   map[netip.Prefix]int
	refused uint64
}

func newConnLimiter(max, perSource int) *connLimiter {
	return &connLimiter{max: max, perSource: perSource, bySrc: make(map[netip.Prefix]int)}
}

// acquire counts a connection from src, or reports false at a limit.
func (l *connLimiter) acquire(src netip.Prefix) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.total >= l.max || l.bySrc[src] >= l.perSource {
		l.refused++
		return false
	}
	l.total++
	l.bySrc[src]++
	return true
}

func (l *connLimiter) release(src netip.Prefix) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.total--
	if l.bySrc[src]--; l.bySrc[src] <= 0 {
		delete(l.bySrc, src)
	}
}

// counts returns the open connections and the refusals so far.
func (l *connLimiter) counts() (open int, refused uint64) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.total, l.refused
}

// limitListener refuses, at Accept, connections beyond its limiter's
// bounds: they are closed before a goroutine or a buffer exists for them.
type limitListener struct {
	net.Listener
	lim    *connLimiter
	banned func(netip.Prefix) bool
}

func (l *limitListener) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		src := limit.Source(addrOf(c.RemoteAddr()))
		if l.banned(src) || !l.lim.acquire(src) {
			c.Close()
			continue
		}
		return &limitedConn{Conn: c, release: sync.OnceFunc(func() { l.lim.release(src) })}, nil
	}
}

// limitedConn stops counting its connection when it is closed.
type limitedConn struct {
	net.Conn
	release func()
}

func (c *limitedConn) Close() error {
	c.release()
	return c.Conn.Close()
}
