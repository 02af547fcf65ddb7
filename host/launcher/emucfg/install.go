package emucfg

import (
	"os"
	"path/filepath"
	"strings"
)

// install is one folder holding a mupen64plus core, its plugins and its
// data (mupen64plus.ini, mupencheat.txt).
type install struct {
	core, plugins, data string
}

// Two layouts are known. A mupen64plus release zip keeps everything in
// one folder. RMG keeps the core in Core, the plugins in Plugin with one
// subfolder per kind (see pluginSubdirs), and the data in Data.
const (
	rmgCoreDir   = "Core"
	rmgPluginDir = "Plugin"
	rmgDataDir   = "Data"
)

// findInstall returns the first install among bases that has the core
// library coreName, trying the release layout, then RMG's, in each base.
func findInstall(bases []string, coreName string, exists func(string) bool) (install, bool) {
	for _, base := range bases {
		for _, core := range []string{filepath.Join(base, coreName), filepath.Join(base, rmgCoreDir, coreName)} {
			if exists(core) {
				return installOf(core), true
			}
		}
	}
	return install{}, false
}

// installOf returns the install a core library path belongs to: RMG's
// when the core sits in a folder named Core, else a release folder.
func installOf(core string) install {
	dir := filepath.Dir(core)
	if strings.EqualFold(filepath.Base(dir), rmgCoreDir) {
		root := filepath.Dir(dir)
		return install{core: core, plugins: filepath.Join(root, rmgPluginDir), data: filepath.Join(root, rmgDataDir)}
	}
	return install{core: core, plugins: dir, data: dir}
}

// unixInstallOf returns the install a core library belongs to on macOS:
// an app bundle keeps plugins beside the core in Contents/MacOS and the
// data in Contents/Resources; a prefix keeps them in lib/mupen64plus and
// share/mupen64plus; anything else is one folder.
func unixInstallOf(core string) install {
	dir := filepath.Dir(core)
	parent := filepath.Dir(dir)
	switch {
	case filepath.Base(dir) == "MacOS" && filepath.Base(parent) == "Contents":
		return install{core: core, plugins: dir, data: filepath.Join(parent, "Resources")}
	case filepath.Base(dir) == "lib":
		return install{core: core, plugins: filepath.Join(dir, "mupen64plus"), data: filepath.Join(parent, "share", "mupen64plus")}
	}
	return install{core: core, plugins: dir, data: dir}
}

func fileExists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

// debianPackage names the package that ships a core or plugin file:
// libmupen64plus.so.2 is in libmupen64plus2, and each plugin's package
// is named like its file (mupen64plus-rsp-hle.so in mupen64plus-rsp-hle).
func debianPackage(path string) string {
	base := filepath.Base(path)
	if strings.HasPrefix(base, "libmupen64plus") {
		return "libmupen64plus2"
	}
	if name, ok := strings.CutSuffix(base, ".so"); ok && strings.HasPrefix(name, "mupen64plus-") {
		return name
	}
	return "the package that provides " + base
}
