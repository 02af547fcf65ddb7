package saves

import (
	"fmt"
	"path/filepath"
	"strings"
)

// maxNameLen is the longest file name most file systems accept.
const maxNameLen = 255

// CheckFileName refuses a save file or folder name that is not one plain
// name inside the save folder: empty, "." or "..", longer than 255 bytes, or
// holding a path separator (either OS's), a NUL or another control character.
// Names come from ROM headers and mupen64plus.ini, which may hold "/" (old
// mupen64plus and Project64 1.6 do not sanitise them). Errors wrap
// [ErrUnsafeName].
func CheckFileName(name string) error {
	bad := ""
	switch {
	case name == "" || name == "." || name == "..":
		bad = "not a file name"
	case len(name) > maxNameLen:
		bad = "too long"
	case strings.ContainsAny(name, `/\`):
		bad = "holds a path separator"
	case strings.ContainsFunc(name, func(r rune) bool { return r < 0x20 || r == 0x7F }):
		bad = "holds a control character"
	case filepath.IsAbs(name) || filepath.VolumeName(name) != "":
		bad = "is an absolute path"
	}
	if bad != "" {
		return fmt.Errorf("save file name %q %s: %w", name, bad, ErrUnsafeName)
	}
	return nil
}

// joinSafe joins a checked name to dir and confirms the result stays in dir.
func joinSafe(dir, name string) (string, error) {
	if err := CheckFileName(name); err != nil {
		return "", err
	}
	p := filepath.Join(dir, name)
	if rel, err := filepath.Rel(dir, p); err != nil || rel != name {
		return "", fmt.Errorf("save file %q leaves %s: %w", name, dir, ErrUnsafeName)
	}
	return p, nil
}
