package host

import "github.com/netpak/netpak/host/lockstep"

// The vocabulary of a game, defined in package lockstep.
type (
	// Input is one controller read; see [lockstep.Input].
	Input = lockstep.Input
	// PortMask is a set of controller ports; see [lockstep.PortMask].
	PortMask = lockstep.PortMask
)

// NumPorts is the number of N64 controller ports in a session.
const NumPorts = lockstep.NumPorts

// DefaultGolfMask is the golf button: Z.
const DefaultGolfMask = lockstep.DefaultGolfMask
