package cheats

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"slices"
)

// CodeSet is the canonical set of codes a session enables for one game.
// Cheats are in application order: sorted by their codes when no cheat
// writes memory another one touches, otherwise in selection order with
// OrderSensitive set. Patches are codes the emulator applies by itself
// (mupen64plus.ini hacks, Project64 fixes and enhancements); callers fill
// them in when they know them. Names and Warnings are for people and are
// never hashed. A CodeSet is a plain value; it is not safe to modify
// concurrently.
type CodeSet struct {
	Game           GameKey
	OrderSensitive bool
	Cheats         []CheatCodes
	Patches        []CheatCodes
	Warnings       []string // engine-dependent lines; not hashed or sent
}

// CheatCodes is one cheat's canonical codes.
type CheatCodes struct {
	Name  string
	Codes []Code
}

// Family names an emulator family; codes run with different timing in
// each, so the family is part of the hash.
type Family string

// The emulator families netpak knows.
const (
	FamilyMupen64Plus Family = "mupen64plus" // mupen64plus-core: ui-console, RMG, simple64
	FamilyProject64   Family = "project64"
)

const hashDomain = "N64-CHEATSET-V1\x00"

// Hash returns the SHA-256 of the set as research/saves-cheats.md §3.12
// proposes: domain ‖ u16 len(family) ‖ family ‖ game key ‖
// u8 order-sensitive ‖ u16 n ‖ cheats ‖ u16 m ‖ patches, each cheat as
// u16 count ‖ 6-byte codes.
func (s *CodeSet) Hash(fam Family) [32]byte {
	b := []byte(hashDomain)
	b = binary.BigEndian.AppendUint16(b, uint16(len(fam)))
	b = append(b, fam...)
	b = appendKey(b, s.Game)
	b = append(b, boolByte(s.OrderSensitive))
	b = appendCheatList(b, s.Cheats, false)
	b = appendCheatList(b, s.Patches, false)
	return sha256.Sum256(b)
}

// appendKey writes kind 1 and the CRCs and country, or kind 2 and the MD5.
func appendKey(b []byte, k GameKey) []byte {
	if k.IsMD5() {
		return append(append(b, 2), k.MD5[:]...)
	}
	b = append(b, 1)
	b = binary.BigEndian.AppendUint32(b, k.CRC1)
	b = binary.BigEndian.AppendUint32(b, k.CRC2)
	return append(b, k.Country)
}

func appendCheatList(b []byte, list []CheatCodes, names bool) []byte {
	b = binary.BigEndian.AppendUint16(b, uint16(len(list)))
	for _, c := range list {
		if names {
			b = append(b, byte(len(c.Name)))
			b = append(b, c.Name...)
		}
		b = appendCodes(b, c.Codes)
	}
	return b
}

// appendCodes writes u16 count and 6 bytes per code.
func appendCodes(b []byte, codes []Code) []byte {
	b = binary.BigEndian.AppendUint16(b, uint16(len(codes)))
	for _, c := range codes {
		b = append(b, c.Type, byte(c.Address>>16), byte(c.Address>>8), byte(c.Address))
		b = binary.BigEndian.AppendUint16(b, c.Value)
	}
	return b
}

func boolByte(v bool) byte {
	if v {
		return 1
	}
	return 0
}

// Lines returns the set as "TTAAAAAA VVVV" lines under "# name" headers,
// for showing players what differs.
func (s *CodeSet) Lines() []string {
	var out []string
	for _, list := range [][]CheatCodes{s.Cheats, s.Patches} {
		for _, c := range list {
			out = append(out, "# "+c.Name)
			for _, code := range c.Codes {
				out = append(out, code.String())
			}
		}
	}
	return out
}

// checkLimits refuses sets too big to send.
func (s *CodeSet) checkLimits() error {
	if len(s.Cheats) > MaxSetCheats || len(s.Patches) > MaxSetCheats {
		return fmt.Errorf("more than %d cheats: %w", MaxSetCheats, ErrTooLarge)
	}
	n := 0
	for _, list := range [][]CheatCodes{s.Cheats, s.Patches} {
		for _, c := range list {
			n += len(c.Codes)
		}
	}
	if n > MaxSetCodes {
		return fmt.Errorf("more than %d codes: %w", MaxSetCodes, ErrTooLarge)
	}
	return nil
}

// finish drops byte-identical duplicate cheats, decides whether order
// matters and, when it does not, sorts the cheats by their codes.
func (s *CodeSet) finish() {
	seen := make(map[string]bool)
	kept := s.Cheats[:0]
	for _, c := range s.Cheats {
		k := string(appendCodes(nil, c.Codes))
		if !seen[k] {
			seen[k] = true
			kept = append(kept, c)
		}
	}
	s.Cheats = kept
	s.OrderSensitive = overlapping(s.Cheats)
	if !s.OrderSensitive {
		slices.SortStableFunc(s.Cheats, func(a, b CheatCodes) int {
			return bytes.Compare(appendCodes(nil, a.Codes), appendCodes(nil, b.Codes))
		})
	}
}
