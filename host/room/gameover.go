package room

import (
	"fmt"

	"github.com/netpak/netpak/host/lockstep"
	"github.com/netpak/netpak/host/session"
	"github.com/netpak/netpak/host/wire"
)

// A game ends when every player has left it (quit, dropped, or stopped
// their emulator) or when the host's own player types /stop. The session
// then returns to the lobby: members stay, players get back the ports
// their emulators released, the lag and golf mode stay as they were, and
// the host's player can /start the next game from poll 0. Direct
// mupen64plus cores end their netplay with their game, so they leave with
// it and join the next game anew.

// handleStopLocked ends the game for everyone at the host's player's
// request.
func (r *Room) handleStopLocked(m *Member, p []byte) error {
	if len(p) != 0 {
		return fmt.Errorf("stop frame with %d bytes: %w", len(p), wire.ErrLong)
	}
	switch {
	case !m.isHost:
		r.noticeLocked(m, fmt.Errorf("only the host can stop the game"))
	case r.state != statePlaying:
		r.noticeLocked(m, fmt.Errorf("no game is running"))
	default:
		r.endGameLocked(wire.GameOver{Why: wire.GameStopped, Actor: m.id})
	}
	return nil
}

// Stop ends the running game for everyone, as the host itself.
func (r *Room) Stop() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.state != statePlaying {
		return fmt.Errorf("no game is running")
	}
	r.endGameLocked(wire.GameOver{Why: wire.GameStopped})
	return nil
}

// endGameLocked ends the game and returns the session to the lobby.
func (r *Room) endGameLocked(g wire.GameOver) {
	if r.ending {
		return // the last core's drop below ends no game of its own
	}
	r.ending = true
	for _, m := range r.members {
		if m.core != nil {
			r.dropLocked(m, session.LeaveQuit) // a core's netplay ends with its game
		}
	}
	r.ending = false
	r.state = stateLobby
	r.games++
	r.game.End()
	r.checks.Init()
	r.cores.Reset()
	r.cp0.Init()
	r.desync = false
	r.autoArmed = false // the next game starts when someone joins, or by /start
	for _, m := range r.members {
		m.acked, m.tcpSent, m.waited, m.pace = [session.NumPorts]uint32{}, [session.NumPorts]uint32{}, 0, progress{}
		m.coreNeeds, m.ownNeeds, m.seatFloor = lockstep.NeedWindow{}, lockstep.NeedWindow{}, 0
		m.coreWants, m.uploads = 0, wire.Assembly{}
		for i := range session.NumPorts {
			if m.lent.Has(i) && r.owner[i] == nil {
				r.owner[i], m.ports = m, m.ports|1<<i
			}
		}
		m.lent = 0
	}
	r.game.Epoch++
	r.broadcastLocked(wire.FrameGameOver, wire.AppendGameOver(nil, g), nil)
	r.broadcastLocked(wire.FrameSched, wire.AppendSched(nil, wire.SchedMsg{Epoch: r.game.Epoch, Entry: r.game.Sched.Last()}), nil)
	r.broadcastRosterLocked()
	r.eventLocked(session.Event{Kind: session.EventEnded, Who: r.stopperName(g), Count: r.games})
}

// stopperName names who ended a game: "" when every player left.
func (r *Room) stopperName(g wire.GameOver) string {
	if g.Why != wire.GameStopped {
		return ""
	}
	return r.nameOf(g.Actor)
}
