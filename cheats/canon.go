package cheats

import (
	"fmt"
	"math/bits"
)

// Code is one canonical GameShark line (research/saves-cheats.md §3.12):
// Type is one of 80, 81, D0-D3, 50, F0, F1 or EE, Address the 24-bit RDRAM
// offset and Value the 16-bit value (8-bit writes keep only the low byte).
type Code struct {
	Type    uint8
	Address uint32
	Value   uint16
}

// String writes the code as "TTAAAAAA VVVV".
func (c Code) String() string {
	return fmt.Sprintf("%02X%06X %04X", c.Type, c.Address, c.Value)
}

// Types after canonicalisation.
const (
	typeWrite8  = 0x80
	typeWrite16 = 0x81
	typeRepeat  = 0x50
	typeBoot8   = 0xF0
	typeBoot16  = 0xF1
	typeNoExpak = 0xEE
)

// xplorerTypes maps Xplorer64-encrypted types to their GameShark type.
var xplorerTypes = map[uint8]uint8{
	0xE8: 0x80, 0xE9: 0x81, 0xC8: 0x80, 0xC9: 0x81,
	0xB8: 0xD0, 0xB9: 0xD1, 0xBA: 0xD2, 0xBB: 0xD3,
	0xA8: 0x88, 0xA9: 0x89,
}

// aliases maps plain types that write the same RAM as a GameShark type:
// the uncached KSEG1 forms and Xplorer64's unencrypted writes.
var aliases = map[uint8]uint8{
	0xA0: 0x80, 0xA1: 0x81,
	0x30: 0x80, 0x82: 0x80, 0x84: 0x80,
	0x31: 0x81, 0x83: 0x81, 0x85: 0x81,
}

// canonCode turns one resolved line (option already substituted) into its
// canonical form. keep is false for emulator no-ops. afterRepeat says the
// previous line was a 50 repeater, whose Xplorer target types 10/11 mean
// 80/81. warn receives engine-dependent findings.
func canonCode(addr uint32, val uint16, afterRepeat bool, warn func(string)) (c Code, keep bool, err error) {
	typ := uint8(addr >> 24)
	addr &= 0xFFFFFF
	if t, ok := xplorerTypes[typ]; ok {
		typ = t
		addr, val = decodeXplorer(addr, val)
	} else if t, ok := aliases[typ]; ok {
		typ = t
	} else if afterRepeat && (typ == 0x10 || typ == 0x11) {
		typ = 0x80 | typ&1
	}
	c = Code{Type: typ, Address: addr, Value: val}
	switch {
	case typ == typeWrite8 || typ == typeBoot8:
		c.Value &= 0xFF
	case typ == typeWrite16 || typ == typeBoot16:
		if addr&1 != 0 {
			warn(fmt.Sprintf("%v: 16-bit write to an odd address", c))
		}
	case typ == 0xD0 || typ == 0xD2:
		if val>>8 != 0 {
			warn(fmt.Sprintf("%v: 8-bit condition with a high byte (mupen64plus ignores it, Project64 compares it)", c))
		}
	case typ == 0xD1 || typ == 0xD3 || typ == typeRepeat || typ == typeNoExpak:
	case typ == 0xDE || typ == 0xFF || typ == 0xCC || typ == 0x20 || typ == 0 && addr == 0 && val == 0:
		return Code{}, false, nil
	case typ == 0x88 || typ == 0x89 || 0xD8 <= typ && typ <= 0xDB:
		return Code{}, false, fmt.Errorf("type %02X: %w", typ, ErrButtonCode)
	default:
		return Code{}, false, fmt.Errorf("type %02X: %w", typ, ErrUnknownType)
	}
	return c, true, nil
}

// substitute fills the option digits of rc with opt.
func substitute(rc RawCode, opt uint16) (uint16, error) {
	shift := bits.TrailingZeros16(rc.OptMask)
	if limit := rc.OptMask >> shift; opt > limit {
		return 0, fmt.Errorf("option value %X does not fit in %d digits: %w", opt, bits.OnesCount16(rc.OptMask)/4, ErrOption)
	}
	return rc.Value&^rc.OptMask | opt<<shift, nil
}

// canonCheat resolves one cheat with the chosen option value into
// canonical codes. Errors name the cheat and the line.
func canonCheat(c *Cheat, f Format, opt uint16, warn func(string)) ([]Code, error) {
	var out []Code
	afterRepeat := false
	for _, rc := range c.Codes {
		where := func(err error) error {
			return fmt.Errorf("cheat %q: %s %d: code %s: %w", c.Name, f.posWord(), rc.Pos, rc, err)
		}
		val := rc.Value
		if rc.OptMask != 0 {
			v, err := substitute(rc, opt)
			if err != nil {
				return nil, where(err)
			}
			val = v
		}
		code, keep, err := canonCode(rc.Address, val, afterRepeat, func(s string) {
			warn(fmt.Sprintf("cheat %q: %s %d: %s", c.Name, f.posWord(), rc.Pos, s))
		})
		if err != nil {
			return nil, where(err)
		}
		if afterRepeat && (!keep || code.Type != typeWrite8 && code.Type != typeWrite16) {
			return nil, where(fmt.Errorf("a 50 repeater must be followed by an 80/81 write: %w", ErrBadCode))
		}
		afterRepeat = keep && code.Type == typeRepeat
		if keep {
			out = append(out, code)
		}
	}
	if afterRepeat {
		return nil, fmt.Errorf("cheat %q: ends with a 50 repeater and nothing to repeat: %w", c.Name, ErrBadCode)
	}
	return out, nil
}
