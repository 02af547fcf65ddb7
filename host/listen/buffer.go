package listen

import "net"

// ReadBuffer is the receive buffer a session port asks the system for
// (and the built-in VPN's socket, which carries a session). A host takes
// every player's keys and requests on one socket: four mupen64plus cores
// at 60 polls a second send it over a thousand datagrams a second, and
// Linux's default buffer (212 KB, about 250 small datagrams) overflows
// when the host is kept off the CPU for a fifth of a second. A direct
// core's keys lost there become repeats of its last input (its presses
// are lost); a netpak player's cost a resend. 4 MiB holds several seconds
// of a full session, and the kernel spends it only on datagrams that wait.
const ReadBuffer = 4 << 20

// growReadBuffer asks for ReadBuffer on c. It is best effort: where the
// system grants less (Linux caps an unprivileged process at
// net.core.rmem_max), c works with what it has.
func growReadBuffer(c *net.UDPConn) {
	if !forceReadBuffer(c) {
		c.SetReadBuffer(ReadBuffer)
	}
}

// ReadBufferSize is the receive buffer the system gave c, as it counts
// it: Linux counts its bookkeeping too, and grants twice what is asked.
// Systems other than Linux and Windows do not say.
func ReadBufferSize(c *net.UDPConn) (int, error) {
	rc, err := c.SyscallConn()
	if err != nil {
		return 0, err
	}
	var n int
	var serr error
	if err := rc.Control(func(fd uintptr) { n, serr = readBufferOf(fd) }); err != nil {
		return 0, err
	}
	return n, serr
}
