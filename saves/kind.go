package saves

import (
	"crypto/sha256"
	"encoding/binary"
	"fmt"
)

// Kind is one save component. Its value is its index in a [Set] and in a
// [Manifest], in the fixed order the save-set hash uses.
type Kind uint8

// The save components of a cartridge and its four controller paks.
const (
	EEPROM Kind = iota
	SRAM
	FlashRAM
	Mempak1
	Mempak2
	Mempak3
	Mempak4
	// NumKinds is the number of components; not a component.
	NumKinds
)

// Nominal sizes of the components in canonical form (research/saves-cheats.md §1.1).
const (
	EEPROM4KSize  = 512
	EEPROM16KSize = 2048
	SRAMSize      = 32 << 10
	FlashRAMSize  = 128 << 10
	MempakSize    = 32 << 10
)

var kindNames = [NumKinds]string{"eep", "sra", "fla", "mpk1", "mpk2", "mpk3", "mpk4"}

var kindLabels = [NumKinds]string{
	"EEPROM", "SRAM", "FlashRAM",
	"Controller Pak 1", "Controller Pak 2", "Controller Pak 3", "Controller Pak 4",
}

// String returns the short name used in hashes and on the wire: "eep",
// "sra", "fla", "mpk1".."mpk4".
func (k Kind) String() string {
	if k < NumKinds {
		return kindNames[k]
	}
	return fmt.Sprintf("kind(%d)", uint8(k))
}

// Label returns the name shown to players, e.g. "Controller Pak 2".
func (k Kind) Label() string {
	if k < NumKinds {
		return kindLabels[k]
	}
	return k.String()
}

// Valid reports whether k is one of the seven components.
func (k Kind) Valid() bool { return k < NumKinds }

// mempak returns the controller index 0-3 of a Mempak kind.
func (k Kind) mempak() (int, bool) {
	if k >= Mempak1 && k <= Mempak4 {
		return int(k - Mempak1), true
	}
	return 0, false
}

// validSize reports whether n bytes is a canonical size for k.
func (k Kind) validSize(n int) bool {
	switch k {
	case EEPROM:
		return n == EEPROM4KSize || n == EEPROM16KSize
	case SRAM:
		return n == SRAMSize
	case FlashRAM:
		return n == FlashRAMSize
	case Mempak1, Mempak2, Mempak3, Mempak4:
		return n == MempakSize
	}
	return false
}

// maxSize is the largest canonical size of k.
func (k Kind) maxSize() int {
	switch k {
	case EEPROM:
		return EEPROM16KSize
	case SRAM:
		return SRAMSize
	case FlashRAM:
		return FlashRAMSize
	}
	return MempakSize
}

// Component is one save component in canonical form: cartridge (big-endian)
// byte order, exactly its nominal size. Data is nil when there is no save:
// the file is absent, all zero, or (EEPROM, SRAM, FlashRAM) all 0xFF, which
// is what every emulator formats a missing save to, so the game sees the same
// bytes either way. The zero value is an absent EEPROM.
type Component struct {
	Kind Kind
	Data []byte
	// Short records that the file was shorter than the nominal size and was
	// padded with 0xFF. Project64 reads a short SRAM's tail differently, so
	// a host pushing a save always writes the full size.
	Short bool
	// Path is the file the component was read from, "" if none was found.
	Path string
}

// Present reports whether the component holds a save.
func (c Component) Present() bool { return c.Data != nil }

// hashPrefix starts every component hash (research/saves-cheats.md §1.6).
const hashPrefix = "N64-SAVE-V1\x00"

// Hash returns the canonical hash of the component:
//
//	SHA-256("N64-SAVE-V1\0" ‖ kind name ‖ "\0" ‖ u32be(size) ‖ present ‖ data)
//
// where present is one byte, 1 or 0, and size is len(Data) (0 when absent).
func (c Component) Hash() [32]byte {
	h := sha256.New()
	h.Write([]byte(hashPrefix))
	h.Write([]byte(c.Kind.String()))
	h.Write([]byte{0})
	var hdr [5]byte
	binary.BigEndian.PutUint32(hdr[:4], uint32(len(c.Data)))
	if c.Present() {
		hdr[4] = 1
	}
	h.Write(hdr[:])
	h.Write(c.Data)
	var sum [32]byte
	h.Sum(sum[:0])
	return sum
}

// AbsentHash returns the hash of kind k holding no save.
func AbsentHash(k Kind) [32]byte { return Component{Kind: k}.Hash() }

// Validate checks a component received from elsewhere before it is written:
// a known kind and, when present, exactly a canonical size for the kind.
// Errors wrap [ErrTooLarge] or [ErrBadSize].
func (c Component) Validate() error {
	if !c.Kind.Valid() {
		return fmt.Errorf("validate save component %v: %w", c.Kind, ErrBadKind)
	}
	if !c.Present() {
		return nil
	}
	if len(c.Data) > c.Kind.maxSize() {
		return fmt.Errorf("validate %s of %d bytes (limit %d): %w", c.Kind.Label(), len(c.Data), c.Kind.maxSize(), ErrTooLarge)
	}
	if !c.Kind.validSize(len(c.Data)) {
		return fmt.Errorf("validate %s of %d bytes: %w", c.Kind.Label(), len(c.Data), ErrBadSize)
	}
	return nil
}

// Set holds all seven components of one game, indexed by Kind.
type Set [NumKinds]Component

// Hashes returns the hash of every component, in Kind order.
func (s *Set) Hashes() [NumKinds][32]byte {
	var out [NumKinds][32]byte
	for k := range s {
		c := s[k]
		c.Kind = Kind(k)
		out[k] = c.Hash()
	}
	return out
}

// SetHash returns the save-set hash: SHA-256 over the component hashes in
// Kind order.
func SetHash(hashes [NumKinds][32]byte) [32]byte {
	h := sha256.New()
	for _, c := range hashes {
		h.Write(c[:])
	}
	var sum [32]byte
	h.Sum(sum[:0])
	return sum
}
