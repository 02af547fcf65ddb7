//go:build !linux

package listen

import "net"

// forceReadBuffer reports false: only Linux caps what a process may ask
// for below what a privileged one may.
func forceReadBuffer(*net.UDPConn) bool { return false }
