package launcher

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// pluginSubdirs are the folders tried inside a plugin directory: the
// directory itself, then RMG's one folder per plugin kind.
var pluginSubdirs = []string{"", "GFX", "Audio", "Input", "RSP"}

// resolvePlugin turns a plugin name into the path to open. A name with a
// path separator is a path already; otherwise the first directory (or
// kind subfolder) that has it wins, then a platform's alternate for a
// default plugin, and a plugin found nowhere resolves into the first
// directory so the error names a sensible path.
func resolvePlugin(dir, name string) string {
	if strings.ContainsAny(name, `/`+string(filepath.Separator)) {
		return name
	}
	dirs := []string{dir}
	if dir == "" {
		dirs = pluginDirs()
	}
	if p, ok := findPlugin(dirs, name); ok {
		return p
	}
	for _, alt := range pluginAlternates[name] {
		if p, ok := findPlugin(dirs, alt); ok {
			return p
		}
	}
	return filepath.Join(dirs[0], name)
}

func findPlugin(dirs []string, name string) (string, bool) {
	for _, d := range dirs {
		for _, sub := range pluginSubdirs {
			if p := filepath.Join(d, sub, name); fileExists(p) {
				return p, true
			}
		}
	}
	return "", false
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
