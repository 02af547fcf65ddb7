package emucfg

import (
	"path/filepath"
	"strings"
)

// pluginSubdirs are the folders tried inside a plugin directory: the
// directory itself, then RMG's one folder per plugin kind.
var pluginSubdirs = []string{"", "GFX", "Audio", "Input", "RSP"}

// PluginPath returns the path the emulator opens for the plugin name: name
// itself when it has a path separator, else the first match in
// [Config.PluginDir] (or, when that is empty, the platform's usual plugin
// folders) or its RMG-style kind subfolders, trying a platform's
// alternate for a default plugin too.
func (c Config) PluginPath(name string) string { return resolvePlugin(c.PluginDir, name) }

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
