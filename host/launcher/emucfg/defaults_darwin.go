package emucfg

import (
	"os"
	"path/filepath"
)

// Defaults: the file names of a mupen64plus build for macOS, which names
// its libraries .dylib. The data directory has no fixed place; [Locate]
// finds it next to the core.
const (
	DefaultCoreLib = "libmupen64plus.dylib"
	DefaultVideo   = "mupen64plus-video-glide64mk2.dylib"
	DefaultAudio   = "mupen64plus-audio-sdl.dylib"
	DefaultInput   = "mupen64plus-input-sdl.dylib"
	DefaultRSP     = "mupen64plus-rsp-hle.dylib"
	DefaultDataDir = ""
)

// InstallAdvice and DataAdvice tell the player how to get what is
// missing when no package can be named.
const (
	InstallAdvice = "put mupen64plus.app in /Applications, or set core_lib and plugin_dir " +
		"to where libmupen64plus.dylib and its plugins are"
	DataAdvice = "set data_dir to the folder with mupen64plus.ini"
)

// pluginAlternates are other plugins tried when a default one is missing.
var pluginAlternates = map[string][]string{}

// macBases are the folders searched for the core after netpak's own and
// the current one: the app bundle, then Homebrew's and the usual prefixes.
var macBases = []string{
	"/Applications/mupen64plus.app/Contents/MacOS",
	"/opt/homebrew/lib",
	"/usr/local/lib",
}

// locate finds the core in the usual places when c names none, and fills
// the plugin and data folders from where the core is.
func locate(c Config) Config {
	var in install
	switch {
	case c.CoreLib == "" || c.CoreLib == DefaultCoreLib:
		var bases []string
		if exe, err := os.Executable(); err == nil {
			bases = append(bases, filepath.Dir(exe))
		}
		if wd, err := os.Getwd(); err == nil {
			bases = append(bases, wd)
		}
		core, ok := firstExisting(append(bases, macBases...), DefaultCoreLib)
		if !ok {
			return c
		}
		in = unixInstallOf(core)
	case filepath.IsAbs(c.CoreLib):
		in = unixInstallOf(c.CoreLib)
	default:
		return c
	}
	return c.withInstall(in)
}

func firstExisting(dirs []string, name string) (string, bool) {
	for _, d := range dirs {
		if p := filepath.Join(d, name); fileExists(p) {
			return p, true
		}
	}
	return "", false
}

// pluginDirs lists where plugins are looked for when neither
// Config.PluginDir nor the core's folder says.
func pluginDirs() []string {
	return []string{"/opt/homebrew/lib/mupen64plus", "/usr/local/lib/mupen64plus"}
}

// PackageFor names no package: macOS has none to install.
func PackageFor(string) string { return "" }

// DefaultUserConfigDir is where mupen64plus keeps a player's configuration
// (mupen64plus.cfg) on macOS, as on Linux: $XDG_CONFIG_HOME/mupen64plus,
// or ~/.config/mupen64plus; "" when there is no home folder.
func DefaultUserConfigDir() string { return xdgConfigDir() }
