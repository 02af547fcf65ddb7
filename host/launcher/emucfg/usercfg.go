package emucfg

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// CfgFile is the name of the core's configuration file in a config
// directory.
const CfgFile = "mupen64plus.cfg"

// Bounds on a player's mupen64plus.cfg. A real one is 20-60 KiB with a
// few dozen sections; RMG adds one section per game with cheats.
const (
	maxCfgSize     = 4 << 20
	maxCfgSections = 4096
	maxCfgParams   = 65536
)

// ErrUserConfig reports a player's mupen64plus.cfg that netpak cannot
// read or does not understand. The file is left as it is.
var ErrUserConfig = errors.New("launcher: unusable mupen64plus configuration")

// UserConfig is a player's parsed mupen64plus.cfg, as [ReadUserConfig]
// returns it: its sections in file order. It is read-only.
type UserConfig struct {
	sections []cfgSection
}

// cfgSection is one [section] and its parameters in file order.
type cfgSection struct {
	name   string
	params []cfgParam
}

// cfgParam is one "name = value" line.
type cfgParam struct {
	name  string
	value cfgValue
	line  int
}

// cfgValue is a parameter's value as the core's file writes it: a
// "string" in double quotes, True or False, an integer, or a float (with
// a dot). raw keeps the text as written.
type cfgValue struct {
	typ ParamType
	i   int64
	f   float64
	s   string
	raw string
}

// lookup returns the value of name in section, and whether the file has
// it. Section names compare without regard to case, as the core's do.
func (c *UserConfig) lookup(section, name string) (cfgValue, bool) {
	for _, s := range c.sections {
		if !strings.EqualFold(s.name, section) {
			continue
		}
		for _, p := range s.params {
			if strings.EqualFold(p.name, name) {
				return p.value, true
			}
		}
	}
	return cfgValue{}, false
}

// parseCfg parses the text of a mupen64plus.cfg as the core writes it:
// "# comment" lines, "[Section]" lines, and "Name = value" lines inside a
// section. Anything else is an error naming the line, so a damaged file
// is refused instead of half-read.
func parseCfg(text []byte) (*UserConfig, error) {
	if len(text) > maxCfgSize {
		return nil, fmt.Errorf("larger than %d bytes", maxCfgSize)
	}
	if bytes.IndexByte(text, 0) >= 0 {
		return nil, errors.New("a NUL byte: not a text file")
	}
	c := &UserConfig{}
	params := 0
	text = bytes.TrimPrefix(text, []byte("\ufeff")) // a byte-order mark some editors add
	for n, line := range strings.Split(string(text), "\n") {
		n++
		line = strings.TrimSpace(line)
		switch {
		case line == "" || line[0] == '#':
			continue
		case line[0] == '[':
			name, ok := strings.CutSuffix(line[1:], "]")
			name = strings.TrimSpace(name)
			if !ok || name == "" || strings.ContainsAny(name, "[]") {
				return nil, fmt.Errorf("line %d: %.60q is not a [section] line", n, line)
			}
			if len(c.sections) == maxCfgSections {
				return nil, fmt.Errorf("line %d: more than %d sections", n, maxCfgSections)
			}
			c.sections = append(c.sections, cfgSection{name: name})
			continue
		}
		name, raw, ok := cutParam(line)
		name, raw = strings.TrimSpace(name), strings.TrimSpace(raw)
		if !ok || name == "" {
			return nil, fmt.Errorf("line %d: %.60q is neither a [section], a parameter (Name = value) nor a # comment", n, line)
		}
		if len(c.sections) == 0 {
			return nil, fmt.Errorf("line %d: parameter %.40q before the first [section]", n, name)
		}
		if params++; params > maxCfgParams {
			return nil, fmt.Errorf("line %d: more than %d parameters", n, maxCfgParams)
		}
		v, err := parseCfgValue(raw)
		if err != nil {
			return nil, fmt.Errorf("line %d: %s: %w", n, name, err)
		}
		s := &c.sections[len(c.sections)-1]
		s.params = append(s.params, cfgParam{name: name, value: v, line: n})
	}
	return c, nil
}

// cutParam splits "Name = value" at the first '=' outside double quotes:
// RMG writes cheat names with quotes into parameter names, as in
// Cheat "Moon = Jump" Enabled = True.
func cutParam(line string) (name, value string, ok bool) {
	quoted := false
	for i := 0; i < len(line); i++ {
		switch line[i] {
		case '"':
			quoted = !quoted
		case '=':
			if !quoted {
				return line[:i], line[i+1:], true
			}
		}
	}
	return line, "", false
}

// parseCfgValue reads one value the way the core does: quotes make a
// string, True and False a bool, a dot a float, digits an integer.
func parseCfgValue(raw string) (cfgValue, error) {
	v := cfgValue{raw: raw}
	switch {
	case strings.HasPrefix(raw, `"`):
		s, ok := strings.CutSuffix(raw[1:], `"`)
		if !ok {
			return v, fmt.Errorf("string %.40q has no closing quote", raw)
		}
		v.typ, v.s = TypeString, s
	case strings.EqualFold(raw, "true"), strings.EqualFold(raw, "false"):
		v.typ = TypeBool
		if strings.EqualFold(raw, "true") {
			v.i = 1
		}
	case strings.Contains(raw, "."):
		f, err := strconv.ParseFloat(raw, 64)
		if err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
			return v, fmt.Errorf("%.40q is not a number", raw)
		}
		v.typ, v.f = TypeFloat, f
	default:
		i, err := strconv.ParseInt(raw, 10, 32)
		if err != nil {
			return v, fmt.Errorf("%.40q is not a number, True, False or a \"string\"", raw)
		}
		v.typ, v.i = TypeInt, i
	}
	return v, nil
}

// equal reports whether the file's value means the same as set, whose
// value is valid.
func (v cfgValue) equal(set Value) bool {
	switch set.Type {
	case TypeInt, TypeBool:
		return (v.typ == TypeInt || v.typ == TypeBool) && v.i == int64(set.Int)
	case TypeFloat:
		return v.typ == TypeFloat && float32(v.f) == set.Float ||
			v.typ == TypeInt && float32(v.i) == set.Float
	case TypeString:
		return v.typ == TypeString && v.s == set.Str
	}
	return false
}

// ReadUserConfig reads and parses dir's mupen64plus.cfg, returning it and
// its text. A folder without one gives nil and no error: mupen64plus
// starts such a folder from its defaults too. A file netpak cannot read or
// does not understand is an error wrapping [ErrUserConfig].
func ReadUserConfig(dir string) (*UserConfig, []byte, error) {
	path := filepath.Join(dir, CfgFile)
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil, nil
	}
	if err != nil {
		return nil, nil, fmt.Errorf("%w: %w", ErrUserConfig, err)
	}
	defer f.Close()
	text, err := io.ReadAll(io.LimitReader(f, maxCfgSize+1))
	if err != nil {
		return nil, nil, fmt.Errorf("%w: read %s: %w", ErrUserConfig, path, err)
	}
	cfg, err := parseCfg(text)
	if err != nil {
		return nil, nil, fmt.Errorf("%w: %s: %w (the file is left as it is; fix it, or set config_dir to another folder)", ErrUserConfig, path, err)
	}
	return cfg, text, nil
}
