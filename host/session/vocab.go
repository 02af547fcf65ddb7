package session

import (
	"time"

	"github.com/netpak/netpak/host/lockstep"
	"github.com/netpak/netpak/host/wire"
)

// The vocabulary of a game, defined in package lockstep, and of netpak's
// protocol, defined in package wire.
type (
	// Input is one controller read; see [lockstep.Input].
	Input = lockstep.Input
	// PortMask is a set of controller ports; see [lockstep.PortMask].
	PortMask = lockstep.PortMask
	// Member describes one participant of a session; see [wire.Member].
	Member = wire.Member
	// SyncKind names what a /sync transfer carries; see [wire.SyncKind].
	SyncKind = wire.SyncKind
)

// DefaultPort is the session port, TCP and UDP, as in AQZ.
const DefaultPort = 6400

// DefaultLag is the lag of a new session, as in AQZ.
const DefaultLag = 5

// DefaultDropTimeout is how long a silent member is kept.
const DefaultDropTimeout = 3 * time.Second

// NumPorts is the number of N64 controller ports in a session.
const NumPorts = lockstep.NumPorts

// DefaultGolfMask is the golf button: Z.
const DefaultGolfMask = lockstep.DefaultGolfMask

// ProtocolVersion is the version of netpak's wire protocol.
const ProtocolVersion = wire.ProtocolVersion

// MaxNameLen bounds a member's name, in bytes.
const MaxNameLen = wire.MaxNameLen

// SyncCheats is the cheat set in a /sync transfer.
const SyncCheats = wire.SyncCheats

// SyncSave names a save component in a /sync transfer.
var SyncSave = wire.SyncSave

// IsNetpakDatagram reports whether a datagram is netpak's own protocol
// rather than mupen64plus-core's.
var IsNetpakDatagram = wire.IsNetpakDatagram

// IsNetpakStream reports whether the first byte of a TCP stream is
// netpak's own protocol rather than mupen64plus-core's.
var IsNetpakStream = wire.IsNetpakStream

// LeaveReason says why a member left; see [wire.LeaveReason].
type LeaveReason = wire.LeaveReason

// Why members leave.
const (
	LeaveQuit     = wire.LeaveQuit
	LeaveTimeout  = wire.LeaveTimeout
	LeaveBehind   = wire.LeaveBehind
	LeaveError    = wire.LeaveError
	LeaveLost     = wire.LeaveLost
	LeaveKicked   = wire.LeaveKicked
	LeaveEmulator = wire.LeaveEmulator
	LeaveSpectate = wire.LeaveSpectate
)
