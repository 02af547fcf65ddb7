package emucfg

import (
	"path/filepath"
	"testing"
)

func TestFindInstall(t *testing.T) {
	j := filepath.Join
	exe, rmg, zip := j("/", "netpak"), j("/", "Programs", "RMG"), j("/", "m64p")
	tests := []struct {
		name  string
		files []string
		want  install
		found bool
	}{
		{"nothing", nil, install{}, false},
		{"release zip", []string{j(zip, "mupen64plus.dll")}, install{j(zip, "mupen64plus.dll"), zip, zip}, true},
		{"RMG", []string{j(rmg, "Core", "mupen64plus.dll")},
			install{j(rmg, "Core", "mupen64plus.dll"), j(rmg, "Plugin"), j(rmg, "Data")}, true},
		{"first base wins", []string{j(rmg, "Core", "mupen64plus.dll"), j(exe, "mupen64plus.dll")},
			install{j(exe, "mupen64plus.dll"), exe, exe}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			has := map[string]bool{}
			for _, f := range tt.files {
				has[f] = true
			}
			got, ok := findInstall([]string{exe, rmg, zip}, "mupen64plus.dll", func(p string) bool { return has[p] })
			if ok != tt.found || got != tt.want {
				t.Errorf("findInstall = %+v, %v, want %+v, %v", got, ok, tt.want, tt.found)
			}
		})
	}
}

func TestInstallOfCoreFolder(t *testing.T) {
	core := filepath.Join("/", "RMG", "core", "mupen64plus.dll") // Windows folder names ignore case
	want := install{core, filepath.Join("/", "RMG", "Plugin"), filepath.Join("/", "RMG", "Data")}
	if got := installOf(core); got != want {
		t.Errorf("installOf = %+v, want %+v", got, want)
	}
}

func TestUnixInstallOf(t *testing.T) {
	j := filepath.Join
	app := j("/", "Applications", "mupen64plus.app", "Contents")
	tests := []struct {
		core string
		want install
	}{
		{j(app, "MacOS", "libmupen64plus.dylib"), install{j(app, "MacOS", "libmupen64plus.dylib"), j(app, "MacOS"), j(app, "Resources")}},
		{j("/", "opt", "homebrew", "lib", "libmupen64plus.dylib"), install{j("/", "opt", "homebrew", "lib", "libmupen64plus.dylib"),
			j("/", "opt", "homebrew", "lib", "mupen64plus"), j("/", "opt", "homebrew", "share", "mupen64plus")}},
		{j("/", "games", "m64p", "libmupen64plus.dylib"), install{j("/", "games", "m64p", "libmupen64plus.dylib"), j("/", "games", "m64p"), j("/", "games", "m64p")}},
	}
	for _, tt := range tests {
		if got := unixInstallOf(tt.core); got != tt.want {
			t.Errorf("unixInstallOf(%q) = %+v, want %+v", tt.core, got, tt.want)
		}
	}
}
