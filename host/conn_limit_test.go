package host

import (
	"net"
	"net/netip"
	"testing"
)

func TestSourceKey(t *testing.T) {
	for _, tc := range []struct {
		name string
		addr string
		want string
	}{
		{"ipv4", "192.0.2.7:6400", "192.0.2.7/32"},
		{"ipv4-mapped", "[::ffff:192.0.2.7]:6400", "192.0.2.7/32"},
		{"ipv6 by /64", "[2001:db8:1:2:aaaa:bbbb:cccc:dddd]:6400", "2001:db8:1:2::/64"},
		{"loopback", "127.0.0.1:5000", "127.0.0.1/32"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := net.TCPAddrFromAddrPort(netip.MustParseAddrPort(tc.addr))
			if got := sourceKey(a); got != netip.MustParsePrefix(tc.want) {
				t.Errorf("sourceKey(%s) = %v, want %s", tc.addr, got, tc.want)
			}
		})
	}
}

func TestJoinLimiter(t *testing.T) {
	l := newJoinLimiter(2)
	a, b := netip.MustParsePrefix("192.0.2.1/32"), netip.MustParsePrefix("192.0.2.2/32")
	t1, _ := l.acquire(a)
	t2, _ := l.acquire(a)
	if t1 == nil || t2 == nil {
		t.Fatal("the first two connections of a source were refused")
	}
	if t3, refused := l.acquire(a); t3 != nil || refused != 1 {
		t.Fatalf("a third connection: %v, %d refused; want refused", t3, refused)
	}
	if tb, _ := l.acquire(b); tb == nil {
		t.Fatal("another source was refused")
	}
	t1.done()
	t1.done() // a second done counts nothing
	t4, _ := l.acquire(a)
	if t4 == nil {
		t.Fatal("no room after a connection joined")
	}
	if t5, _ := l.acquire(a); t5 != nil {
		t.Fatal("a second done freed a second slot")
	}
	t2.done()
	t4.done()
	if n := l.joining[a]; n != 0 {
		t.Errorf("%d still counted after every connection joined", n)
	}
}
