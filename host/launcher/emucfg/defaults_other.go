//go:build !windows && !darwin

package emucfg

import (
	"path/filepath"
	"runtime"
)

// Defaults: Debian's library, plugins and data directory.
const (
	DefaultCoreLib = "libmupen64plus.so.2"
	DefaultVideo   = "mupen64plus-video-glide64mk2.so"
	DefaultAudio   = "mupen64plus-audio-sdl.so"
	DefaultInput   = "mupen64plus-input-sdl.so"
	DefaultRSP     = "mupen64plus-rsp-hle.so"
	DefaultDataDir = "/usr/share/games/mupen64plus"
)

// InstallAdvice and DataAdvice tell the player how to get what is
// missing when no package can be named.
const (
	InstallAdvice = "install mupen64plus, or set core_lib and plugin_dir to where it is"
	DataAdvice    = "install mupen64plus-data"
)

// pluginAlternates are other plugins tried when a default one is missing.
var pluginAlternates = map[string][]string{}

// locate leaves c alone: the dynamic loader finds the core by name.
func locate(c Config) Config { return c }

// PackageFor names the Debian package that ships path.
func PackageFor(path string) string { return debianPackage(path) }

// debianTriplets maps GOARCH to Debian's multiarch library directory.
var debianTriplets = map[string]string{
	"amd64":   "x86_64-linux-gnu",
	"arm64":   "aarch64-linux-gnu",
	"386":     "i386-linux-gnu",
	"arm":     "arm-linux-gnueabihf",
	"riscv64": "riscv64-linux-gnu",
	"ppc64le": "powerpc64le-linux-gnu",
	"s390x":   "s390x-linux-gnu",
	"loong64": "loongarch64-linux-gnu",
}

// pluginDirs lists where plugins are looked for when Config.PluginDir is
// empty: Debian's multiarch directory first, then the usual prefixes.
func pluginDirs() []string {
	var dirs []string
	if t, ok := debianTriplets[runtime.GOARCH]; ok {
		dirs = append(dirs, filepath.Join("/usr/lib", t, "mupen64plus"))
	}
	return append(dirs, "/usr/lib/mupen64plus", "/usr/lib64/mupen64plus", "/usr/local/lib/mupen64plus")
}

// DefaultUserConfigDir is where mupen64plus keeps a player's configuration
// (mupen64plus.cfg): $XDG_CONFIG_HOME/mupen64plus, or
// ~/.config/mupen64plus; "" when there is no home folder.
func DefaultUserConfigDir() string { return xdgConfigDir() }
