package room

import (
	"fmt"

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
func (s *Room) handleStopLocked(m *Member, p []byte) error {
	if len(p) != 0 {
		return fmt.Errorf("stop frame with %d bytes: %w", len(p), wire.ErrLong)
	}
	switch {
	case !m.isHost:
		s.noticeLocked(m, fmt.Errorf("only the host can stop the game"))
	case s.state != statePlaying:
		s.noticeLocked(m, fmt.Errorf("no game is running"))
	default:
		s.endGameLocked(wire.GameOver{Why: wire.GameStopped, Actor: m.id})
	}
	return nil
}

// Stop ends the running game for everyone, as the host itself.
func (s *Room) Stop() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.state != statePlaying {
		return fmt.Errorf("no game is running")
	}
	s.endGameLocked(wire.GameOver{Why: wire.GameStopped})
	return nil
}

// endGameLocked ends the game and returns the session to the lobby.
func (s *Room) endGameLocked(g wire.GameOver) {
	for _, m := range s.members {
		if m.core != nil {
			s.dropLocked(m, session.LeaveQuit) // a core's netplay ends with its game
		}
	}
	s.state = stateLobby
	s.games++
	s.game.End()
	s.checks.Init()
	s.cores.Reset()
	s.cp0.Init()
	s.desync = false
	s.autoArmed = false // the next game starts when someone joins, or by /start
	for _, m := range s.members {
		m.acked, m.tcpSent, m.waited = [session.NumPorts]uint32{}, [session.NumPorts]uint32{}, 0
		m.coreWants, m.uploads = 0, wire.Assembly{}
		for i := range session.NumPorts {
			if m.lent.Has(i) && s.owner[i] == nil {
				s.owner[i], m.ports = m, m.ports|1<<i
			}
		}
		m.lent = 0
	}
	s.game.Epoch++
	s.broadcastLocked(wire.FrameGameOver, wire.AppendGameOver(nil, g), nil)
	s.broadcastLocked(wire.FrameSched, wire.AppendSched(nil, wire.SchedMsg{Epoch: s.game.Epoch, Entry: s.game.Sched.Last()}), nil)
	s.broadcastRosterLocked()
	s.eventLocked(session.Event{Kind: session.EventEnded, Who: s.stopperName(g), Count: s.games})
}

// stopperName names who ended a game: "" when every player left.
func (s *Room) stopperName(g wire.GameOver) string {
	if g.Why != wire.GameStopped {
		return ""
	}
	return s.nameOf(g.Actor)
}
