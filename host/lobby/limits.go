package lobby

import (
	"net"
	"net/netip"
	"sync"
	"time"
)

// sourceOf is what per-address limits count by: an IPv4 address, or an
// IPv6 /64, which one subscriber usually holds whole.
func sourceOf(a netip.Addr) netip.Prefix {
	a = a.Unmap()
	bits := 32
	if a.Is6() {
		bits = 64
	}
	p, _ := a.Prefix(bits)
	return p
}

func addrOf(a net.Addr) netip.Addr {
	if ta, ok := a.(*net.TCPAddr); ok {
		return ta.AddrPort().Addr().Unmap()
	}
	ap, _ := netip.ParseAddrPort(a.String())
	return ap.Addr().Unmap()
}

// bucket is a token bucket. The zero value is full the first time it is
// used. It is not safe for concurrent use.
type bucket struct {
	tokens  float64
	last    time.Time
	started bool
}

// allow takes a token at now if there is one.
func (b *bucket) allow(now time.Time, rate, burst float64) bool {
	b.refill(now, rate, burst)
	if b.tokens < 1 {
		return false
	}
	b.tokens--
	return true
}

func (b *bucket) refill(now time.Time, rate, burst float64) {
	if !b.started {
		b.tokens, b.last, b.started = burst, now, true
	}
	if dt := now.Sub(b.last).Seconds(); dt > 0 {
		b.tokens = min(burst, b.tokens+dt*rate)
		b.last = now
	}
}

// maxTracked bounds the addresses a per-address table remembers.
const maxTracked = 4096

// addrBuckets is a bounded table of buckets per source. Full buckets are
// forgotten when the table fills; if it is still full, a new source is
// refused: the table fails closed rather than grow. Its methods are safe
// for concurrent use.
type addrBuckets struct {
	rate, burst float64

	mu sync.Mutex
	m  map[netip.Prefix]*bucket
}

func newAddrBuckets(perSecond, burst float64) *addrBuckets {
	return &addrBuckets{rate: perSecond, burst: burst, m: make(map[netip.Prefix]*bucket)}
}

// allow takes a token of src's bucket at now.
func (t *addrBuckets) allow(src netip.Prefix, now time.Time) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	b := t.m[src]
	if b == nil {
		if len(t.m) >= maxTracked {
			t.pruneLocked(now)
		}
		if len(t.m) >= maxTracked {
			return false
		}
		b = new(bucket)
		t.m[src] = b
	}
	return b.allow(now, t.rate, t.burst)
}

// peek reports whether src has a token at now, without taking it.
func (t *addrBuckets) peek(src netip.Prefix, now time.Time) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	b := t.m[src]
	if b == nil {
		return len(t.m) < maxTracked
	}
	b.refill(now, t.rate, t.burst)
	return b.tokens >= 1
}

func (t *addrBuckets) pruneLocked(now time.Time) {
	for k, b := range t.m {
		if b.refill(now, t.rate, t.burst); b.tokens >= t.burst {
			delete(t.m, k)
		}
	}
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
		src := sourceOf(addrOf(c.RemoteAddr()))
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
