package main

import (
	"os"
	"runtime"
)

// ownerOnly reports whether fi is readable by its owner alone: mode 0600.
// Windows has no such modes (Go shows 0666); the files netpak writes
// there live in the user's own profile folder, so there is nothing to
// check.
func ownerOnly(fi os.FileInfo) bool {
	return runtime.GOOS == "windows" || fi.Mode().Perm() == 0o600
}
