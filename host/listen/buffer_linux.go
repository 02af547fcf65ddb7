package listen

import (
	"net"
	"syscall"
)

// forceReadBuffer sets readBuffer past net.core.rmem_max, as Linux allows
// a process with CAP_NET_ADMIN (a server run as root), and reports whether
// it could.
func forceReadBuffer(u *net.UDPConn) bool {
	rc, err := u.SyscallConn()
	if err != nil {
		return false
	}
	var serr error
	err = rc.Control(func(fd uintptr) {
		serr = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUFFORCE, readBuffer)
	})
	return err == nil && serr == nil
}
