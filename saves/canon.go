package saves

import "bytes"

// Largest save files any supported emulator writes. Anything bigger is not
// read (research/saves-cheats.md §1.2-1.4).
const (
	maxEEPFile      = EEPROM16KSize
	maxSRAFile      = 3 * SRAMSize // Project64's banked Dezaemon 3D SRAM
	maxFLAFile      = FlashRAMSize
	maxMempaksFile  = 8 * MempakSize // Project64 1.6 grows its 4-pak file to 256 KiB
	maxMempakFile   = MempakSize
	srmSize         = 0x48800
	srmEEPOffset    = 0x00000
	srmMempakOffset = 0x00800
	srmSRAOffset    = 0x20800
	srmFLAOffset    = 0x28800
)

// EEPROMFromFile turns the bytes of an .eep file into canonical form.
// nominal is 512 or 2048 when the game's EEPROM size is known, 0 to infer it:
// 2048 only if the file holds data (not 0xFF, not zero) past 512 bytes, since
// old mupen64plus wrote 2048-byte files for 4 Kbit games. A shorter file is
// padded with 0xFF, a longer one cut (both emulators read it that way).
func EEPROMFromFile(b []byte, nominal int) Component {
	if nominal != EEPROM4KSize && nominal != EEPROM16KSize {
		nominal = EEPROM4KSize
		if len(b) > EEPROM4KSize && hasData(b[EEPROM4KSize:]) {
			nominal = EEPROM16KSize
		}
	}
	c := Component{Kind: EEPROM, Short: len(b) < nominal}
	c.Data = fitFF(b, nominal)
	c.dropIfEmpty(true)
	return c
}

// WordsFromFile turns an .sra or .fla file (32-bit little-endian words, as
// mupen64plus, Project64 and RetroArch all store them) into canonical
// big-endian form. kind must be SRAM or FlashRAM.
func WordsFromFile(kind Kind, b []byte) Component {
	nominal := SRAMSize
	if kind == FlashRAM {
		nominal = FlashRAMSize
	}
	c := Component{Kind: kind, Short: len(b) < nominal}
	c.Data = fitFF(b, nominal)
	swap32(c.Data)
	c.dropIfEmpty(true)
	return c
}

// MempakFromFile turns one 32 KiB controller pak image (Project64 2.x+
// _Cont_N.mpk) into canonical form for pak i (0-3).
func MempakFromFile(i int, b []byte) Component {
	c := Component{Kind: Mempak1 + Kind(i&3)}
	if len(b) == 0 {
		return c
	}
	c.Short = len(b) < MempakSize
	c.Data = fitZero(b, MempakSize)
	c.dropIfEmpty(false)
	return c
}

// MempaksFromFile splits a file of four consecutive paks (mupen64plus .mpk,
// Project64 1.6 .mpk, which may be 256 KiB with a copy in the second half)
// into canonical components. A pak the file does not reach is absent.
func MempaksFromFile(b []byte) [4]Component {
	var out [4]Component
	for i := range out {
		lo := min(i*MempakSize, len(b))
		hi := min(lo+MempakSize, len(b))
		out[i] = MempakFromFile(i, b[lo:hi])
	}
	return out
}

// SRMFromFile splits a RetroArch Mupen64Plus-Next .srm (EEPROM 2 KiB,
// 4 paks, SRAM, FlashRAM) into canonical components; eepNominal as in
// [EEPROMFromFile]. A short file is read as far as it goes.
func SRMFromFile(b []byte, eepNominal int) Set {
	part := func(off, n int) []byte {
		lo := min(off, len(b))
		return b[lo:min(off+n, len(b))]
	}
	var s Set
	s[EEPROM] = EEPROMFromFile(part(srmEEPOffset, EEPROM16KSize), eepNominal)
	paks := MempaksFromFile(part(srmMempakOffset, 4*MempakSize))
	copy(s[Mempak1:], paks[:])
	s[SRAM] = WordsFromFile(SRAM, part(srmSRAOffset, SRAMSize))
	s[FlashRAM] = WordsFromFile(FlashRAM, part(srmFLAOffset, FlashRAMSize))
	return s
}

// dropIfEmpty makes the component absent when it holds no save: all zero,
// or all 0xFF if erasedIsEmpty.
func (c *Component) dropIfEmpty(erasedIsEmpty bool) {
	if allByte(c.Data, 0) || (erasedIsEmpty && allByte(c.Data, 0xFF)) {
		c.Data = nil
		c.Short = false
	}
}

// fitFF returns a new slice of b cut or padded with 0xFF to n bytes.
func fitFF(b []byte, n int) []byte {
	out := bytes.Repeat([]byte{0xFF}, n)
	copy(out, b)
	return out
}

// fitZero returns a new slice of b cut or padded with zeros to n bytes.
func fitZero(b []byte, n int) []byte {
	out := make([]byte, n)
	copy(out, b)
	return out
}

func allByte(b []byte, v byte) bool {
	for _, x := range b {
		if x != v {
			return false
		}
	}
	return true
}

// hasData reports whether b holds anything but a fill of 0xFF or zeros.
func hasData(b []byte) bool { return !allByte(b, 0xFF) && !allByte(b, 0) }

// swap32 reverses the bytes of every 32-bit word of b in place; the
// conversion between the files' little-endian words and cartridge order.
func swap32(b []byte) {
	for i := 0; i+3 < len(b); i += 4 {
		b[i], b[i+1], b[i+2], b[i+3] = b[i+3], b[i+2], b[i+1], b[i]
	}
}

// wordsFile returns the bytes of an .sra or .fla file for canonical data.
func wordsFile(c Component) []byte {
	out := bytes.Clone(c.Data)
	swap32(out)
	return out
}
