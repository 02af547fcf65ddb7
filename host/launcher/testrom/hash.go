package testrom

import "encoding/binary"

// The hash the ROM keeps: 32-bit FNV-1a over words instead of bytes.
const (
	hashInit = 0x811C9DC5
	hashMul  = 0x01000193
)

// Status words of a channel block after the poll (see the package doc).
const (
	statusPresent = 0xFF010401
	statusAbsent  = 0xFF018401 // "no response" bit set by the core
	padAbsent     = 0xFFFFFFFF // the bytes the ROM wrote, left untouched
)

// Pad is one controller in one poll: whether the core reports it present
// and the BUTTONS value the input plugin or netplay gave for it.
type Pad struct {
	Present bool
	Keys    uint32
}

// Poll is the state of the four controllers in one poll.
type Poll [4]Pad

// PadWord is the MIPS word the ROM reads for keys on this machine: the
// core stores keys into PIF RAM as a native u32, and the MIPS side reads
// those bytes big-endian (bswap32 on a little-endian host).
func PadWord(keys uint32) uint32 {
	var b [4]byte
	binary.NativeEndian.PutUint32(b[:], keys)
	return binary.BigEndian.Uint32(b[:])
}

// Fold returns h after the ROM has folded poll p into it.
func Fold(h uint32, p Poll) uint32 {
	for _, pad := range p {
		status, word := uint32(statusAbsent), uint32(padAbsent)
		if pad.Present {
			status, word = statusPresent, PadWord(pad.Keys)
		}
		h = (h ^ status) * hashMul
		h = (h ^ word) * hashMul
	}
	return h
}

// Hash returns the hash the ROM stores after the given polls, starting
// from its initial value. A ROM built for N polls stops folding after N.
func Hash(polls []Poll) uint32 {
	h := uint32(hashInit)
	for _, p := range polls {
		h = Fold(h, p)
	}
	return h
}

// Repeat returns n copies of p, e.g. the dummy input plugin's polls.
func Repeat(p Poll, n int) []Poll {
	out := make([]Poll, n)
	for i := range out {
		out[i] = p
	}
	return out
}
