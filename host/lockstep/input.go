package lockstep

// NumPorts is the number of N64 controller ports in a session.
const NumPorts = 4

// Input is what one controller read returns: the 32-bit N64 controller word
// (BUTTONS in mupen64plus' layout: bit 5 is Z, bits 16-31 the stick) and the
// pak byte the emulator reported with it. netpak treats Keys as opaque
// except for golf-button detection.
type Input struct {
	Keys uint32
	Pak  uint8
}

// DefaultGolfMask is the golf button: Z.
const DefaultGolfMask uint32 = 1 << 5

// PortMask is a set of controller ports: bit i is port i (0-based; players
// call it port i+1).
type PortMask uint8

// Has reports whether port i is in the set.
func (m PortMask) Has(i int) bool { return i >= 0 && i < NumPorts && m&(1<<i) != 0 }

// Count returns the number of ports in the set.
func (m PortMask) Count() int {
	n := 0
	for i := range NumPorts {
		if m.Has(i) {
			n++
		}
	}
	return n
}

// String lists the ports 1-based, e.g. "1,3", or "-" for none.
func (m PortMask) String() string {
	if m&0x0f == 0 {
		return "-"
	}
	b := make([]byte, 0, 8)
	for i := range NumPorts {
		if m.Has(i) {
			if len(b) > 0 {
				b = append(b, ',')
			}
			b = append(b, byte('1'+i))
		}
	}
	return string(b)
}

// NotEmpty is the first empty poll of a port whose player is still there:
// its stream never reads as no input.
const NotEmpty = ^uint32(0)

// Lowest returns the first port in m, or NumPorts for none.
func (m PortMask) Lowest() int {
	for i := range NumPorts {
		if m.Has(i) {
			return i
		}
	}
	return NumPorts
}
