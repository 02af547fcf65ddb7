package commands

import (
	"errors"
	"syscall"
)

// Winsock's codes for a refused connection and a taken port, which Go's
// syscall.ECONNREFUSED and EADDRINUSE do not match on Windows.
const (
	wsaeConnRefused syscall.Errno = 10061
	wsaeAddrInUse   syscall.Errno = 10048
)

// refused reports whether err says nothing listens at the address.
func refused(err error) bool {
	return errors.Is(err, wsaeConnRefused) || errors.Is(err, syscall.ECONNREFUSED)
}

// inUse reports whether err says the port is taken.
func inUse(err error) bool {
	return errors.Is(err, wsaeAddrInUse) || errors.Is(err, syscall.EADDRINUSE)
}
