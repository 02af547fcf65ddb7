package commands

import (
	"fmt"
	"net"
	"net/netip"
	"strconv"
)

// listenPair opens TCP and UDP on the same port of bind ("" for every
// address). Port 0 picks a port free for both.
func listenPair(bind string, port int) (net.Listener, net.PacketConn, int, error) {
	tries := 1
	if port == 0 {
		tries = 20
	}
	var err error
	for range tries {
		var ln net.Listener
		ln, err = net.Listen("tcp", net.JoinHostPort(bind, strconv.Itoa(port)))
		if err != nil {
			return nil, nil, 0, fmt.Errorf("listen on TCP port %d: %w", port, err)
		}
		p := ln.Addr().(*net.TCPAddr).Port
		var pc net.PacketConn
		pc, err = net.ListenPacket("udp", net.JoinHostPort(bind, strconv.Itoa(p)))
		if err == nil {
			return ln, pc, p, nil
		}
		ln.Close()
	}
	return nil, nil, 0, fmt.Errorf("listen on UDP port %d: %w", port, err)
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
