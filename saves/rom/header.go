package rom

import (
	"bytes"
	"encoding/binary"
	"fmt"
)

// HeaderSize is the size of the cartridge header at the start of the image.
const HeaderSize = 0x40

// Header is the parsed 64-byte cartridge header (offsets in .z64 order,
// research/saves-cheats.md §2.2). The zero value is an empty header.
type Header struct {
	PIConfig    uint32   // 0x00, 0x80371240 on commercial carts
	ClockRate   uint32   // 0x04
	BootAddress uint32   // 0x08, entry PC
	Release     uint32   // 0x0C, libultra release
	CRC1        uint32   // 0x10, check code high word
	CRC2        uint32   // 0x14, check code low word
	RawName     [20]byte // 0x20, image name, space padded, ASCII or Shift-JIS
	Media       byte     // 0x3B, 'N' cart, 'D' 64DD disk, 'C', 'E', 'Z'
	CartID      [2]byte  // 0x3C, e.g. "SM"; "ED" marks the advanced homebrew header
	Country     byte     // 0x3E, destination code, e.g. 'E' USA, 'J' Japan, 'P' Europe
	Version     byte     // 0x3F, mask ROM revision
}

// ParseHeader parses the header of a big-endian image. It needs at least
// [HeaderSize] bytes and checks nothing else: see [Parse] for validation.
func ParseHeader(z64 []byte) (Header, error) {
	if len(z64) < HeaderSize {
		return Header{}, fmt.Errorf("parse header of %d bytes: %w", len(z64), ErrTruncated)
	}
	be := binary.BigEndian
	h := Header{
		PIConfig:    be.Uint32(z64[0x00:]),
		ClockRate:   be.Uint32(z64[0x04:]),
		BootAddress: be.Uint32(z64[0x08:]),
		Release:     be.Uint32(z64[0x0C:]),
		CRC1:        be.Uint32(z64[0x10:]),
		CRC2:        be.Uint32(z64[0x14:]),
		Media:       z64[0x3B],
		Country:     z64[0x3E],
		Version:     z64[0x3F],
	}
	copy(h.RawName[:], z64[0x20:0x34])
	copy(h.CartID[:], z64[0x3C:0x3E])
	return h, nil
}

// Name returns the image name the way mupen64plus and Project64 use it for
// save file names: the 20 header bytes up to the first NUL, with trailing
// spaces (and other ASCII white space) removed. The bytes are returned as is;
// they may be Shift-JIS and may contain path separators, so callers building
// file names must sanitise them.
func (h Header) Name() string {
	n := h.RawName[:]
	if i := bytes.IndexByte(n, 0); i >= 0 {
		n = n[:i]
	}
	return string(bytes.TrimRight(n, " \t\r\n\v\f"))
}

// GameCode returns the four-character game code, bytes 0x3B-0x3E, e.g. "NSME".
func (h Header) GameCode() string {
	return string([]byte{h.Media, h.CartID[0], h.CartID[1], h.Country})
}

// CheatKey returns the key cheat databases use for this game,
// "CRC1-CRC2-C:XX" with upper-case hex (mupencheat.txt and Project64 format
// the country with %X, not zero-padded; every letter code is two digits).
func (h Header) CheatKey() string {
	return fmt.Sprintf("%08X-%08X-C:%X", h.CRC1, h.CRC2, h.Country)
}

// SaveType is a save type announced by the advanced homebrew header.
type SaveType uint8

// Save types of the advanced homebrew header (high nibble of byte 0x3F when
// the cartridge ID is "ED").
const (
	SaveNone SaveType = iota
	SaveEEPROM4K
	SaveEEPROM16K
	SaveSRAM256K
	SaveSRAM768K
	SaveFlashRAM
	SaveSRAM1M
)

// HomebrewSaveType returns the save type from the advanced homebrew header
// and reports whether the header carries one (cartridge ID "ED").
func (h Header) HomebrewSaveType() (SaveType, bool) {
	if h.CartID != [2]byte{'E', 'D'} {
		return SaveNone, false
	}
	return SaveType(h.Version >> 4), true
}
