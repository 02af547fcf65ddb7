package udpsock

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"runtime"
	"sync"
	"testing"
	"time"
)

// strAddr is a net.Addr of a type AddrPortOf does not know.
type strAddr string

func (a strAddr) Network() string { return "test" }
func (a strAddr) String() string  { return string(a) }

// apAddr is a net.Addr that knows its netip.AddrPort, as a tunnel's may.
type apAddr struct{ ap netip.AddrPort }

func (a apAddr) Network() string          { return "test" }
func (a apAddr) String() string           { return "not parsed" }
func (a apAddr) AddrPort() netip.AddrPort { return a.ap }

func TestAddrPortOf(t *testing.T) {
	v4 := netip.MustParseAddrPort("1.2.3.4:5")
	v6 := netip.MustParseAddrPort("[2001:db8::1]:7")
	tests := []struct {
		name string
		in   net.Addr
		want netip.AddrPort
	}{
		{"nil", nil, netip.AddrPort{}},
		{"nil UDPAddr", (*net.UDPAddr)(nil), netip.AddrPort{}},
		{"UDPAddr IPv4", &net.UDPAddr{IP: net.IPv4(1, 2, 3, 4).To4(), Port: 5}, v4},
		{"UDPAddr IPv4 in 16 bytes", &net.UDPAddr{IP: net.IPv4(1, 2, 3, 4), Port: 5}, v4},
		{"UDPAddr IPv4-mapped IPv6", &net.UDPAddr{IP: net.ParseIP("::ffff:1.2.3.4"), Port: 5}, v4},
		{"UDPAddr IPv6", &net.UDPAddr{IP: net.ParseIP("2001:db8::1"), Port: 7}, v6},
		{"UDPAddrFromAddrPort mapped", net.UDPAddrFromAddrPort(netip.MustParseAddrPort("[::ffff:1.2.3.4]:5")), v4},
		{"TCPAddr mapped", &net.TCPAddr{IP: net.ParseIP("::ffff:1.2.3.4"), Port: 5}, v4},
		{"AddrPort method mapped", apAddr{netip.MustParseAddrPort("[::ffff:1.2.3.4]:5")}, v4},
		{"AddrPort method IPv6", apAddr{v6}, v6},
		{"unknown type, IPv4 string", strAddr("1.2.3.4:5"), v4},
		{"unknown type, mapped string", strAddr("[::ffff:1.2.3.4]:5"), v4},
		{"unknown type, IPv6 string", strAddr("[2001:db8::1]:7"), v6},
		{"unknown type, not an address", strAddr("pipe"), netip.AddrPort{}},
		{"unknown type, empty", strAddr(""), netip.AddrPort{}},
		{"unknown type, host name", strAddr("localhost:5"), netip.AddrPort{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := AddrPortOf(tt.in)
			if got != tt.want {
				t.Errorf("AddrPortOf(%v) = %v, want %v", tt.in, got, tt.want)
			}
			if got.Addr().Is4In6() {
				t.Errorf("AddrPortOf(%v) = %v is still IPv4-mapped", tt.in, got)
			}
		})
	}
}

func TestUnmapAddrPort(t *testing.T) {
	for in, want := range map[string]string{
		"[::ffff:10.0.0.1]:80": "10.0.0.1:80",
		"10.0.0.1:80":          "10.0.0.1:80",
		"[::1]:80":             "[::1]:80",
		"[fe80::1%eth0]:80":    "[fe80::1%eth0]:80",
	} {
		if got := UnmapAddrPort(netip.MustParseAddrPort(in)); got.String() != want {
			t.Errorf("UnmapAddrPort(%s) = %v, want %s", in, got, want)
		}
	}
	if got := UnmapAddrPort(netip.AddrPort{}); got != (netip.AddrPort{}) {
		t.Errorf("UnmapAddrPort(zero) = %v", got)
	}
}

func listenUDP(t *testing.T) *net.UDPConn {
	t.Helper()
	pc, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { pc.Close() })
	return pc
}

// recv reads one datagram from s, failing the test if none comes.
func recv(t *testing.T, s *Socket, pc net.PacketConn) (string, netip.AddrPort) {
	t.Helper()
	pc.SetReadDeadline(time.Now().Add(10 * time.Second))
	buf := make([]byte, 64)
	n, from, err := s.ReadFrom(buf)
	if err != nil {
		t.Fatalf("ReadFrom: %v", err)
	}
	return string(buf[:n]), from
}

func TestSocketWriteToReadFrom(t *testing.T) {
	apc, bpc := listenUDP(t), listenUDP(t)
	a, b := New(apc), New(bpc)
	bAddr := apc.LocalAddr().(*net.UDPAddr).AddrPort()
	to := bpc.LocalAddr().(*net.UDPAddr).AddrPort()
	if err := a.WriteTo([]byte("hello"), to); err != nil {
		t.Fatal(err)
	}
	got, from := recv(t, b, bpc)
	if got != "hello" || from != bAddr {
		t.Errorf("got %q from %v, want %q from %v", got, from, "hello", bAddr)
	}

	// A datagram longer than the buffer is cut short.
	if err := a.WriteTo(make([]byte, 100), to); err != nil {
		t.Fatal(err)
	}
	bpc.SetReadDeadline(time.Now().Add(10 * time.Second))
	n, _, err := b.ReadFrom(make([]byte, 10))
	if err != nil || n != 10 {
		t.Errorf("ReadFrom of 100 bytes into 10 = %d, %v; want 10, nil", n, err)
	}
}

// TestSocketQueueFlush: on Linux, Queue holds a relay's datagrams until
// Flush sends them in one call; beyond maxQueued it sends at once.
func TestSocketQueueFlush(t *testing.T) {
	apc, bpc := listenUDP(t), listenUDP(t)
	a, b := New(apc), New(bpc)
	dst := bpc.LocalAddr().(*net.UDPAddr)
	src := apc.LocalAddr().(*net.UDPAddr).AddrPort()
	batching := runtime.GOOS == "linux"
	if batching != (a.batch != nil) {
		t.Fatalf("batching on %s: %v", runtime.GOOS, a.batch != nil)
	}
	if a.Pending() {
		t.Fatal("Pending on a new socket")
	}

	var sent []string
	for i := range maxQueued + 1 {
		s := fmt.Sprintf("dgram %d", i)
		sent = append(sent, s)
		a.Queue([]byte(s), dst.AddrPort(), dst)
		if i == 0 && a.Pending() != batching {
			t.Fatalf("Pending = %v after a Queue, want %v", a.Pending(), batching)
		}
	}
	if batching {
		// The queue was full: the last one went out at once, before the
		// ones held for Flush.
		if got, _ := recv(t, b, bpc); got != sent[maxQueued] {
			t.Fatalf("first datagram %q, want the overflow %q", got, sent[maxQueued])
		}
		sent = sent[:maxQueued]
	}
	a.Flush()
	if a.Pending() {
		t.Fatal("Pending after Flush")
	}
	for _, want := range sent {
		got, from := recv(t, b, bpc)
		if got != want || from != src {
			t.Fatalf("got %q from %v, want %q from %v", got, from, want, src)
		}
	}

	// The socket is reused for the next relay.
	a.Queue([]byte("again"), dst.AddrPort(), dst)
	a.Flush()
	if got, _ := recv(t, b, bpc); got != "again" {
		t.Fatalf("after a reuse got %q", got)
	}
	a.Flush() // nothing queued: sends nothing
	if a.Pending() {
		t.Fatal("Pending after an empty Flush")
	}
}

// tunnelConn is a PacketConn that is not a *net.UDPConn, as a tunnel's
// is; it records its write deadlines and the one in force at each write.
type tunnelConn struct {
	net.PacketConn
	mu        sync.Mutex
	deadline  time.Time
	deadlines int
	writes    []struct{ at, deadline time.Time }
}

func (c *tunnelConn) SetWriteDeadline(t time.Time) error {
	c.mu.Lock()
	c.deadline = t
	c.deadlines++
	c.mu.Unlock()
	return c.PacketConn.SetWriteDeadline(t)
}

func (c *tunnelConn) WriteTo(b []byte, addr net.Addr) (int, error) {
	c.mu.Lock()
	c.writes = append(c.writes, struct{ at, deadline time.Time }{time.Now(), c.deadline})
	c.mu.Unlock()
	return c.PacketConn.WriteTo(b, addr)
}

func TestWriteToTunnelSetsDeadline(t *testing.T) {
	tc := &tunnelConn{PacketConn: listenUDP(t)}
	s := New(tc)
	if s.udp != nil || s.batch != nil {
		t.Fatal("a tunnel socket taken for a kernel one")
	}
	bpc := listenUDP(t)
	b := New(bpc)
	to := bpc.LocalAddr().(*net.UDPAddr).AddrPort()

	before := time.Now()
	if err := s.WriteTo([]byte("x"), to); err != nil {
		t.Fatal(err)
	}
	after := time.Now()
	if tc.deadlines != 1 {
		t.Fatalf("%d write deadlines set by the first write, want 1", tc.deadlines)
	}
	if d := tc.writes[0].deadline; d.Before(before.Add(writeTimeout)) || d.After(after.Add(writeTimeout)) {
		t.Errorf("deadline %v after the write, want %v", d.Sub(before), writeTimeout)
	}
	const n = 50
	for range n {
		if err := s.WriteTo([]byte("x"), to); err != nil {
			t.Fatal(err)
		}
	}
	for i, w := range tc.writes {
		if !w.deadline.After(w.at) {
			t.Fatalf("write %d had deadline %v, at %v", i, w.deadline, w.at)
		}
	}
	if tc.deadlines > n {
		t.Errorf("%d deadlines for %d writes: one per write", tc.deadlines, n+1)
	}
	// Queue on such a socket sends at once.
	s.Queue([]byte("q"), to, net.UDPAddrFromAddrPort(to))
	if s.Pending() {
		t.Error("a tunnel socket holds a Queue for Flush")
	}
	s.Flush()
	for i := range n + 2 {
		if _, from := recv(t, b, bpc); from != AddrPortOf(tc.LocalAddr()) {
			t.Fatalf("datagram %d from %v", i, from)
		}
	}
	// ReadFrom takes the generic path too.
	New(bpc).WriteTo([]byte("back"), AddrPortOf(tc.LocalAddr()))
	if got, from := recv(t, s, tc); got != "back" || from != to {
		t.Errorf("tunnel ReadFrom got %q from %v, want %q from %v", got, from, "back", to)
	}
}

// stuckConn is a tunnel whose network is stuck: a write waits for its
// deadline, forever if it has none.
type stuckConn struct {
	net.PacketConn // nil: only the methods below are called
	mu             sync.Mutex
	deadline       time.Time
	closed         chan struct{}
}

func (c *stuckConn) SetWriteDeadline(t time.Time) error {
	c.mu.Lock()
	c.deadline = t
	c.mu.Unlock()
	return nil
}

func (c *stuckConn) WriteTo(b []byte, addr net.Addr) (int, error) {
	c.mu.Lock()
	d := c.deadline
	c.mu.Unlock()
	var expired <-chan time.Time
	if !d.IsZero() {
		expired = time.After(time.Until(d))
	}
	select {
	case <-expired:
		return 0, os.ErrDeadlineExceeded
	case <-c.closed:
		return 0, net.ErrClosed
	}
}

func TestWriteToStuckTunnelReturns(t *testing.T) {
	sc := &stuckConn{closed: make(chan struct{})}
	defer close(sc.closed)
	s := New(sc)
	done := make(chan error, 1)
	go func() { done <- s.WriteTo([]byte("x"), netip.MustParseAddrPort("10.0.0.2:1")) }()
	select {
	case err := <-done:
		if !errors.Is(err, os.ErrDeadlineExceeded) {
			t.Errorf("WriteTo on a stuck tunnel: %v, want a deadline error", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("WriteTo on a stuck tunnel never returned: no write deadline")
	}
}
