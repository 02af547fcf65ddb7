package cheats

import (
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"
)

// GameKey identifies a game as cheat databases do: the ROM header's CRC1,
// CRC2 and country byte, written "CRC1-CRC2-C:XX". RMG keys a game with
// zero CRCs and country by the ROM's MD5 instead; such a key has MD5 set and
// the other fields zero. The zero GameKey names no game. GameKey is
// comparable and may be used as a map key.
type GameKey struct {
	CRC1, CRC2 uint32
	Country    uint8
	MD5        [16]byte
}

// IsMD5 reports whether k names its game by ROM MD5 rather than by CRCs.
func (k GameKey) IsMD5() bool { return k.MD5 != [16]byte{} }

// String returns the key as "%08X-%08X-C:%02X", or the upper-case MD5.
func (k GameKey) String() string {
	if k.IsMD5() {
		return strings.ToUpper(hex.EncodeToString(k.MD5[:]))
	}
	return fmt.Sprintf("%08X-%08X-C:%02X", k.CRC1, k.CRC2, k.Country)
}

// ParseGameKey parses a game key as cheat files write it:
// "CRC1-CRC2-C:X" with a one- or two-digit country (mupencheat.txt,
// Project64; simple64 pads with a space), RMG's file stem "CRC1-CRC2-XX",
// or a 32-digit MD5. Hex digits may be either case.
func ParseGameKey(s string) (GameKey, error) {
	var k GameKey
	if len(s) == 32 {
		if _, err := hex.Decode(k.MD5[:], []byte(s)); err != nil || !k.IsMD5() {
			return GameKey{}, fmt.Errorf("game key %q: bad md5", s)
		}
		return k, nil
	}
	parts := strings.Split(s, "-")
	if len(parts) != 3 || len(parts[0]) != 8 || len(parts[1]) != 8 {
		return GameKey{}, fmt.Errorf("game key %q: want CRC1-CRC2-C:XX", s)
	}
	c1, err1 := strconv.ParseUint(parts[0], 16, 32)
	c2, err2 := strconv.ParseUint(parts[1], 16, 32)
	country := strings.TrimSpace(strings.TrimPrefix(parts[2], "C:"))
	cc, err3 := strconv.ParseUint(country, 16, 8)
	if err1 != nil || err2 != nil || err3 != nil || len(country) == 0 || len(country) > 2 {
		return GameKey{}, fmt.Errorf("game key %q: bad hex", s)
	}
	return GameKey{CRC1: uint32(c1), CRC2: uint32(c2), Country: uint8(cc)}, nil
}
