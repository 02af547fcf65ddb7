package session

import "errors"

// Sentinel errors callers branch on.
var (
	// ErrClosed is returned by Serve after Close, and by client calls after
	// the client closed.
	ErrClosed = errors.New("session closed")
	// ErrHostGone means the client lost its host.
	ErrHostGone = errors.New("lost the host")
	// ErrRejected wraps the reason a host refused a client.
	ErrRejected = errors.New("the host refused to join")
	// ErrKicked means the host removed this client from the session.
	ErrKicked = errors.New("the host removed you from the session")
	// ErrEmulator is the start refusal while a player's emulator said it
	// cannot start the game.
	ErrEmulator = errors.New("a player's emulator cannot start the game")
	// ErrEnded means the game ended (every player left).
	ErrEnded = errors.New("the game ended")
)

// ErrSaveMismatch is the start refusal when a player's ROM, saves or
// cheats differ from the reference player's.
var ErrSaveMismatch = errors.New("players differ")

// ErrNotAnnounced is the start refusal while a player has not yet said
// which ROM, saves and cheats it uses.
var ErrNotAnnounced = errors.New("waiting for players to announce their ROM, saves and cheats")
