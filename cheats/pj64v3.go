package cheats

import (
	"fmt"
	"io"
	"strings"
)

// ParseProject64v3 parses a Project64 3.x (or RMG) per-game cheat file:
// "[CRC1-CRC2-C:XX]" (RMG also "[<MD5>]") sections with Name=, then blocks
// starting "$<cheat name>" holding Key=value lines (Note= is kept, Author,
// OnByDefault, PluginList and the like are ignored), code lines
// "XXXXXXXX YYYY", "XXXXXXXX XX??", "XXXXXXXX YYYY:ZZZZ", and option lines
// "YY label" or "YYYY label". Project64 enhancement files (.enh) use the
// same layout.
func ParseProject64v3(r io.Reader) (*Database, error) {
	data, err := readInput(FormatPJ64v3, r)
	if err != nil {
		return nil, err
	}
	p := v3Parser{b: newBuilder(FormatPJ64v3)}
	if err := eachLine(FormatPJ64v3, data, p.line); err != nil {
		return nil, err
	}
	return p.b.db, nil
}

type v3Parser struct {
	b     *dbBuilder
	cheat *Cheat
}

func (p *v3Parser) line(n int, s string) error {
	switch {
	case s == "":
		p.cheat = nil // blank lines separate cheats
		return nil
	case strings.HasPrefix(s, "//"):
		return nil
	case strings.HasPrefix(s, "["):
		return p.section(s)
	case strings.HasPrefix(s, "$"):
		return p.startCheat(n, s[1:])
	}
	if p.b.cur == nil {
		return fmt.Errorf("line %q before any game section: %w", clip(s), ErrSyntax)
	}
	if p.cheat == nil {
		return p.gameKey(s)
	}
	return p.cheatLine(n, s)
}

func (p *v3Parser) section(s string) error {
	if !strings.HasSuffix(s, "]") {
		return fmt.Errorf("section %q: missing ]: %w", clip(s), ErrSyntax)
	}
	k, err := ParseGameKey(strings.TrimSpace(s[1 : len(s)-1]))
	if err != nil {
		return fmt.Errorf("section %w: %w", err, ErrSyntax)
	}
	p.cheat = nil
	return p.b.startGame(k, "")
}

// gameKey reads a Key=value line outside a cheat; only Name= is kept.
func (p *v3Parser) gameKey(s string) error {
	key, val, ok := strings.Cut(s, "=")
	if !ok {
		return fmt.Errorf("line %q outside a cheat: %w", clip(s), ErrSyntax)
	}
	if strings.TrimSpace(key) == "Name" {
		name, err := checkName("game name", val)
		p.b.cur.Name = name
		return err
	}
	return nil
}

func (p *v3Parser) startCheat(n int, s string) error {
	if p.b.cur == nil {
		return fmt.Errorf("cheat before any game section: %w", ErrSyntax)
	}
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

// cheatLine reads a code, an option or a Key=value line inside a cheat.
func (p *v3Parser) cheatLine(n int, s string) error {
	head, label, _ := strings.Cut(s, " ")
	switch {
	case len(head) == 8 && isHex(head):
		rc, rest, err := parseCode(s)
		if err != nil {
			return err
		}
		if rest != "" {
			return fmt.Errorf("code %q: junk after value: %w", clip(s), ErrSyntax)
		}
		rc.Pos = n
		return addCode(p.cheat, rc)
	case len(head) <= 4 && isHex(head):
		v, _ := parseHex16(head)
		label, err := checkName("option label", label)
		if err != nil {
			return err
		}
		return addOption(p.cheat, Option{Label: label, Value: v})
	}
	key, val, ok := strings.Cut(s, "=")
	if !ok {
		return fmt.Errorf("line %q is not a code, option or key=value: %w", clip(s), ErrSyntax)
	}
	if strings.TrimSpace(key) == "Note" {
		note, err := checkName("note", val)
		p.cheat.Note = note
		return err
	}
	return nil
}
