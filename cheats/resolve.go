package cheats

import (
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Selection names one enabled cheat, as a session file does: the game's
// key, the cheat's full name (with "\" folders, exactly as in the
// database) and, for cheats with "?" digits, the option. Option is the
// option's label, or "0x" and hex digits for a value of one's own choosing
// (how a Project64 range cheat, an unlisted value or an option with an
// empty label is picked).
type Selection struct {
	Game   GameKey
	Name   string
	Option string
}

// Limits on a resolved code set, which travels over the network.
const (
	MaxSetCheats   = 1024
	MaxSetCodes    = 16384 // in all cheats and patches together
	MaxWireNameLen = 255
)

// Resolve turns the selections for game into a canonical [CodeSet].
// Selections for other games are ignored. Each cheat is looked up in dbs in
// order, so a user database given first overrides a shared one. A cheat
// that is missing, lacks a needed option, or contains a GameShark-button
// code or an unknown type makes Resolve fail with an error naming the
// cheat and line ([ErrUnknownCheat], [ErrOption], [ErrButtonCode],
// [ErrUnknownType], [ErrBadCode]).
func Resolve(game GameKey, sels []Selection, dbs ...*Database) (*CodeSet, error) {
	s := &CodeSet{Game: game}
	warn := func(w string) { s.Warnings = append(s.Warnings, w) }
	for _, sel := range sels {
		if sel.Game != game {
			continue
		}
		c, f, err := lookup(game, sel.Name, dbs)
		if err != nil {
			return nil, err
		}
		opt, err := c.optionValue(sel.Option)
		if err != nil {
			return nil, fmt.Errorf("cheat %q: %w", sel.Name, err)
		}
		codes, err := canonCheat(c, f, opt, warn)
		if err != nil {
			return nil, err
		}
		if len(codes) > 0 {
			s.Cheats = append(s.Cheats, CheatCodes{Name: wireName(c.Name), Codes: codes})
		}
	}
	if err := s.checkLimits(); err != nil {
		return nil, err
	}
	s.finish()
	return s, nil
}

// lookup finds the first cheat called name for game in dbs.
func lookup(game GameKey, name string, dbs []*Database) (*Cheat, Format, error) {
	foundGame := false
	for _, db := range dbs {
		g := db.Game(game)
		if g == nil {
			continue
		}
		foundGame = true
		if c := g.Cheat(name); c != nil {
			return c, db.Format, nil
		}
	}
	if !foundGame {
		return nil, 0, fmt.Errorf("cheat %q: game %v: %w", name, game, ErrUnknownGame)
	}
	return nil, 0, fmt.Errorf("cheat %q for game %v: %w", name, game, ErrUnknownCheat)
}

// optionValue finds the value the selection's option names.
func (c *Cheat) optionValue(opt string) (uint16, error) {
	if !c.HasOptions() {
		if opt != "" {
			return 0, fmt.Errorf("option %q given but the cheat has none: %w", opt, ErrOption)
		}
		return 0, nil
	}
	if opt == "" {
		return 0, fmt.Errorf("needs an option (%s): %w", c.optionList(), ErrOption)
	}
	for _, o := range c.Options {
		if o.Label == opt {
			return o.Value, nil
		}
	}
	if h, ok := strings.CutPrefix(opt, "0x"); ok {
		if v, err := strconv.ParseUint(h, 16, 16); err == nil && isHex(h) {
			return uint16(v), nil
		}
	}
	return 0, fmt.Errorf("no option %q (%s): %w", opt, c.optionList(), ErrOption)
}

// optionList names a few options for an error message.
func (c *Cheat) optionList() string {
	var labels []string
	for i, o := range c.Options {
		if i == 8 {
			labels = append(labels, "…")
			break
		}
		labels = append(labels, strconv.Quote(o.Label))
	}
	if len(labels) == 0 {
		return "the database lists none; give 0x and hex digits"
	}
	return "one of " + strings.Join(labels, ", ")
}

// wireName shortens a name to MaxWireNameLen bytes on a rune boundary;
// names are shown to players but never hashed.
func wireName(s string) string {
	if len(s) <= MaxWireNameLen {
		return s
	}
	s = s[:MaxWireNameLen]
	for len(s) > 0 && !utf8.ValidString(s) {
		s = s[:len(s)-1]
	}
	return s
}
