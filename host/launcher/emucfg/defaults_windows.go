package emucfg

import (
	"os"
	"path/filepath"
	"strings"
)

// Defaults: the file names of a mupen64plus release for Windows. The data
// directory has no fixed place; [Locate] finds it next to the core.
const (
	DefaultCoreLib = "mupen64plus.dll"
	DefaultVideo   = "mupen64plus-video-glide64mk2.dll"
	DefaultAudio   = "mupen64plus-audio-sdl.dll"
	DefaultInput   = "mupen64plus-input-sdl.dll"
	DefaultRSP     = "mupen64plus-rsp-hle.dll"
	DefaultDataDir = ""
)

// InstallAdvice and DataAdvice tell the player how to get what is
// missing; Windows has no package to name.
const (
	InstallAdvice = "unpack a mupen64plus release (mupen64plus-bundle-win64) next to netpak.exe, " +
		"install RMG, or set core_lib and plugin_dir to where mupen64plus.dll and its plugins are"
	DataAdvice = "set data_dir to the folder with mupen64plus.ini"
)

// pluginAlternates are tried when a default plugin is missing: RMG ships
// GLideN64 and its own audio and input plugins instead of the release's.
var pluginAlternates = map[string][]string{
	DefaultVideo: {"mupen64plus-video-GLideN64.dll"},
	DefaultAudio: {"RMG-Audio.dll"},
	DefaultInput: {"RMG-Input.dll"},
}

// locate finds the core in the usual install places when c names none,
// and fills the plugin and data folders from the install the core is in.
func locate(c Config) Config {
	var in install
	switch {
	case c.CoreLib == "" || strings.EqualFold(c.CoreLib, DefaultCoreLib):
		found, ok := findInstall(installBases(), DefaultCoreLib, fileExists)
		if !ok {
			return c
		}
		in = found
	case filepath.IsAbs(c.CoreLib):
		in = installOf(c.CoreLib)
	default:
		return c
	}
	return c.withInstall(in)
}

// installBases lists the folders searched for a mupen64plus install, in
// order: netpak.exe's own folder, the current folder, then RMG's and
// mupen64plus' usual install folders for the user and for everyone.
func installBases() []string {
	var bases []string
	if exe, err := os.Executable(); err == nil {
		bases = append(bases, filepath.Dir(exe))
	}
	if wd, err := os.Getwd(); err == nil {
		bases = append(bases, wd)
	}
	for _, env := range []string{"LOCALAPPDATA", "ProgramFiles"} {
		root := os.Getenv(env)
		if root == "" {
			continue
		}
		if env == "LOCALAPPDATA" {
			root = filepath.Join(root, "Programs")
		}
		bases = append(bases, filepath.Join(root, "RMG"), filepath.Join(root, "mupen64plus"))
	}
	return bases
}

// pluginDirs lists where plugins are looked for when neither
// Config.PluginDir nor an install says: netpak.exe's folder and the
// current one.
func pluginDirs() []string {
	var dirs []string
	if exe, err := os.Executable(); err == nil {
		dirs = append(dirs, filepath.Dir(exe))
	}
	return append(dirs, ".")
}

// PackageFor names no package: Windows has none to install.
func PackageFor(string) string { return "" }

// DefaultUserConfigDir is where mupen64plus keeps a player's configuration
// (mupen64plus.cfg) on Windows: %APPDATA%\Mupen64Plus; "" when APPDATA is
// not set.
func DefaultUserConfigDir() string {
	if d := os.Getenv("APPDATA"); d != "" {
		return filepath.Join(d, "Mupen64Plus")
	}
	return ""
}
