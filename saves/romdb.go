package saves

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/netpak/netpak/saves/rom"
)

// DebianROMDB is where Debian's mupen64plus-data installs the ROM database.
const DebianROMDB = "/usr/share/games/mupen64plus/mupen64plus.ini"

// Bounds of a ROM database file; Debian's has 3217 sections in 500 KiB.
const (
	maxROMDBBytes   = 16 << 20
	maxROMDBEntries = 50000
	maxROMDBLine    = 4096
)

// ErrBadROMDB means a mupen64plus.ini could not be read within its bounds.
var ErrBadROMDB = errors.New("malformed mupen64plus rom database")

// ROMDBEntry is one game of mupen64plus.ini, with RefMD5 references resolved.
type ROMDBEntry struct {
	MD5        string // upper-case hex, the section name
	GoodName   string
	SaveType   string // "Eeprom 4KB", "Eeprom 16KB", "SRAM", "Flash RAM", "None", or "" (default Eeprom 4KB)
	CRC1, CRC2 uint32
	refMD5     string
}

// EEPROMSize returns the game's EEPROM size, 512 or 2048, or 0 when the
// game does not use EEPROM. An entry without SaveType is a 4 Kbit EEPROM game
// for mupen64plus.
func (e ROMDBEntry) EEPROMSize() int {
	switch e.SaveType {
	case "", "Eeprom 4KB":
		return EEPROM4KSize
	case "Eeprom 16KB":
		return EEPROM16KSize
	}
	return 0
}

// ROMDB is a parsed mupen64plus.ini: the GoodName and save type of known
// ROMs by MD5. The zero value is an empty database. Safe for concurrent reads.
type ROMDB struct {
	byMD5 map[string]ROMDBEntry
	byCRC map[[2]uint32]string // first MD5 with that CRC pair
}

// Len returns the number of entries.
func (db *ROMDB) Len() int { return len(db.byMD5) }

// ParseROMDB reads a mupen64plus.ini. Lines outside a "[MD5]" section and
// unknown keys are ignored; errors wrap [ErrBadROMDB].
func ParseROMDB(r io.Reader) (*ROMDB, error) {
	db := &ROMDB{byMD5: map[string]ROMDBEntry{}, byCRC: map[[2]uint32]string{}}
	sc := bufio.NewScanner(io.LimitReader(r, maxROMDBBytes))
	sc.Buffer(make([]byte, 0, 1024), maxROMDBLine)
	var cur *ROMDBEntry
	flush := func() {
		if cur != nil {
			db.add(*cur)
		}
	}
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if strings.HasPrefix(line, "[") && strings.HasSuffix(line, "]") {
			flush()
			if len(db.byMD5) >= maxROMDBEntries {
				return nil, fmt.Errorf("rom database: more than %d entries: %w", maxROMDBEntries, ErrBadROMDB)
			}
			cur = &ROMDBEntry{MD5: strings.ToUpper(line[1 : len(line)-1])}
			continue
		}
		key, val, ok := strings.Cut(line, "=")
		if !ok || cur == nil || strings.HasPrefix(line, ";") {
			continue
		}
		if err := cur.set(key, val); err != nil {
			return nil, fmt.Errorf("rom database line %d: %w", n, err)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("rom database: %v: %w", err, ErrBadROMDB)
	}
	flush()
	return db, nil
}

func (e *ROMDBEntry) set(key, val string) error {
	switch key {
	case "GoodName":
		e.GoodName = val
	case "SaveType":
		e.SaveType = val
	case "RefMD5":
		e.refMD5 = strings.ToUpper(val)
	case "CRC":
		a, b, ok := strings.Cut(val, " ")
		c1, err1 := strconv.ParseUint(a, 16, 32)
		c2, err2 := strconv.ParseUint(b, 16, 32)
		if !ok || err1 != nil || err2 != nil {
			return fmt.Errorf("bad CRC %q: %w", val, ErrBadROMDB)
		}
		e.CRC1, e.CRC2 = uint32(c1), uint32(c2)
	}
	return nil
}

func (db *ROMDB) add(e ROMDBEntry) {
	db.byMD5[e.MD5] = e
	crc := [2]uint32{e.CRC1, e.CRC2}
	if _, ok := db.byCRC[crc]; !ok && crc != ([2]uint32{}) {
		db.byCRC[crc] = e.MD5
	}
}

// maxRefDepth bounds RefMD5 chains (they are one step deep in practice).
const maxRefDepth = 4

// Lookup finds a ROM by its MD5 (upper-case hex), then by its header CRC
// pair, as mupen64plus-core does, and fills in the save type from the
// entry a RefMD5 points to.
func (db *ROMDB) Lookup(md5 string, crc1, crc2 uint32) (ROMDBEntry, bool) {
	e, ok := db.byMD5[strings.ToUpper(md5)]
	if !ok {
		var m string
		if m, ok = db.byCRC[[2]uint32{crc1, crc2}]; ok {
			e = db.byMD5[m]
		}
	}
	if !ok {
		return ROMDBEntry{}, false
	}
	for ref, i := e.refMD5, 0; ref != "" && i < maxRefDepth; i++ {
		base, found := db.byMD5[ref]
		if !found {
			break
		}
		if e.SaveType == "" {
			e.SaveType = base.SaveType
		}
		ref = base.refMD5
	}
	return e, true
}

// Game returns the [Game] of r with GoodName and EEPROM size from the
// database (when r is in it); contentName is the ROM file's base name.
func (db *ROMDB) Game(r *rom.ROM, contentName string) Game {
	g := Game{ROM: r, ContentName: contentName}
	if db == nil {
		return g
	}
	if e, ok := db.Lookup(r.MD5Hex(), r.Header.CRC1, r.Header.CRC2); ok {
		g.GoodName, g.EEPROMSize = e.GoodName, e.EEPROMSize()
	}
	return g
}
