package cheats

import (
	"fmt"
	"io"
	"strings"
)

// ParseMupencheat parses mupen64plus's mupencheat.txt: "crc" sections,
// "gn" game names, "cn" cheats with "\" folders, "cd" notes and code lines
// "XXXXXXXX YYYY" or "XXXXXXXX ???? 0001:"label",…". Options are taken from
// the last line of a cheat that lists them.
func ParseMupencheat(r io.Reader) (*Database, error) {
	data, err := readInput(FormatMupencheat, r)
	if err != nil {
		return nil, err
	}
	p := mupenParser{b: newBuilder(FormatMupencheat)}
	if err := eachLine(FormatMupencheat, data, p.line); err != nil {
		return nil, err
	}
	return p.b.db, nil
}

type mupenParser struct {
	b     *dbBuilder
	cheat *Cheat
}

func (p *mupenParser) line(n int, s string) error {
	switch {
	case s == "" || strings.HasPrefix(s, "//") || strings.HasPrefix(s, "#"):
		return nil
	case strings.HasPrefix(s, "crc "):
		k, err := ParseGameKey(strings.TrimSpace(s[4:]))
		if err != nil {
			return fmt.Errorf("%w: %w", err, ErrSyntax)
		}
		p.cheat = nil
		return p.b.startGame(k, "")
	case strings.HasPrefix(s, "gn "):
		return p.gameName(s[3:])
	case strings.HasPrefix(s, "cn "):
		return p.startCheat(n, s[3:])
	case strings.HasPrefix(s, "cd "):
		if p.cheat == nil {
			return fmt.Errorf("note before any cheat: %w", ErrSyntax)
		}
		note, err := checkName("note", s[3:])
		p.cheat.Note = note
		return err
	}
	return p.code(n, s)
}

// gameName names the current section; the Debian file also has "gn" lines
// under comments with no section of their own, which name nothing.
func (p *mupenParser) gameName(s string) error {
	name, err := checkName("game name", s)
	if err == nil && p.b.cur != nil && p.b.cur.Name == "" {
		p.b.cur.Name = name
	}
	return err
}

func (p *mupenParser) startCheat(n int, s string) error {
	name, err := checkName("cheat name", s)
	if err != nil {
		return err
	}
	if name == "" {
		return fmt.Errorf("empty cheat name: %w", ErrSyntax)
	}
	p.cheat = &Cheat{Name: name, Pos: n}
	return p.b.addCheat(p.cheat)
}

func (p *mupenParser) code(n int, s string) error {
	if p.cheat == nil {
		return fmt.Errorf("line %q is not a section, cheat or code: %w", clip(s), ErrSyntax)
	}
	rc, rest, err := parseCode(s)
	if err != nil {
		return err
	}
	rc.Pos = n
	if rest != "" {
		if rc.OptMask == 0 {
			return fmt.Errorf("options after a code without ????: %w", ErrSyntax)
		}
		if err := p.options(rest); err != nil {
			return err
		}
	}
	return addCode(p.cheat, rc)
}

// options parses `XXXX:"label",XXXX:"label"` and makes it the cheat's list.
func (p *mupenParser) options(s string) error {
	p.cheat.Options = p.cheat.Options[:0]
	for s != "" {
		hexv, rest, ok := strings.Cut(s, ":\"")
		if !ok {
			return fmt.Errorf("option %q: want XXXX:\"label\": %w", clip(s), ErrSyntax)
		}
		v, err := parseHex16(hexv)
		if err != nil {
			return err
		}
		label, after, ok := cutQuoted(rest)
		if !ok {
			return fmt.Errorf("option %q: unterminated label: %w", clip(s), ErrSyntax)
		}
		if label, err = checkName("option label", label); err != nil {
			return err
		}
		if err := addOption(p.cheat, Option{Label: label, Value: v}); err != nil {
			return err
		}
		s = strings.TrimLeft(strings.TrimPrefix(after, ","), " ")
	}
	return nil
}

// cutQuoted splits s at the first '"' not escaped as \" and unescapes \".
func cutQuoted(s string) (label, after string, ok bool) {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		switch {
		case s[i] == '\\' && i+1 < len(s) && s[i+1] == '"':
			b.WriteByte('"')
			i++
		case s[i] == '"':
			return b.String(), s[i+1:], true
		default:
			b.WriteByte(s[i])
		}
	}
	return "", "", false
}
