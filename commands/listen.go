package commands

import (
	"fmt"
	"net"
	"net/netip"
	"strconv"

	"github.com/netpak/netpak/host/listen"
)

// listenPair opens the session port on bind ("" for every address); port 0
// picks one free for TCP and UDP alike.
func listenPair(bind string, port int) (net.Listener, net.PacketConn, int, error) {
	ln, pc, err := listen.Pair(net.JoinHostPort(bind, strconv.Itoa(port)))
	if err != nil {
		return nil, nil, 0, err
	}
	return ln, pc, ln.Addr().(*net.TCPAddr).Port, nil
}

// LANAddrs returns the addresses others can reach a port bound to bind
// at: bind itself when it names one address, else this machine's IPv4
// addresses but loopback (mupen64plus cores speak IPv4 only), at most four.
func LANAddrs(bind string) []string {
	if ip := net.ParseIP(bind); ip != nil && !ip.IsUnspecified() {
		return []string{bind}
	}
	var out []string
	ifs, _ := net.InterfaceAddrs()
	for _, a := range ifs {
		if n, ok := a.(*net.IPNet); ok && n.IP.To4() != nil && !n.IP.IsLoopback() && len(out) < 4 {
			out = append(out, n.IP.String())
		}
	}
	return out
}

// listenError says what to do when the session port cannot be opened.
func listenError(port int, err error) error {
	if inUse(err) {
		return fmt.Errorf("port %d is taken on this machine (another netpak or program uses it): /server 0 picks a free one", port)
	}
	return err
}

// dialError says what to do when a session cannot be reached.
func dialError(addr string, err error) error {
	if refused(err) {
		return fmt.Errorf("nothing listens on %s: is the host running /server? Check the address and port", addr)
	}
	return err
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
