package listen

import (
	"net"
	"syscall"
)

// forceReadBuffer sets ReadBuffer past net.core.rmem_max, as Linux allows
// a process with CAP_NET_ADMIN (a server run as root), and reports whether
// it could.
func forceReadBuffer(c *net.UDPConn) bool {
	rc, err := c.SyscallConn()
	if err != nil {
		return false
	}
	var serr error
	err = rc.Control(func(fd uintptr) {
		serr = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUFFORCE, ReadBuffer)
	})
	return err == nil && serr == nil
}

// readBufferOf is socket fd's receive buffer.
func readBufferOf(fd uintptr) (int, error) {
	return syscall.GetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF)
}
