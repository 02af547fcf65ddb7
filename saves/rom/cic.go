package rom

import (
	"encoding/binary"
	"hash/crc32"
	"strconv"
)

// CIC is the lockout chip a cartridge's boot code is made for, by its
// number (6102 for CIC-NUS-6102). The zero value means unknown boot code.
type CIC uint16

// Boot chips whose CRC algorithm this package knows.
const (
	CICUnknown CIC = 0
	CIC6101    CIC = 6101
	CIC6102    CIC = 6102
	CIC6103    CIC = 6103
	CIC6105    CIC = 6105
	CIC6106    CIC = 6106
)

// String returns the chip number, or "unknown".
func (c CIC) String() string {
	if c == CICUnknown {
		return "unknown"
	}
	return strconv.Itoa(int(c))
}

// Boot code region: the IPL3 that follows the header.
const (
	bootStart = 0x40
	bootEnd   = 0x1000
)

// bootCRC32 maps the CRC-32/IEEE of bytes 0x40-0xFFF to the chip
// (research/saves-cheats.md §2.4, first method).
var bootCRC32 = map[uint32]CIC{
	0x6170A4A1: 6101,
	0x90BB6CB5: 6102,
	0x0B050EE0: 6103,
	0x98BC2C86: 6105,
	0xACC8580A: 6106,
	0x587BD543: 5101,
	0x009E9EA3: 7102,
	0x0E018159: 8303,
}

// bootSum maps the 64-bit sum of the big-endian words of bytes 0x40-0xFFF
// to the chip (§2.4, second method). The libdragon open-source IPL3 is
// built for 6102 and checksummed like it.
var bootSum = map[uint64]CIC{
	0xD0027FDF31:  6101,
	0xCFFB631223:  6101,
	0xD057C85244:  6102,
	0x7C56242373:  6102,
	0xD6497E414B:  6103,
	0x11A49F60E96: 6105,
	0xD6D5BE5580:  6106,
	0x1053BC19870: 5167,
	0xD2E53EF008:  8303,
	0xD2E53EF39F:  8401,
	0xD2E53E5DDA:  8501,
}

// BootCRC32 returns the CRC-32/IEEE of the boot code region the way
// [DetectCIC] computes it. romtest uses it to build images a given chip
// would boot.
func BootCRC32(z64 []byte) uint32 {
	return crc32.ChecksumIEEE(z64[bootStart:bootEnd])
}

// KnownBootCRC32 returns the boot code CRC-32 that identifies chip c and
// reports whether there is one.
func KnownBootCRC32(c CIC) (uint32, bool) {
	for sum, chip := range bootCRC32 {
		if chip == c {
			return sum, true
		}
	}
	return 0, false
}

// DetectCIC identifies the boot chip from the boot code of a big-endian
// image, or returns CICUnknown (also for images shorter than the boot code).
func DetectCIC(z64 []byte) CIC {
	if len(z64) < bootEnd {
		return CICUnknown
	}
	if c, ok := bootCRC32[BootCRC32(z64)]; ok {
		return c
	}
	var sum uint64
	for i := bootStart; i < bootEnd; i += 4 {
		sum += uint64(binary.BigEndian.Uint32(z64[i:]))
	}
	return bootSum[sum]
}
