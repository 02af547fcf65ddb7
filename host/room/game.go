package room

import (
	"fmt"

	"github.com/netpak/netpak/host/lockstep"
	"github.com/netpak/netpak/host/session"
	"github.com/netpak/netpak/host/wire"
)

// startLocked starts the game for everyone. actor is the member who asked,
// or nil for the host itself.
func (s *Room) startLocked(actor *Member) error {
	switch {
	case actor != nil && !actor.isHost:
		return fmt.Errorf("only the host can start the game")
	case s.state == statePlaying:
		return fmt.Errorf("the game has already started")
	case s.state == stateEnded:
		return session.ErrEnded
	}
	var active session.PortMask
	for i := range session.NumPorts {
		if s.owner[i] != nil {
			active |= 1 << i
		}
	}
	if active == 0 {
		return fmt.Errorf("nobody holds a controller port yet")
	}
	if err := s.startCheckLocked(); err != nil {
		return err
	}
	if err := s.emulatorCheckLocked(); err != nil {
		return err
	}
	s.state = statePlaying
	s.game.Start(active)
	s.cores.Start()
	st := wire.AppendStarted(nil, wire.Started{First: 0, Grant: s.game.Grant, Active: active, Slots: s.cores.Registration(active)})
	s.broadcastLocked(wire.FrameStarted, st, nil)
	s.eventLocked(session.Event{Kind: session.EventStarted})
	return nil
}

// startLateLocked lets a spectator who joined a running game watch from
// the oldest poll every stream still holds in full.
func (s *Room) startLateLocked(m *Member) {
	first := s.game.FirstHeld()
	catchUp := m.ports & s.game.Vacant
	if catchUp != 0 {
		first = 0 // a rejoined player replays the game
	}
	for i := range session.NumPorts {
		m.acked[i] = first
		m.tcpSent[i] = first
	}
	s.sendLocked(m, wire.FrameStarted, wire.AppendStarted(nil, wire.Started{
		First: first, Grant: max(s.game.Grant, first), Active: s.game.Active, CatchUp: catchUp != 0, Slots: s.cores.Registration(s.game.Active)}))
	for i := range session.NumPorts {
		if s.game.Active.Has(i) && s.game.EmptyFrom[i] != lockstep.NotEmpty {
			s.sendLocked(m, wire.FrameLeft, wire.AppendLeft(nil, wire.LeftMsg{Reason: session.LeaveQuit, Ports: 1 << i, From: s.game.EmptyFrom[i]}))
		}
	}
}

// scheduleLocked adds a lag policy change. In the lobby it replaces the
// initial policy; in a game it takes effect at the first poll nobody has
// been allowed to start, so it lands on the same poll everywhere.
func (s *Room) scheduleLocked(e lockstep.SchedEntry) error {
	switch s.state {
	case stateLobby:
		s.game.Sched.Reset(e)
	case statePlaying:
		var err error
		if e, err = s.game.Schedule(e); err != nil {
			return err
		}
	default:
		return session.ErrEnded
	}
	s.game.Epoch++
	s.broadcastLocked(wire.FrameSched, wire.AppendSched(nil, wire.SchedMsg{Epoch: s.game.Epoch, Entry: e}), nil)
	s.eventLocked(session.SchedEvent(e, s.nameOf(e.Actor)))
	return nil
}
