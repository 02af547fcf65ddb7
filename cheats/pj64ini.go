package cheats

import (
	"fmt"
	"io"
	"strconv"
	"strings"
)

// ParseProject64Legacy parses Project64 1.6/1.7's Project64.cht: INI
// sections "[CRC1-CRC2-C:X]" with Name=, CheatN="name",code,code…,
// CheatN_O=$01 label,… (hex with "$", else decimal) and CheatN_N=note.
// Range keys (CheatN_R, CheatN_RN) and non-game sections such as [Meta]
// are read and ignored; a range cheat's value can still be chosen with a
// "0x…" option (see [Selection]).
func ParseProject64Legacy(r io.Reader) (*Database, error) {
	return parsePJ64INI(FormatPJ64Legacy, r)
}

// ParseProject64v2 parses Project64 2.x's Config/Project64.cht. The layout
// is the 1.6 one; most codes are Xplorer64-encrypted (E8, E9, …), which
// [Resolve] decodes after substituting the option, as Project64 does.
func ParseProject64v2(r io.Reader) (*Database, error) {
	return parsePJ64INI(FormatPJ64v2, r)
}

func parsePJ64INI(f Format, r io.Reader) (*Database, error) {
	data, err := readInput(f, r)
	if err != nil {
		return nil, err
	}
	p := iniParser{b: newBuilder(f)}
	if err := eachLine(f, data, p.line); err != nil {
		return nil, err
	}
	return p.b.db, nil
}

type iniParser struct {
	b       *dbBuilder
	inGame  bool
	byIndex map[int]*Cheat // this section's cheats by N of "CheatN"
}

func (p *iniParser) line(n int, s string) error {
	switch {
	case s == "" || strings.HasPrefix(s, "//") || strings.HasPrefix(s, ";"):
		return nil
	case strings.HasPrefix(s, "["):
		return p.section(s)
	}
	key, val, ok := strings.Cut(s, "=")
	if !ok {
		return fmt.Errorf("line %q is not a section or key=value: %w", clip(s), ErrSyntax)
	}
	if !p.inGame {
		return nil
	}
	return p.keyValue(n, strings.TrimSpace(key), strings.TrimSpace(val))
}

func (p *iniParser) section(s string) error {
	if !strings.HasSuffix(s, "]") {
		return fmt.Errorf("section %q: missing ]: %w", clip(s), ErrSyntax)
	}
	k, err := ParseGameKey(strings.TrimSpace(s[1 : len(s)-1]))
	p.inGame = err == nil
	p.byIndex = make(map[int]*Cheat)
	if !p.inGame {
		return nil // [Meta] and other non-game sections
	}
	return p.b.startGame(k, "")
}

func (p *iniParser) keyValue(n int, key, val string) error {
	if key == "Name" {
		name, err := checkName("game name", val)
		p.b.cur.Name = name
		return err
	}
	rest, ok := strings.CutPrefix(key, "Cheat")
	if !ok {
		return nil
	}
	idx, suffix, _ := strings.Cut(rest, "_")
	i, err := strconv.Atoi(idx)
	if err != nil || i < 0 || len(idx) > 7 {
		return nil // not a cheat key (e.g. "CheatPlugin" in an RDB-like file)
	}
	if suffix == "" {
		return p.cheat(n, i, val)
	}
	c := p.byIndex[i]
	if c == nil && (suffix == "O" || suffix == "N") {
		return fmt.Errorf("%s before Cheat%d: %w", key, i, ErrSyntax)
	}
	switch suffix {
	case "O":
		return p.options(c, val)
	case "N":
		c.Note, err = checkName("note", val)
		return err
	}
	return nil
}

// cheat parses `"name",code,code,…`.
func (p *iniParser) cheat(n, i int, val string) error {
	if p.byIndex[i] != nil {
		return fmt.Errorf("key Cheat%d defined twice: %w", i, ErrSyntax)
	}
	if !strings.HasPrefix(val, "\"") {
		return fmt.Errorf("key Cheat%d: name must be quoted: %w", i, ErrSyntax)
	}
	name, codes, ok := strings.Cut(val[1:], "\"")
	if !ok {
		return fmt.Errorf("key Cheat%d: unterminated name: %w", i, ErrSyntax)
	}
	name, err := checkName("cheat name", name)
	if err != nil {
		return err
	}
	c := &Cheat{Name: name, Pos: n}
	for _, code := range strings.Split(strings.TrimPrefix(codes, ","), ",") {
		if code = strings.TrimSpace(code); code == "" {
			continue
		}
		rc, rest, err := parseCode(code)
		if err != nil {
			return err
		}
		if rest != "" {
			return fmt.Errorf("code %q: junk after value: %w", clip(code), ErrSyntax)
		}
		rc.Pos = n
		if err := addCode(c, rc); err != nil {
			return err
		}
	}
	p.byIndex[i] = c
	return p.b.addCheat(c)
}

// options parses "$01 Label,$02 Label" (decimal without "$"); a part that
// does not start with a value continues the previous label after a comma.
func (p *iniParser) options(c *Cheat, val string) error {
	c.Options = c.Options[:0]
	for _, raw := range strings.Split(val, ",") {
		part := strings.TrimSpace(raw)
		num, label, _ := strings.Cut(part, " ")
		v, ok := pj64OptionValue(num)
		if !ok {
			if len(c.Options) == 0 {
				return fmt.Errorf("option %q: want $XX label: %w", clip(part), ErrSyntax)
			}
			last := &c.Options[len(c.Options)-1]
			lbl, err := checkName("option label", last.Label+","+raw)
			last.Label = lbl
			if err != nil {
				return err
			}
			continue
		}
		label, err := checkName("option label", label)
		if err != nil {
			return err
		}
		if err := addOption(c, Option{Label: label, Value: v}); err != nil {
			return err
		}
	}
	return nil
}

// pj64OptionValue parses "$XXXX" as hex or a plain number as decimal.
func pj64OptionValue(s string) (uint16, bool) {
	if h, ok := strings.CutPrefix(s, "$"); ok {
		v, err := parseHex16(h)
		return v, err == nil
	}
	v, err := strconv.ParseUint(s, 10, 16)
	return uint16(v), err == nil && s != "" && s[0] != '+'
}
