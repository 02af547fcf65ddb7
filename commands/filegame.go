package commands

import (
	"fmt"
	"runtime"
	"slices"
	"strconv"
	"strings"

	"github.com/netpak/netpak/cheats"
	"github.com/netpak/netpak/saves"
)

// The session-file keys of the game's identity: save convention, cheat
// databases and enabled cheats.

// defaultSaves is the save convention of the core the launcher runs by
// default: Debian's libmupen64plus2 on Linux, a mupen64plus 2.6 release or
// RMG elsewhere.
var defaultSaves = defaultSaveConvention()

func defaultSaveConvention() string {
	if runtime.GOOS == "linux" {
		return "mupen64plus-debian"
	}
	return "mupen64plus"
}

const (
	// debianCheats is where Debian's mupen64plus-data installs the cheat
	// database.
	debianCheats = "/usr/share/games/mupen64plus/mupencheat.txt"
	// maxCheatFiles bounds cheat_files.
	maxCheatFiles = 8
	// maxCheatChoices bounds the [[cheat]] tables (cheats.MaxSetCheats).
	maxCheatChoices = cheats.MaxSetCheats
)

// saveConventions lists the values of the emulator key.
func saveConventions() []string {
	var names []string
	for e := saves.Emulator(1); ; e++ {
		if _, err := saves.ParseEmulator(e.String()); err != nil {
			return names
		}
		names = append(names, e.String())
	}
}

// entryError is a problem in one entry (0-based) of an array of tables, so
// that the error names that entry's line.
type entryError struct {
	index int
	err   error
}

func (e *entryError) Error() string { return fmt.Sprintf("entry %d: %v", e.index+1, e.err) }
func (e *entryError) Unwrap() error { return e.err }

func setCheats(s *Settings, v any) error {
	tables, ok := v.([]map[string]any)
	if !ok {
		return typeError("[[cheat]] tables", v)
	}
	if len(tables) > maxCheatChoices {
		return fmt.Errorf("more than %d cheats", maxCheatChoices)
	}
	choices := []CheatChoice{}
	for i, t := range tables {
		c, err := cheatChoice(t)
		if err != nil {
			return &entryError{index: i, err: err}
		}
		if slices.Contains(choices, c) {
			return &entryError{index: i, err: fmt.Errorf("%q is enabled twice", c.Name)}
		}
		choices = append(choices, c)
	}
	s.Emulator.Cheats = choices
	return nil
}

// cheatChoice reads one [[cheat]] table: name (required) and option.
func cheatChoice(t map[string]any) (CheatChoice, error) {
	var c CheatChoice
	for k, v := range t {
		str, ok := v.(string)
		switch {
		case k != "name" && k != "option":
			return c, fmt.Errorf("unknown key %q; a cheat has name and option", k)
		case !ok:
			return c, fmt.Errorf("%s %v", k, typeError("a string", v))
		case len(str) > cheats.MaxNameLength || !printable(str):
			return c, fmt.Errorf("%s is longer than %d bytes or holds control characters", k, cheats.MaxNameLength)
		case k == "name":
			c.Name = str
		default:
			c.Option = str
		}
	}
	if strings.TrimSpace(c.Name) == "" {
		return c, fmt.Errorf("a cheat needs a name, as its cheat database writes it")
	}
	return c, nil
}

func showCheats(s *Settings) string {
	if len(s.Emulator.Cheats) == 0 {
		return "# [[cheat]]\n# name = \"Infinite Lives\"\n# option = \"\"\n"
	}
	var b strings.Builder
	for _, c := range s.Emulator.Cheats {
		fmt.Fprintf(&b, "[[cheat]]\nname = %s\noption = %s\n", strconv.Quote(c.Name), strconv.Quote(c.Option))
	}
	return b.String()
}

// tableLine finds the line of the n-th (0-based) [[key]] header, or 0.
func tableLine(text, key string, n int) int {
	for i, line := range strings.Split(text, "\n") {
		l := strings.ReplaceAll(strings.TrimSpace(line), " ", "")
		for _, form := range []string{key, strconv.Quote(key), "'" + key + "'"} {
			if strings.HasPrefix(l, "[["+form+"]]") {
				if n == 0 {
					return i + 1
				}
				n--
			}
		}
	}
	return keyLine(text, key)
}

// validateGame checks the game keys: the save convention and the bounds.
func (e *Emulator) validateGame() error {
	if _, err := saves.ParseEmulator(e.Saves); err != nil {
		return bad("emulator", "%q is not one of %s", e.Saves, strings.Join(saveConventions(), ", "))
	}
	if len(e.CheatFiles) > maxCheatFiles {
		return bad("cheat_files", "more than %d files", maxCheatFiles)
	}
	for _, f := range e.CheatFiles {
		if f == "" {
			return bad("cheat_files", "an empty file name")
		}
	}
	if len(e.Cheats) > maxCheatChoices {
		return bad("cheat", "more than %d cheats", maxCheatChoices)
	}
	return nil
}
