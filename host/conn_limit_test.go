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
