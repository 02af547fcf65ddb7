//go:build !linux && !windows

package listen

import (
	"errors"
	"net"
)

// forceReadBuffer reports false: only Linux lets a privileged process
// ask for more than others may.
func forceReadBuffer(*net.UDPConn) bool { return false }

// readBufferOf is not looked up on other systems.
func readBufferOf(uintptr) (int, error) {
	return 0, errors.New("the receive buffer's size is not known on this system")
}
