package wire

import "fmt"

// LeaveReason says why a member left.
type LeaveReason uint8

const (
	LeaveQuit     LeaveReason = iota // the player quit
	LeaveTimeout                     // nothing heard for the drop timeout
	LeaveBehind                      // fell too far behind or could not be written to
	LeaveError                       // sent something malformed
	LeaveLost                        // the connection broke
	LeaveKicked                      // the host removed it
	LeaveEmulator                    // its emulator stopped; it stays for chat
	leaveMax      = LeaveEmulator
)

func (r LeaveReason) String() string {
	switch r {
	case LeaveQuit:
		return "quit"
	case LeaveTimeout:
		return "timed out"
	case LeaveBehind:
		return "fell behind"
	case LeaveError:
		return "protocol error"
	case LeaveLost:
		return "connection lost"
	case LeaveKicked:
		return "kicked"
	case LeaveEmulator:
		return "emulator stopped"
	}
	return fmt.Sprintf("reason %d", uint8(r))
}
