package rom

import (
	"encoding/binary"
	"math/bits"
)

// crcStart and crcEnd bound the region the header CRC covers: 1 MiB after
// the boot code.
const (
	crcStart = 0x1000
	crcEnd   = 0x101000
)

// crcSeed returns the initial value of the CRC for chip c and reports
// whether the chip's algorithm is known: cic_byte × multiplier + 1.
func crcSeed(c CIC) (uint32, bool) {
	switch c {
	case CIC6101, CIC6102:
		return 0xF8CA4DDC, true
	case CIC6103:
		return 0xA3886759, true
	case CIC6105:
		return 0xDF26F436, true
	case CIC6106:
		return 0x1FEA617A, true
	}
	return 0, false
}

// ComputeCRC computes the header check code CRC1, CRC2 that chip c's boot
// code expects for the big-endian image z64. It reports false if the chip's
// algorithm is unknown or the image is shorter than the checked region
// (0x101000 bytes).
func ComputeCRC(z64 []byte, c CIC) (crc1, crc2 uint32, ok bool) {
	seed, known := crcSeed(c)
	if !known || len(z64) < crcEnd {
		return 0, 0, false
	}
	be := binary.BigEndian
	t1, t2, t3, t4, t5, t6 := seed, seed, seed, seed, seed, seed
	for i := crcStart; i < crcEnd; i += 4 {
		d := be.Uint32(z64[i:])
		if t6+d < t6 {
			t4++
		}
		t6 += d
		t3 ^= d
		r := bits.RotateLeft32(d, int(d&31))
		t5 += r
		if t2 > d {
			t2 ^= r
		} else {
			t2 ^= t6 ^ d
		}
		if c == CIC6105 {
			t1 += be.Uint32(z64[0x750+(i&0xFF):]) ^ d
		} else {
			t1 += t5 ^ d
		}
	}
	switch c {
	case CIC6103:
		return (t6 ^ t4) + t3, (t5 ^ t2) + t1, true
	case CIC6106:
		return t6*t4 + t3, t5*t2 + t1, true
	}
	return t6 ^ t4 ^ t3, t5 ^ t2 ^ t1, true
}
