package listen

import "net"

// readBuffer is the receive buffer a session port asks the system for.
// A host takes every player's keys and requests on its one UDP socket:
// four mupen64plus cores at 60 polls a second send it over a thousand
// datagrams a second, and Linux's default buffer (212 KB, about 200 small
// datagrams) overflows when the host is kept off the CPU for a fifth of a
// second. A direct core's keys lost there become repeats of its last input
// (its presses are lost); a netpak player's cost a resend. 4 MiB holds
// several seconds of a full session, and the kernel spends it only on
// datagrams that wait.
const readBuffer = 4 << 20

// growReadBuffer asks for readBuffer on pc, a kernel UDP socket. It is
// best effort: where the system grants less (Linux caps an unprivileged
// request at net.core.rmem_max), the port works with what it has.
func growReadBuffer(pc net.PacketConn) {
	u, ok := pc.(*net.UDPConn)
	if !ok {
		return
	}
	if forceReadBuffer(u) {
		return
	}
	u.SetReadBuffer(readBuffer)
}
