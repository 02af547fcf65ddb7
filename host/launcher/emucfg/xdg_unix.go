//go:build !windows

package emucfg

import (
	"os"
	"path/filepath"
)

// xdgConfigDir is mupen64plus' config folder on Unix systems:
// $XDG_CONFIG_HOME/mupen64plus when that is an absolute path, else
// ~/.config/mupen64plus; "" without a home folder.
func xdgConfigDir() string {
	if d := os.Getenv("XDG_CONFIG_HOME"); filepath.IsAbs(d) {
		return filepath.Join(d, "mupen64plus")
	}
	home, err := os.UserHomeDir()
	if err != nil || home == "" {
		return ""
	}
	return filepath.Join(home, ".config", "mupen64plus")
}
