package saves

import (
	"fmt"
	"strings"

	"github.com/netpak/netpak/saves/rom"
)

// Game is what the save conventions need to know about a ROM.
type Game struct {
	// ROM is the parsed ROM; required.
	ROM *rom.ROM
	// GoodName is the game's name in mupen64plus.ini (looked up by MD5), ""
	// when the ROM is not in the database.
	GoodName string
	// EEPROMSize is 512 or 2048 when the game's save type is known (ROM
	// database, homebrew header); 0 infers it from the file.
	EEPROMSize int
	// ContentName is the ROM file's name without folder and extension.
	// RetroArch names its .srm after it; Project64 1.6 uses it when the
	// header name is empty.
	ContentName string
}

// eepromNominal returns the EEPROM size to use, 0 for "infer".
func (g Game) eepromNominal() int {
	if g.EEPROMSize == EEPROM4KSize || g.EEPROMSize == EEPROM16KSize {
		return g.EEPROMSize
	}
	if g.ROM != nil && g.ROM.HasHomebrewHeader {
		switch g.ROM.HomebrewSaveType {
		case rom.SaveEEPROM4K:
			return EEPROM4KSize
		case rom.SaveEEPROM16K:
			return EEPROM16KSize
		}
	}
	return 0
}

// mupenUnsafe are the characters mupen64plus-core 2.6 replaces by "_".
const mupenUnsafe = `:<>"/\|?*`

func sanitizeMupen(s string) string {
	return strings.Map(func(r rune) rune {
		if strings.ContainsRune(mupenUnsafe, r) {
			return '_'
		}
		return r
	}, s)
}

// cleanPJ64 is Project64 3.x CleanRomName: "/" and "\" become "-", ":" ";".
func cleanPJ64(s string) string {
	return strings.NewReplacer("/", "-", `\`, "-", ":", ";").Replace(s)
}

// candidate is a base path (without extension) an emulator may use.
type candidate struct {
	base     string
	nonEmpty bool // used only if the file exists and is not empty
}

// mupenBases returns, in the core's lookup order, the base names
// mupen64plus-core of generation e looks for, and the one it creates
// (research/saves-cheats.md §1.2.2).
func mupenBases(e Emulator, g Game) (lookup []candidate, create string) {
	header := g.ROM.Header.Name()
	legacy := g.GoodName
	if legacy == "" {
		legacy = header + " (unknown rom)"
	}
	if e == Mupen64PlusLegacy {
		return []candidate{{base: legacy}}, legacy
	}
	named := g.GoodName
	if named == "" {
		named = header
	}
	if named == "" {
		named = "unknown"
	}
	withMD5 := fmt.Sprintf("%s-%s", truncBytes(named, 32), g.ROM.MD5Hex()[:8])
	if e == Mupen64PlusDebian {
		return []candidate{{legacy, true}, {base: withMD5}}, withMD5
	}
	withMD5 = sanitizeMupen(withMD5)
	return []candidate{{legacy, true}, {base: withMD5}, {base: sanitizeMupen(header)}}, withMD5
}

// truncBytes is C's "%.Ns": at most n bytes.
func truncBytes(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}

// pj64Name returns Project64's internal name for the game.
func pj64Name(e Emulator, g Game) string {
	n := g.ROM.Header.Name()
	if n == "" {
		n = g.ContentName
	}
	if e == PJ64v3 {
		n = cleanPJ64(n)
	}
	return n
}

// pj64GameDir is Project64 3.x's per-game folder, "<name>-<PJ64 MD5>".
func pj64GameDir(g Game) string {
	return pj64Name(PJ64v3, g) + "-" + g.ROM.PJ64MD5Hex()
}

// retroarchCoreDir is the sub-folder RetroArch uses with "sort saves by core".
const retroarchCoreDir = "Mupen64Plus-Next"
