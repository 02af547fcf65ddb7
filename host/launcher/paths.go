package launcher

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
)

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

// resolvePlugin turns a plugin name into the path to open. A name with a
// slash is a path already; otherwise the first directory that has it wins,
// and a plugin found nowhere resolves into the first directory so the
// error names a sensible path.
func resolvePlugin(dir, name string) string {
	if strings.ContainsRune(name, '/') {
		return name
	}
	if dir != "" {
		return filepath.Join(dir, name)
	}
	dirs := pluginDirs()
	for _, d := range dirs {
		p := filepath.Join(d, name)
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	return filepath.Join(dirs[0], name)
}

// ROM size bounds: the header and boot code, and the largest cartridge.
const (
	minROMSize = 0x1000
	maxROMSize = 64 << 20
)

// readROM reads a ROM image, refusing sizes no cartridge has.
func readROM(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("open ROM: %w", err)
	}
	defer f.Close()
	rom, err := io.ReadAll(io.LimitReader(f, maxROMSize+1))
	if err != nil {
		return nil, fmt.Errorf("read ROM %s: %w", path, err)
	}
	if len(rom) < minROMSize || len(rom) > maxROMSize {
		return nil, fmt.Errorf("%w: ROM %s is %d bytes, want %d to %d", ErrConfig, path, len(rom), minROMSize, maxROMSize)
	}
	return rom, nil
}
