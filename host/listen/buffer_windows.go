package listen

import (
	"net"
	"syscall"
)

// forceReadBuffer reports false: Windows grants what SetReadBuffer asks.
func forceReadBuffer(*net.UDPConn) bool { return false }

// readBufferOf is socket fd's receive buffer.
func readBufferOf(fd uintptr) (int, error) {
	return syscall.GetsockoptInt(syscall.Handle(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF)
}
