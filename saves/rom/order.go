package rom

import (
	"encoding/binary"
	"fmt"
)

// Order is the byte order of a ROM file as stored on disk.
type Order uint8

const (
	// OrderUnknown is the zero Order: the first four bytes matched no known order.
	OrderUnknown Order = iota
	// OrderZ64 is big-endian, the cartridge's own order (.z64).
	OrderZ64
	// OrderV64 swaps each pair of bytes (.v64).
	OrderV64
	// OrderN64 reverses each 32-bit word, little-endian words (.n64).
	OrderN64
)

// String returns the file extension conventionally used for o, without dot.
func (o Order) String() string {
	switch o {
	case OrderZ64:
		return "z64"
	case OrderV64:
		return "v64"
	case OrderN64:
		return "n64"
	}
	return fmt.Sprintf("order(%d)", uint8(o))
}

// Signatures of the first word of a cartridge image (PI BSD DOM1 config) as
// it reads in big-endian order: commercial carts and the 64DD IPL.
const (
	sigCart = 0x80371240
	sigDD   = 0x80270740
)

// DetectOrder reports the byte order of an image from its first four bytes.
// It returns OrderUnknown if the image is shorter than four bytes or its
// first word is not a known cartridge signature in any order.
func DetectOrder(image []byte) Order {
	if len(image) < 4 {
		return OrderUnknown
	}
	for _, o := range []Order{OrderZ64, OrderV64, OrderN64} {
		var w [4]byte
		copy(w[:], image[:4])
		swapInPlace(w[:], o)
		switch binary.BigEndian.Uint32(w[:]) {
		case sigCart, sigDD:
			return o
		}
	}
	return OrderUnknown
}

// swapInPlace converts b between order o and big-endian order (each
// conversion is its own inverse). A tail shorter than one unit is left alone.
func swapInPlace(b []byte, o Order) {
	switch o {
	case OrderV64:
		for i := 0; i+1 < len(b); i += 2 {
			b[i], b[i+1] = b[i+1], b[i]
		}
	case OrderN64:
		for i := 0; i+3 < len(b); i += 4 {
			b[i], b[i+1], b[i+2], b[i+3] = b[i+3], b[i+2], b[i+1], b[i]
		}
	}
}

// ToOrder returns a copy of the big-endian image z64 converted to order o.
// It is how tests and tools write .v64 and .n64 files.
func ToOrder(z64 []byte, o Order) []byte {
	out := append([]byte(nil), z64...)
	swapInPlace(out, o)
	return out
}

// Normalize returns image in big-endian (.z64) order and the order it was
// stored in. The input is never modified: a .z64 image is returned as is,
// other orders are converted into a new slice. Errors wrap [ErrNotROM] or
// [ErrTruncated].
func Normalize(image []byte) ([]byte, Order, error) {
	o := DetectOrder(image)
	if o == OrderUnknown {
		return nil, o, fmt.Errorf("normalize rom: %w", ErrNotROM)
	}
	if unit := unitSize(o); len(image)%unit != 0 {
		return nil, o, fmt.Errorf("normalize %s rom of %d bytes, not a multiple of %d: %w", o, len(image), unit, ErrTruncated)
	}
	if o == OrderZ64 {
		return image, o, nil
	}
	return ToOrder(image, o), o, nil
}

// unitSize is the number of bytes order o permutes as one unit.
func unitSize(o Order) int {
	switch o {
	case OrderV64:
		return 2
	case OrderN64:
		return 4
	}
	return 1
}
