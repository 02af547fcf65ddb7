package saves

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
)

// Emulator is one emulator's save convention: folder layout, file names,
// sizes. Byte order is the same in all of them (research/saves-cheats.md §1.5).
type Emulator uint8

const (
	// Mupen64Plus is mupen64plus-core 2.6 and later (RMG, simple64, m64p):
	// "<GoodName, 32 bytes>-<MD5 prefix>" names, sanitised; 4 paks in one .mpk.
	Mupen64Plus Emulator = iota + 1
	// Mupen64PlusDebian is the core Debian ships (2.5.9+341, f82b37bf): the
	// same names, not sanitised.
	Mupen64PlusDebian
	// Mupen64PlusLegacy is mupen64plus-core 2.5.9 and earlier: "<GoodName>".
	Mupen64PlusLegacy
	// PJ64v1 is Project64 1.6 and 1.7: "<header name>.ext", 4 paks in one .mpk.
	PJ64v1
	// PJ64v2 is Project64 2.x: as 1.6 but one "<name>_Cont_<n>.mpk" per pak.
	PJ64v2
	// PJ64v3 is Project64 3.0 and later: as 2.x inside a per-game folder
	// "<name>-<PJ64 MD5>" (the "Unique Game Dir" default since 3.0).
	PJ64v3
	// RetroArch is RetroArch's Mupen64Plus-Next core: one "<rom file>.srm".
	RetroArch
)

var emulatorNames = map[Emulator]string{
	Mupen64Plus:       "mupen64plus",
	Mupen64PlusDebian: "mupen64plus-debian",
	Mupen64PlusLegacy: "mupen64plus-legacy",
	PJ64v1:            "pj64-1",
	PJ64v2:            "pj64-2",
	PJ64v3:            "pj64-3",
	RetroArch:         "retroarch",
}

// String returns the emulator's name as session files spell it, e.g. "pj64-3".
func (e Emulator) String() string {
	if n, ok := emulatorNames[e]; ok {
		return n
	}
	return fmt.Sprintf("emulator(%d)", uint8(e))
}

// ParseEmulator returns the Emulator whose [Emulator.String] is name.
func ParseEmulator(name string) (Emulator, error) {
	for e, n := range emulatorNames {
		if n == name {
			return e, nil
		}
	}
	return 0, fmt.Errorf("parse emulator %q: %w", name, ErrUnknownEmulator)
}

// Family is a group of emulators that can play netplay together and share a
// way of exchanging saves (research/saves-cheats.md §5.1).
type Family uint8

// Emulator families. Never mix families in one session.
const (
	FamilyUnknown Family = iota
	FamilyMupen64Plus
	FamilyProject64
	FamilyRetroArch
	numFamilies
)

// String returns "mupen64plus", "project64", "retroarch" or "unknown".
func (f Family) String() string {
	switch f {
	case FamilyMupen64Plus:
		return "mupen64plus"
	case FamilyProject64:
		return "project64"
	case FamilyRetroArch:
		return "retroarch"
	}
	return "unknown"
}

// Family returns the family e belongs to.
func (e Emulator) Family() Family {
	switch e {
	case Mupen64Plus, Mupen64PlusDebian, Mupen64PlusLegacy:
		return FamilyMupen64Plus
	case PJ64v1, PJ64v2, PJ64v3:
		return FamilyProject64
	case RetroArch:
		return FamilyRetroArch
	}
	return FamilyUnknown
}

// DefaultDir returns the save folder emulator e uses when its configuration
// does not name one. Project64 keeps saves under its install folder: on
// Windows the Save folder of the first installed version of e's convention
// under Program Files; elsewhere, or when none is installed, only the
// player knows it, which gives [ErrNoDefaultDir].
func DefaultDir(e Emulator) (string, error) {
	switch e.Family() {
	case FamilyMupen64Plus:
		return mupenDefaultDir()
	case FamilyRetroArch:
		return retroarchDefaultDir()
	case FamilyProject64:
		if runtime.GOOS == "windows" {
			for _, d := range pj64Dirs(e, os.Getenv) {
				if fi, err := os.Stat(d); err == nil && fi.IsDir() {
					return d, nil
				}
			}
		}
		return "", fmt.Errorf("%v keeps saves in <install folder>/Save: %w", e, ErrNoDefaultDir)
	}
	return "", fmt.Errorf("default save folder: %w", ErrUnknownEmulator)
}

// mupenDefaultDir is <UserDataPath>/save (mupen64plus-core osal files_unix.c,
// files_win32.c).
func mupenDefaultDir() (string, error) {
	if runtime.GOOS == "windows" {
		if d := os.Getenv("APPDATA"); d != "" {
			return filepath.Join(d, "Mupen64Plus", "save"), nil
		}
		return "", fmt.Errorf("mupen64plus: APPDATA not set: %w", ErrNoDefaultDir)
	}
	if d := os.Getenv("XDG_DATA_HOME"); d != "" {
		return filepath.Join(d, "mupen64plus", "save"), nil
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return "", fmt.Errorf("mupen64plus: %v: %w", err, ErrNoDefaultDir)
	}
	return filepath.Join(home, ".local", "share", "mupen64plus", "save"), nil
}

// pj64Versions are the folders Project64's installers create under
// Program Files, newest first, for each save convention. Not checked on a
// Windows machine: the installers' usual defaults.
var pj64Versions = map[Emulator][]string{
	PJ64v1: {"Project64 1.7", "Project64 1.6"},
	PJ64v2: {"Project64 2.4", "Project64 2.3", "Project64 2.2", "Project64 2.1"},
	PJ64v3: {"Project64 4.0", "Project64 3.0"},
}

// pj64Dirs lists where an installed Project64 of convention e keeps its
// saves on Windows: <install folder>\Save, under Program Files (x86) first,
// since Project64 is a 32-bit program.
func pj64Dirs(e Emulator, getenv func(string) string) []string {
	var dirs []string
	for _, env := range []string{"ProgramFiles(x86)", "ProgramFiles"} {
		root := getenv(env)
		if root == "" {
			continue
		}
		for _, v := range pj64Versions[e] {
			dirs = append(dirs, filepath.Join(root, v, "Save"))
		}
	}
	return dirs
}

// RMGDefaultDir returns RMG's save folder: ~/.local/share/RMG/Save/Game on
// Linux, %APPDATA%\RMG\Save\Game on Windows unless RMG runs portable
// (Rosalie241/RMG Directories.cpp). RMG uses mupen64plus-core's file names.
func RMGDefaultDir() (string, error) {
	if runtime.GOOS == "windows" {
		if d := os.Getenv("APPDATA"); d != "" {
			return filepath.Join(d, "RMG", "Save", "Game"), nil
		}
		return "", fmt.Errorf("rmg: APPDATA not set: %w", ErrNoDefaultDir)
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return "", fmt.Errorf("rmg: %v: %w", err, ErrNoDefaultDir)
	}
	return filepath.Join(home, ".local", "share", "RMG", "Save", "Game"), nil
}

// retroarchDefaultDir is RetroArch's usual savefile_directory. Not from the
// research notes: RetroArch's own default configuration.
func retroarchDefaultDir() (string, error) {
	if runtime.GOOS == "windows" {
		if d := os.Getenv("APPDATA"); d != "" {
			return filepath.Join(d, "RetroArch", "saves"), nil
		}
		return "", fmt.Errorf("retroarch: APPDATA not set: %w", ErrNoDefaultDir)
	}
	if d := os.Getenv("XDG_CONFIG_HOME"); d != "" {
		return filepath.Join(d, "retroarch", "saves"), nil
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return "", fmt.Errorf("retroarch: %v: %w", err, ErrNoDefaultDir)
	}
	return filepath.Join(home, ".config", "retroarch", "saves"), nil
}
