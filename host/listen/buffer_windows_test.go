package listen

import "syscall"

// readBufferOf is the receive buffer Windows gave socket fd.
var readBufferOf = func(fd uintptr) (int, error) {
	return syscall.GetsockoptInt(syscall.Handle(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF)
}
