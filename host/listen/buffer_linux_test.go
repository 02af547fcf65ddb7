package listen

import "syscall"

// readBufferOf is the receive buffer Linux gave socket fd, in the bytes
// asked for (it reports twice that, for its own bookkeeping).
var readBufferOf = func(fd uintptr) (int, error) {
	n, err := syscall.GetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF)
	return n / 2, err
}
