package commands

import (
	"net"
	"net/netip"
	"strconv"

	"github.com/netpak/netpak/host"
)

// listenPair opens the session port on bind ("" for every address); port 0
// picks one free for TCP and UDP alike.
func listenPair(bind string, port int) (net.Listener, net.PacketConn, int, error) {
	ln, pc, err := host.ListenPair(net.JoinHostPort(bind, strconv.Itoa(port)))
	if err != nil {
		return nil, nil, 0, err
	}
	return ln, pc, ln.Addr().(*net.TCPAddr).Port, nil
}

// loopbackFor is the address the host's own player dials to reach a host
// bound to bind.
func loopbackFor(bind string, port int) string {
	a, err := netip.ParseAddr(bind)
	switch {
	case err != nil || a.IsUnspecified() && a.Is4():
		a = netip.AddrFrom4([4]byte{127, 0, 0, 1})
	case a.IsUnspecified():
		a = netip.IPv6Loopback()
	}
	return netip.AddrPortFrom(a, uint16(port)).String()
}
