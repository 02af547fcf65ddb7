package room

import (
	"fmt"

	"github.com/netpak/netpak/host/lockstep"
	"github.com/netpak/netpak/host/session"
	"github.com/netpak/netpak/host/wire"
)

// startLocked starts the game for everyone. actor is the member who asked,
// or nil for the host itself.
func (r *Room) startLocked(actor *Member) error {
	switch {
	case actor != nil && !actor.isHost:
		return fmt.Errorf("only the host can start the game")
	case r.state == statePlaying:
		return fmt.Errorf("the game has already started")
	case r.state == stateEnded:
		return session.ErrEnded
	}
	var active session.PortMask
	for i := range session.NumPorts {
		if r.owner[i] != nil {
			active |= 1 << i
		}
	}
	if active == 0 {
		return fmt.Errorf("nobody holds a controller port yet")
	}
	if err := r.startCheckLocked(); err != nil {
		return err
	}
	if err := r.emulatorCheckLocked(); err != nil {
		return err
	}
	r.state = statePlaying
	// A new game: what autolag learned of the last is old.
	r.floor, r.pace, r.toldSlow, r.coreNeeds = lagFloor{}, paceWindow{}, false, lockstep.NeedWindow{}
	r.game.Start(active)
	r.cores.Start()
	st := wire.AppendStarted(nil, wire.Started{First: 0, Grant: r.game.Grant, Active: active, Slots: r.cores.Registration(active)})
	r.broadcastLocked(wire.FrameStarted, st, nil)
	r.eventLocked(session.Event{Kind: session.EventStarted})
	return nil
}

// startLateLocked lets a member who joined a running game play or watch
// it. A rejoined player replays it from poll 0, and so does a spectator
// whose emulator starts at power-on (Hello.Replay). Any other spectator
// watches from where the game is (Poll): a port whose player left reads
// empty from there, and its stream, which stopped there, does not hold
// the spectator back.
func (r *Room) startLateLocked(m *Member) {
	catchUp := m.ports & r.game.Vacant
	replays := catchUp != 0 || m.replay && r.game.Poll() > 0
	first := r.game.Poll()
	if replays {
		first = 0
	}
	for i := range session.NumPorts {
		m.acked[i] = first
		m.tcpSent[i] = first
	}
	r.sendLocked(m, wire.FrameStarted, wire.AppendStarted(nil, wire.Started{
		First: first, Grant: max(r.game.Grant, first), Active: r.game.Active, CatchUp: replays, Slots: r.cores.Registration(r.game.Active)}))
	for i := range session.NumPorts {
		if r.game.Active.Has(i) && r.game.EmptyFrom[i] != lockstep.NotEmpty {
			r.sendLocked(m, wire.FrameLeft, wire.AppendLeft(nil, wire.LeftMsg{Reason: session.LeaveQuit, Ports: 1 << i, From: r.game.EmptyFrom[i]}))
		}
	}
}

// scheduleLocked adds a lag policy change. In the lobby it replaces the
// initial policy; in a game it takes effect at the first poll nobody has
// been allowed to start, so it lands on the same poll everywhere.
func (r *Room) scheduleLocked(e lockstep.SchedEntry) error {
	e.SeatLag = r.seatLagLocked(e)
	switch r.state {
	case stateLobby:
		r.game.Sched.Reset(e)
	case statePlaying:
		old := r.game.Sched.Last().Lag
		var err error
		if e, err = r.game.Schedule(e); err != nil {
			return err
		}
		if e.Lag != old {
			// A change of lag pauses or hurries the game once: not its
			// pace; and a lag nobody was told is slow yet.
			r.pace, r.toldSlow = paceWindow{}, false
		}
	default:
		return session.ErrEnded
	}
	r.game.Epoch++
	r.broadcastLocked(wire.FrameSched, wire.AppendSched(nil, wire.SchedMsg{Epoch: r.game.Epoch, Entry: e}), nil)
	r.eventLocked(session.SchedEvent(e, r.nameOf(e.Actor)))
	return nil
}
