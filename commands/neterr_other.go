//go:build !windows

package commands

import (
	"errors"
	"syscall"
)

// refused reports whether err says nothing listens at the address.
func refused(err error) bool { return errors.Is(err, syscall.ECONNREFUSED) }

// inUse reports whether err says the port is taken.
func inUse(err error) bool { return errors.Is(err, syscall.EADDRINUSE) }
