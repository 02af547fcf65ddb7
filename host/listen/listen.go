package listen

import (
	"fmt"
	"net"
	"strconv"
)

// Pair opens the TCP listener and the UDP socket of a session port:
// the same number for both, as netpak and mupen64plus-core expect. addr is
// "host:port"; port 0 picks a number free for both.
func Pair(addr string) (net.Listener, net.PacketConn, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, nil, fmt.Errorf("listen on %q: %w", addr, err)
	}
	tries := 1
	if port == "0" {
		tries = 20 // a TCP port free for TCP may be taken for UDP
	}
	for range tries {
		ln, err := net.Listen("tcp", addr)
		if err != nil {
			return nil, nil, fmt.Errorf("listen on TCP %s: %w", addr, err)
		}
		p := ln.Addr().(*net.TCPAddr).Port
		pc, uerr := net.ListenPacket("udp", net.JoinHostPort(host, strconv.Itoa(p)))
		if uerr == nil {
			growReadBuffer(pc.(*net.UDPConn))
			return ln, pc, nil
		}
		ln.Close()
		err = uerr
		if tries == 1 {
			return nil, nil, fmt.Errorf("listen on UDP %s: %w", addr, err)
		}
	}
	return nil, nil, fmt.Errorf("listen on %s: no port free for both TCP and UDP", addr)
}
