package host

import (
	"fmt"
	"strings"

	"github.com/netpak/netpak/host/lockstep"
	"github.com/netpak/netpak/host/session"
	"github.com/netpak/netpak/host/wire"
)

// A player who leaves a running game (dropped, crashed, quit) keeps a
// claim on its ports for the rest of the game: when a client with the same
// name joins, it gets them back. Its ports read empty meanwhile, as for any
// departure. Emulation is deterministic and every stream holds the game
// from poll 0 (lockstep.History), so the rejoined player replays the whole
// game on the recorded inputs while the others play on:
//
//  1. At the rejoin, the ports are revived at the grant (no one has
//     started that poll yet): the polls they read empty become zero
//     inputs, the same to every game, and everyone is told (revive).
//  2. The host authors the ports (zero input, as much as the newest other
//     port has) while the player replays from poll 0 and reports its
//     progress (catch-up), which everyone is told.
//  3. When the player is close to the live game, the host hands the ports
//     over at the next poll it has not authored (handover), and the player
//     authors them again from there.

// holdPortsLocked keeps m's ports for m's name, if m may rejoin.
func (s *room) holdPortsLocked(m *member, ports session.PortMask, why session.LeaveReason) {
	if s.state != statePlaying || m.core != nil || why == session.LeaveKicked || why == session.LeaveEmulator {
		return
	}
	for k := range session.NumPorts {
		if ports.Has(k) && s.active.Has(k) {
			s.held[k] = m.name
		}
	}
}

// heldForLocked returns the ports held for name.
func (s *room) heldForLocked(name string) session.PortMask {
	var ports session.PortMask
	for k := range session.NumPorts {
		if s.held[k] != "" && strings.EqualFold(s.held[k], name) {
			ports |= 1 << k
		}
	}
	return ports
}

// rejoinPortsLocked admits a player into a running game: it gets back the
// ports held for its name.
func (s *room) rejoinPortsLocked(name string) (session.PortMask, error) {
	ports := s.heldForLocked(name)
	switch {
	case ports == 0:
		return 0, fmt.Errorf("the game has already started; join as a spectator (a player who left can rejoin with the same name)")
	case s.oldestHeldLocked() > 0:
		return 0, fmt.Errorf("the game is older than the %d polls netpak keeps; join as a spectator", lockstep.History)
	}
	return ports, nil
}

// oldestHeldLocked is the oldest poll every active stream still holds.
func (s *room) oldestHeldLocked() uint32 {
	var oldest uint32
	for k := range session.NumPorts {
		if s.active.Has(k) {
			oldest = max(oldest, s.streams[k].Oldest())
		}
	}
	return oldest
}

// reviveLocked gives a rejoined player's ports input again from the grant
// on, authored by the host until the player catches up, and returns that
// poll.
func (s *room) reviveLocked(m *member) uint32 {
	at := s.grantSent
	for k := range session.NumPorts {
		if !m.ports.Has(k) {
			continue
		}
		s.held[k] = ""
		st := &s.streams[k]
		s.zeroFrom[k] = st.Have
		for st.Have < at {
			st.Add(st.Have, session.Input{}) // what the port read while empty
		}
		s.emptyFrom[k] = lockstep.NotEmpty
	}
	s.vacant |= m.ports
	s.epoch++ // nobody takes a grant beyond at before it knows the ports are back
	s.broadcastLocked(wire.FrameRevive, wire.AppendRevive(nil, wire.Revive{Ports: m.ports, From: at, Epoch: s.epoch}), m)
	return at
}

// fillVacantLocked authors the ports of players catching up: zero input,
// as far as the newest port another author filled.
func (s *room) fillVacantLocked() {
	if s.vacant == 0 {
		return
	}
	var newest uint32
	for k := range session.NumPorts {
		if s.active.Has(k) && !s.vacant.Has(k) && s.emptyFrom[k] == lockstep.NotEmpty {
			newest = max(newest, s.streams[k].Have)
		}
	}
	for k := range session.NumPorts {
		if st := &s.streams[k]; s.vacant.Has(k) {
			from := st.Have
			for st.Have < newest {
				st.Add(st.Have, session.Input{})
			}
			s.arrivedLocked(k, from, nil)
		}
	}
}

// catchUpNoteEvery is how many polls of progress a catching-up player
// makes between the notices that tell everyone; handoverWithin, how close
// (beyond the largest lag) to its ports' newest input it must be for the
// handover, so that the others barely wait for it after.
const (
	catchUpNoteEvery = 3600
	handoverWithin   = 16
)

// handleCatchUpLocked notes a rejoined player's progress, and hands its
// ports over when it is close to the live game.
func (s *room) handleCatchUpLocked(m *member, p []byte) error {
	c, err := wire.ParseCatchUp(p)
	if err != nil {
		return err
	}
	ports := m.ports & s.vacant
	if s.state != statePlaying || ports == 0 {
		return nil
	}
	var live uint32
	for k := range session.NumPorts {
		if ports.Has(k) {
			live = max(live, s.streams[k].Have)
		}
	}
	if !c.Done || !s.mayHandOverLocked(m, ports, c.Poll, live) {
		if c.Poll >= m.caughtUp+catchUpNoteEvery && c.Poll <= live {
			m.caughtUp = c.Poll
			s.noticeAllLocked(fmt.Sprintf("%s is catching up (poll %s of %s)", m.name, session.Thousands(c.Poll), session.Thousands(live)))
		}
		return nil
	}
	for k := range session.NumPorts {
		for st := &s.streams[k]; ports.Has(k) && st.Have < live; {
			st.Add(st.Have, session.Input{})
		}
	}
	s.vacant &^= ports
	s.sendLocked(m, wire.FrameHandover, wire.AppendHandover(nil, wire.Handover{Ports: ports, From: live}))
	s.noticeAllLocked(fmt.Sprintf("%s caught up and plays again from poll %s", m.name, session.Thousands(live)))
	s.relayLocked(m)
	return nil
}

// mayHandOverLocked reports whether m, which replayed the polls below
// poll, may take back ports: it is close to their newest input, live, and
// holds every input of them that is not the host's zero input, so that it
// can fill in the rest itself (see client's handover).
func (s *room) mayHandOverLocked(m *member, ports session.PortMask, poll, live uint32) bool {
	if uint64(poll)+uint64(s.sched.MaxLag())+handoverWithin < uint64(live) {
		return false
	}
	for k := range session.NumPorts {
		if ports.Has(k) && m.acked[k] < s.zeroFrom[k] {
			return false
		}
	}
	return true
}
