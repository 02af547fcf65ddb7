//go:build !(((darwin || freebsd || linux || netbsd) && !android) || windows)

package corechild

import (
	"github.com/netpak/netpak/host/launcher/childproto"
	"github.com/netpak/netpak/host/launcher/emucfg"
)

// runSession cannot load libraries at run time on this platform.
func runSession(emucfg.Config, *childproto.Writer, func(string, ...any), <-chan childproto.Request) error {
	return childproto.ErrUnsupported
}
