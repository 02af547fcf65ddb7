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
	LeaveSpectate                    // it left to join again as a spectator (/spectate)
	leaveMax      = LeaveSpectate
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
	case LeaveSpectate:
		return "to watch as a spectator"
	}
	return fmt.Sprintf("reason %d", uint8(r))
}

// AppendBye encodes a goodbye saying why its member leaves: nothing for a
// quit, LeaveSpectate for a player who joins again to watch.
func AppendBye(b []byte, why LeaveReason) []byte {
	if why == LeaveSpectate {
		b = append(b, byte(why))
	}
	return b
}

// ParseBye decodes a goodbye: empty (a quit) or LeaveSpectate, the only
// reasons a member gives itself.
func ParseBye(p []byte) (LeaveReason, error) {
	if len(p) == 0 {
		return LeaveQuit, nil
	}
	why, err := ParseU8(p)
	if err != nil || LeaveReason(why) != LeaveSpectate {
		return 0, fmt.Errorf("parse bye: %w", ErrBadValue)
	}
	return LeaveSpectate, nil
}
