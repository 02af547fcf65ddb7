package cheats

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"strconv"
)

// ParseRMGLobby parses the cheat list RMG (v0.7.2 and later) puts in a
// netplay room's features.cheats: a JSON array of {name, has_options,
// codes: [{address, value, use_option, option_index, option_size}],
// option: {name, size, value}}. data may be the array itself or the JSON
// string that wraps it in the room object. The list names no game, so the
// caller gives the room's key. It returns a one-game database and the
// selections RMG will apply, in RMG's order; entries without codes (option
// placeholders) select nothing.
func ParseRMGLobby(data []byte, game GameKey) (*Database, []Selection, error) {
	f := FormatRMGLobby
	data, err := unwrapJSONString(f, data)
	if err != nil {
		return nil, nil, err
	}
	var list []rmgCheat
	if err := json.Unmarshal(data, &list); err != nil {
		return nil, nil, jsonError(f, data, err)
	}
	b := newBuilder(f)
	if err := b.startGame(game, ""); err != nil {
		return nil, nil, err
	}
	var sels []Selection
	for i, rc := range list {
		c, sel, err := rc.cheat(i + 1)
		if err != nil {
			return nil, nil, fmt.Errorf("%v: cheat %d (%q): %w", f, i+1, clip(rc.Name), err)
		}
		if c == nil {
			continue
		}
		if err := b.addCheat(c); err != nil {
			return nil, nil, fmt.Errorf("%v: %w", f, err)
		}
		sel.Game = game
		sels = append(sels, sel)
	}
	return b.db, sels, nil
}

type rmgCheat struct {
	Name       string     `json:"name"`
	HasOptions bool       `json:"has_options"`
	Codes      []rmgCode  `json:"codes"`
	Option     *rmgOption `json:"option"`
}

type rmgCode struct {
	Address     uint32 `json:"address"`
	Value       int    `json:"value"`
	UseOption   bool   `json:"use_option"`
	OptionIndex int    `json:"option_index"`
	OptionSize  int    `json:"option_size"`
}

type rmgOption struct {
	Name  string `json:"name"`
	Size  int    `json:"size"`
	Value int    `json:"value"`
}

// cheat converts one entry; pos numbers it for Cheat.Pos.
func (r rmgCheat) cheat(pos int) (*Cheat, Selection, error) {
	if len(r.Codes) == 0 {
		return nil, Selection{}, nil
	}
	name, err := checkName("cheat name", r.Name)
	if err != nil {
		return nil, Selection{}, err
	}
	c := &Cheat{Name: name, Pos: pos}
	sel := Selection{Name: name}
	for i, code := range r.Codes {
		rc, err := code.raw(i + 1)
		if err != nil {
			return nil, Selection{}, fmt.Errorf("code %d: %w", i+1, err)
		}
		if err := addCode(c, rc); err != nil {
			return nil, Selection{}, err
		}
	}
	if r.HasOptions && r.Option != nil {
		if r.Option.Value < 0 || r.Option.Value > 0xFFFF {
			return nil, Selection{}, fmt.Errorf("option value %d out of range: %w", r.Option.Value, ErrSyntax)
		}
		sel.Option = "0x" + strconv.FormatUint(uint64(r.Option.Value), 16)
		label, err := checkName("option label", r.Option.Name)
		if err != nil {
			return nil, Selection{}, err
		}
		c.Options = []Option{{Label: label, Value: uint16(r.Option.Value)}}
	}
	return c, sel, nil
}

// raw converts a code; the option fills OptionSize hex digits starting at
// digit OptionIndex of the 4-digit value, as RMG's string substitution does.
func (c rmgCode) raw(pos int) (RawCode, error) {
	if c.Value < 0 || c.Value > 0xFFFF {
		return RawCode{}, fmt.Errorf("value %d out of range: %w", c.Value, ErrSyntax)
	}
	rc := RawCode{Address: c.Address, Value: uint16(c.Value), Pos: pos}
	if !c.UseOption {
		return rc, nil
	}
	if c.OptionSize < 1 || c.OptionIndex < 0 || c.OptionIndex+c.OptionSize > 4 {
		return RawCode{}, fmt.Errorf("option digits %d+%d outside the value: %w", c.OptionIndex, c.OptionSize, ErrSyntax)
	}
	shift := 4 * (4 - c.OptionIndex - c.OptionSize)
	rc.OptMask = uint16((1<<(4*c.OptionSize) - 1) << shift)
	rc.Value &^= rc.OptMask
	return rc, nil
}

// ParseSimple64 parses simple64's cheats.json: {"CRC1-CRC2-C:XX":
// {"<cheat>": {"data": ["80XXXXXX YYYY", …], "note": "…",
// "hasOptions": bool, "options": {"<label>": "<hex>"}}}}. JSON objects
// have no order, so games, cheats and options come out sorted.
func ParseSimple64(r io.Reader) (*Database, error) {
	f := FormatSimple64
	data, err := readInput(f, r)
	if err != nil {
		return nil, err
	}
	var file map[string]map[string]s64Cheat
	if err := json.Unmarshal(data, &file); err != nil {
		return nil, jsonError(f, data, err)
	}
	b := newBuilder(f)
	for _, key := range slices.Sorted(maps.Keys(file)) {
		k, err := ParseGameKey(key)
		if err != nil {
			return nil, fmt.Errorf("%v: %w: %w", f, err, ErrSyntax)
		}
		if err := b.startGame(k, ""); err != nil {
			return nil, fmt.Errorf("%v: %w", f, err)
		}
		if err := addS64Cheats(b, file[key]); err != nil {
			return nil, fmt.Errorf("%v: game %s: %w", f, key, err)
		}
	}
	return b.db, nil
}

type s64Cheat struct {
	Data    []string          `json:"data"`
	Note    string            `json:"note"`
	Options map[string]string `json:"options"`
}

func addS64Cheats(b *dbBuilder, cheats map[string]s64Cheat) error {
	for i, name := range slices.Sorted(maps.Keys(cheats)) {
		c, err := cheats[name].cheat(name, i+1)
		if err != nil {
			return fmt.Errorf("cheat %q: %w", clip(name), err)
		}
		if err := b.addCheat(c); err != nil {
			return err
		}
	}
	return nil
}

func (s s64Cheat) cheat(name string, pos int) (*Cheat, error) {
	name, err := checkName("cheat name", name)
	if err != nil {
		return nil, err
	}
	c := &Cheat{Name: name, Pos: pos}
	if c.Note, err = checkName("note", s.Note); err != nil {
		return nil, err
	}
	if err := addCodeStrings(c, s.Data); err != nil {
		return nil, err
	}
	for _, label := range slices.Sorted(maps.Keys(s.Options)) {
		v, err := parseHex16(s.Options[label])
		if err != nil {
			return nil, fmt.Errorf("option %q: %w", clip(label), err)
		}
		if label, err = checkName("option label", label); err != nil {
			return nil, err
		}
		if err := addOption(c, Option{Label: label, Value: v}); err != nil {
			return nil, err
		}
	}
	return c, nil
}

// ParseSimple64Room parses the cheats a simple64 host puts in a netplay
// room's features.cheats: {"<cheat>": ["80XXXXXX YYYY", …], "custom": […]}
// with options already substituted. data may be the object or the JSON
// string wrapping it. simple64 (Qt's QJsonObject) walks the object in key
// order, so the selections come out sorted by name.
func ParseSimple64Room(data []byte, game GameKey) (*Database, []Selection, error) {
	f := FormatSimple64
	data, err := unwrapJSONString(f, data)
	if err != nil {
		return nil, nil, err
	}
	var room map[string][]string
	if err := json.Unmarshal(data, &room); err != nil {
		return nil, nil, jsonError(f, data, err)
	}
	b := newBuilder(f)
	if err := b.startGame(game, ""); err != nil {
		return nil, nil, err
	}
	var sels []Selection
	for i, name := range slices.Sorted(maps.Keys(room)) {
		c, err := s64Cheat{Data: room[name]}.cheat(name, i+1)
		if err == nil {
			err = b.addCheat(c)
		}
		if err != nil {
			return nil, nil, fmt.Errorf("%v room: cheat %q: %w", f, clip(name), err)
		}
		sels = append(sels, Selection{Game: game, Name: c.Name})
	}
	return b.db, sels, nil
}

func addCodeStrings(c *Cheat, data []string) error {
	for i, s := range data {
		rc, rest, err := parseCode(s)
		if err == nil && rest != "" {
			err = fmt.Errorf("code %q: junk after value: %w", clip(s), ErrSyntax)
		}
		if err != nil {
			return fmt.Errorf("code %d: %w", i+1, err)
		}
		rc.Pos = i + 1
		if err := addCode(c, rc); err != nil {
			return err
		}
	}
	return nil
}

// unwrapJSONString accepts either JSON or a JSON string holding JSON, as
// lobby rooms carry features.cheats; it also caps the size.
func unwrapJSONString(f Format, data []byte) ([]byte, error) {
	if len(data) > MaxFileSize {
		return nil, fmt.Errorf("%v: larger than %d bytes: %w", f, MaxFileSize, ErrTooLarge)
	}
	data = bytes.TrimSpace(data)
	if len(data) == 0 || data[0] != '"' {
		return data, nil
	}
	var s string
	if err := json.Unmarshal(data, &s); err != nil {
		return nil, jsonError(f, data, err)
	}
	return []byte(s), nil
}

// jsonError turns a decoder error into a *SyntaxError naming the line.
func jsonError(f Format, data []byte, err error) error {
	var off int64 = -1
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		off = se.Offset
	case errors.As(err, &te):
		off = te.Offset
	}
	line := 1
	if off >= 0 && off <= int64(len(data)) {
		line += bytes.Count(data[:off], []byte{'\n'})
	}
	return &SyntaxError{Format: f, Line: line, Err: fmt.Errorf("%w: %w", err, ErrSyntax)}
}
