package saves

import (
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"testing"
)

func TestPJ64Dirs(t *testing.T) {
	env := map[string]string{"ProgramFiles(x86)": filepath.Join("C", "x86"), "ProgramFiles": filepath.Join("C", "x64")}
	got := pj64Dirs(PJ64v3, func(k string) string { return env[k] })
	want := []string{
		filepath.Join("C", "x86", "Project64 4.0", "Save"), filepath.Join("C", "x86", "Project64 3.0", "Save"),
		filepath.Join("C", "x64", "Project64 4.0", "Save"), filepath.Join("C", "x64", "Project64 3.0", "Save"),
	}
	if !slices.Equal(got, want) {
		t.Errorf("pj64Dirs(pj64-3) = %q, want %q", got, want)
	}
	if got := pj64Dirs(PJ64v1, func(string) string { return "" }); len(got) != 0 {
		t.Errorf("without Program Files: %q, want none", got)
	}
}

func TestDefaultDirWindows(t *testing.T) {
	if runtime.GOOS != "windows" {
		t.Skip("Windows folders")
	}
	appData, x86 := t.TempDir(), t.TempDir()
	t.Setenv("APPDATA", appData)
	t.Setenv("ProgramFiles(x86)", x86)
	t.Setenv("ProgramFiles", t.TempDir())
	pj64 := filepath.Join(x86, "Project64 3.0", "Save")
	if err := os.MkdirAll(pj64, 0o755); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		em   Emulator
		want string
		err  error
	}{
		{Mupen64Plus, filepath.Join(appData, "Mupen64Plus", "save"), nil},
		{PJ64v3, pj64, nil},
		{PJ64v2, "", ErrNoDefaultDir},
		{RetroArch, filepath.Join(appData, "RetroArch", "saves"), nil},
	}
	for _, tt := range tests {
		got, err := DefaultDir(tt.em)
		if got != tt.want || !errors.Is(err, tt.err) {
			t.Errorf("DefaultDir(%v) = %q, %v; want %q, %v", tt.em, got, err, tt.want, tt.err)
		}
	}
	if got, err := RMGDefaultDir(); got != filepath.Join(appData, "RMG", "Save", "Game") || err != nil {
		t.Errorf("RMGDefaultDir = %q, %v", got, err)
	}
}
