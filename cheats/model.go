package cheats

import (
	"fmt"
	"strings"
)

// Format names a cheat file format.
type Format uint8

// The formats this package reads.
const (
	FormatMupencheat Format = iota + 1 // mupen64plus mupencheat.txt
	FormatPJ64Legacy                   // Project64 1.6/1.7 Project64.cht
	FormatPJ64v2                       // Project64 2.x Project64.cht (Xplorer64 codes)
	FormatPJ64v3                       // Project64 3.x and RMG "$" per-game files
	FormatRMGLobby                     // RMG room features.cheats JSON
	FormatSimple64                     // simple64 cheats.json
)

var formatNames = [...]string{"", "mupencheat.txt", "project64 1.6", "project64 2.x", "project64 3.x", "rmg lobby", "simple64"}

// String names the format for error messages.
func (f Format) String() string {
	if int(f) < len(formatNames) && f != 0 {
		return formatNames[f]
	}
	return fmt.Sprintf("format(%d)", uint8(f))
}

// posWord says what a [RawCode.Pos] counts in this format.
func (f Format) posWord() string {
	if f == FormatRMGLobby || f == FormatSimple64 {
		return "code"
	}
	return "line"
}

// Limits every parser enforces. The largest real database, Project64
// 2.x's, is about 2 MiB with some 10 000 cheats; mupencheat.txt's longest
// line is 2 937 bytes and its longest cheat 94 codes.
const (
	MaxFileSize      = 16 << 20
	MaxLineLength    = 64 << 10
	MaxGames         = 16384
	MaxCheats        = 200000 // in one database
	MaxCodesPerCheat = 1024
	MaxOptions       = 4096 // per cheat
	MaxNameLength    = 1024 // game, cheat and option names, notes
)

// Database is a parsed cheat file: games in file order. When a file names
// the same game twice, the first section wins, as in mupen64plus's
// ui-console; later ones are checked for errors and dropped. A Database is
// not modified by this package after parsing and is safe for concurrent
// reads.
type Database struct {
	Format Format
	Games  []*Game
	index  map[GameKey]int
}

// Game is one game's section of a database.
type Game struct {
	Key    GameKey
	Name   string
	Cheats []*Cheat
}

// Cheat is one named cheat as written in a database, before any option is
// chosen. Name keeps the "\" folder separators of the source.
type Cheat struct {
	Name    string
	Note    string
	Codes   []RawCode
	Options []Option
	Pos     int // line (or entry, in JSON formats) where the cheat starts
}

// Option is one choice for a cheat's "?" digits.
type Option struct {
	Label string
	Value uint16
}

// RawCode is one code line as written: Address holds the type byte and the
// 24-bit address, Value the 16-bit value with "?" digits read as zero, and
// OptMask the bits of Value that the chosen option fills (zero when the
// line has no "?"). Pos is the source line, or the 1-based code index in
// JSON formats.
type RawCode struct {
	Address uint32
	Value   uint16
	OptMask uint16
	Pos     int
}

// String writes the code as "XXXXXXXX YYYY" with "?" for option digits.
func (c RawCode) String() string {
	v := []byte(fmt.Sprintf("%04X", c.Value))
	for i := range 4 {
		if c.OptMask>>(12-4*i)&0xF != 0 {
			v[i] = '?'
		}
	}
	return fmt.Sprintf("%08X %s", c.Address, v)
}

// Game returns the database's section for k, or nil.
func (db *Database) Game(k GameKey) *Game {
	if i, ok := db.index[k]; ok {
		return db.Games[i]
	}
	return nil
}

// NumCheats returns the number of cheats in all games.
func (db *Database) NumCheats() int {
	n := 0
	for _, g := range db.Games {
		n += len(g.Cheats)
	}
	return n
}

// Cheat returns the game's first cheat named name, or nil.
func (g *Game) Cheat(name string) *Cheat {
	for _, c := range g.Cheats {
		if c.Name == name {
			return c
		}
	}
	return nil
}

// HasOptions reports whether the cheat has "?" digits an option must fill.
func (c *Cheat) HasOptions() bool {
	for _, rc := range c.Codes {
		if rc.OptMask != 0 {
			return true
		}
	}
	return false
}

// dbBuilder collects games while a parser runs and enforces the limits.
type dbBuilder struct {
	db      *Database
	cur     *Game // nil before the first section
	dropped bool  // cur is a duplicate section whose cheats are discarded
	cheats  int
}

func newBuilder(f Format) *dbBuilder {
	return &dbBuilder{db: &Database{Format: f, index: make(map[GameKey]int)}}
}

// startGame opens a section; a repeated key parses into a dropped section.
func (b *dbBuilder) startGame(k GameKey, name string) error {
	if len(b.db.Games) >= MaxGames {
		return fmt.Errorf("more than %d games: %w", MaxGames, ErrTooLarge)
	}
	b.cur = &Game{Key: k, Name: name}
	_, b.dropped = b.db.index[k]
	if !b.dropped {
		b.db.index[k] = len(b.db.Games)
		b.db.Games = append(b.db.Games, b.cur)
	}
	return nil
}

// addCheat appends c to the current game.
func (b *dbBuilder) addCheat(c *Cheat) error {
	if b.cur == nil {
		return fmt.Errorf("cheat %q before any game section: %w", c.Name, ErrSyntax)
	}
	if b.cheats++; b.cheats > MaxCheats {
		return fmt.Errorf("more than %d cheats: %w", MaxCheats, ErrTooLarge)
	}
	b.cur.Cheats = append(b.cur.Cheats, c)
	return nil
}

// addCode appends a code line to c, enforcing the per-cheat limit.
func addCode(c *Cheat, rc RawCode) error {
	if len(c.Codes) >= MaxCodesPerCheat {
		return fmt.Errorf("cheat %q has more than %d codes: %w", c.Name, MaxCodesPerCheat, ErrTooLarge)
	}
	c.Codes = append(c.Codes, rc)
	return nil
}

// addOption appends an option to c, enforcing the per-cheat limit.
func addOption(c *Cheat, o Option) error {
	if len(c.Options) >= MaxOptions {
		return fmt.Errorf("cheat %q has more than %d options: %w", c.Name, MaxOptions, ErrTooLarge)
	}
	c.Options = append(c.Options, o)
	return nil
}

// checkName refuses names longer than MaxNameLength.
func checkName(what, s string) (string, error) {
	s = strings.TrimSpace(s)
	if len(s) > MaxNameLength {
		return "", fmt.Errorf("%s longer than %d bytes: %w", what, MaxNameLength, ErrTooLarge)
	}
	return s, nil
}
