package cheats

import (
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
	"unicode/utf8"
)

// wireVersion is the first byte of an encoded [CodeSet].
const wireVersion = 1

// MaxWireSize bounds an encoded [CodeSet]: every code, name and header at
// their limits.
const MaxWireSize = 2 + 17 + 4 + 2*MaxSetCheats*(1+MaxWireNameLen+2) + 6*MaxSetCodes

// ErrWire reports a malformed encoded code set.
var ErrWire = errors.New("malformed code set")

// AppendBinary appends the set's wire form (see the package doc) to b.
// The set must come from [Resolve] or [ParseCodeSet], which keep it within
// the limits.
func (s *CodeSet) AppendBinary(b []byte) ([]byte, error) {
	if err := s.checkLimits(); err != nil {
		return nil, err
	}
	for _, list := range [][]CheatCodes{s.Cheats, s.Patches} {
		for _, c := range list {
			if len(c.Name) > MaxWireNameLen {
				return nil, fmt.Errorf("cheat name %q: longer than %d bytes: %w", clip(c.Name), MaxWireNameLen, ErrTooLarge)
			}
		}
	}
	b = append(b, wireVersion, boolByte(s.OrderSensitive))
	b = appendKey(b, s.Game)
	b = appendCheatList(b, s.Cheats, true)
	return appendCheatList(b, s.Patches, true), nil
}

// MarshalBinary returns the set's wire form.
func (s *CodeSet) MarshalBinary() ([]byte, error) { return s.AppendBinary(nil) }

// ParseCodeSet decodes a wire-form code set, refusing anything [Resolve]
// could not have produced: unknown or non-canonical codes, a repeater
// without its write, duplicate cheats, a wrong order flag or order, and
// any length beyond the limits.
func ParseCodeSet(b []byte) (*CodeSet, error) {
	if len(b) > MaxWireSize {
		return nil, fmt.Errorf("%d bytes: %w", len(b), ErrWire)
	}
	r := wireReader{b: b}
	s, err := r.codeSet()
	if err == nil && len(r.b) != 0 {
		err = fmt.Errorf("%d trailing bytes", len(r.b))
	}
	if err == nil {
		err = s.checkCanonical()
	}
	if err != nil {
		return nil, fmt.Errorf("decode code set: %w: %w", err, ErrWire)
	}
	return s, nil
}

type wireReader struct {
	b     []byte
	codes int // decoded so far, against MaxSetCodes
}

func (r *wireReader) take(n int) ([]byte, error) {
	if len(r.b) < n {
		return nil, errors.New("truncated")
	}
	p := r.b[:n]
	r.b = r.b[n:]
	return p, nil
}

func (r *wireReader) codeSet() (*CodeSet, error) {
	h, err := r.take(3)
	if err != nil {
		return nil, err
	}
	if h[0] != wireVersion || h[1] > 1 {
		return nil, fmt.Errorf("version %d flags %d", h[0], h[1])
	}
	s := &CodeSet{OrderSensitive: h[1] == 1}
	if s.Game, err = r.key(h[2]); err != nil {
		return nil, err
	}
	if s.Cheats, err = r.cheatList(); err != nil {
		return nil, err
	}
	s.Patches, err = r.cheatList()
	return s, err
}

func (r *wireReader) key(kind byte) (GameKey, error) {
	var k GameKey
	switch kind {
	case 1:
		p, err := r.take(9)
		if err != nil {
			return k, err
		}
		k.CRC1, k.CRC2, k.Country = binary.BigEndian.Uint32(p), binary.BigEndian.Uint32(p[4:]), p[8]
	case 2:
		p, err := r.take(16)
		if err != nil {
			return k, err
		}
		copy(k.MD5[:], p)
		if !k.IsMD5() {
			return k, errors.New("zero md5 key")
		}
	default:
		return k, fmt.Errorf("key kind %d", kind)
	}
	return k, nil
}

func (r *wireReader) u16() (int, error) {
	p, err := r.take(2)
	if err != nil {
		return 0, err
	}
	return int(binary.BigEndian.Uint16(p)), nil
}

func (r *wireReader) cheatList() ([]CheatCodes, error) {
	n, err := r.u16()
	if err != nil {
		return nil, err
	}
	if n > MaxSetCheats {
		return nil, fmt.Errorf("%d cheats", n)
	}
	var list []CheatCodes
	for range n {
		c, err := r.cheat()
		if err != nil {
			return nil, fmt.Errorf("cheat %d: %w", len(list)+1, err)
		}
		list = append(list, c)
	}
	return list, nil
}

func (r *wireReader) cheat() (CheatCodes, error) {
	var c CheatCodes
	nl, err := r.take(1)
	if err != nil {
		return c, err
	}
	name, err := r.take(int(nl[0]))
	if err != nil {
		return c, err
	}
	if !utf8.Valid(name) {
		return c, errors.New("name not UTF-8")
	}
	c.Name = string(name)
	n, err := r.u16()
	if err != nil {
		return c, err
	}
	if r.codes += n; n == 0 || r.codes > MaxSetCodes {
		return c, fmt.Errorf("%d codes", n)
	}
	p, err := r.take(6 * n)
	if err != nil {
		return c, err
	}
	c.Codes = make([]Code, n)
	for i := range c.Codes {
		q := p[6*i:]
		c.Codes[i] = Code{Type: q[0], Address: uint32(q[1])<<16 | uint32(q[2])<<8 | uint32(q[3]), Value: binary.BigEndian.Uint16(q[4:])}
	}
	return c, nil
}

// checkCanonical verifies that canonicalising the set again changes
// nothing: every code, the repeater pairs, duplicates and the order.
func (s *CodeSet) checkCanonical() error {
	for _, list := range [][]CheatCodes{s.Cheats, s.Patches} {
		for _, c := range list {
			if err := checkCodes(c.Codes); err != nil {
				return fmt.Errorf("cheat %q: %w", clip(c.Name), err)
			}
		}
	}
	again := &CodeSet{Cheats: slices.Clone(s.Cheats)}
	again.finish()
	same := slices.EqualFunc(again.Cheats, s.Cheats, func(a, b CheatCodes) bool { return slices.Equal(a.Codes, b.Codes) })
	if !same || again.OrderSensitive != s.OrderSensitive {
		return errors.New("cheats duplicated, out of order or with a wrong order flag")
	}
	return nil
}

// checkCodes verifies that each code is its own canonical form.
func checkCodes(codes []Code) error {
	afterRepeat := false
	for _, c := range codes {
		got, keep, err := canonCode(uint32(c.Type)<<24|c.Address, c.Value, false, func(string) {})
		if err != nil || !keep || got != c {
			return fmt.Errorf("code %v is not canonical", c)
		}
		if afterRepeat && c.Type != typeWrite8 && c.Type != typeWrite16 {
			return fmt.Errorf("code %v after a repeater", c)
		}
		afterRepeat = c.Type == typeRepeat
	}
	if afterRepeat {
		return errors.New("repeater at the end")
	}
	return nil
}
