//go:build !linux && !windows

package listen

// readBufferOf is not looked up on other systems: the test expects the
// whole burst there.
var readBufferOf func(fd uintptr) (int, error)
