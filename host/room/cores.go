package room

import (
	"crypto/sha256"
	"fmt"

	"github.com/netpak/netpak/host/check"
	"github.com/netpak/netpak/host/direct"
	"github.com/netpak/netpak/host/lockstep"
	"github.com/netpak/netpak/host/m64p"
	"github.com/netpak/netpak/host/session"
	"github.com/netpak/netpak/host/wire"
	"github.com/netpak/netpak/saves"
)

// A Room is the [direct.Session] of its direct cores: they reach the
// session through the methods below, with its lock held but for Lock and
// Unlock.

// Lock takes the room's lock.
func (s *Room) Lock() { s.mu.Lock() }

// Unlock releases the room's lock.
func (s *Room) Unlock() { s.mu.Unlock() }

// Game is the session's game as cores read it.
func (s *Room) Game() direct.Game {
	var owned session.PortMask
	for k := range session.NumPorts {
		if s.owner[k] != nil {
			owned |= 1 << k
		}
	}
	return direct.Game{Lobby: s.state == stateLobby, Playing: s.state == statePlaying, Owned: owned,
		Active: s.game.Active, Streams: &s.game.Streams, EmptyFrom: &s.game.EmptyFrom, Sched: &s.game.Sched, Desync: s.desync}
}

// NameTaken reports whether a member is called name.
func (s *Room) NameTaken(name string) bool { return s.nameTakenLocked(name) }

// coreMember returns core c's member, or nil if it left.
func (s *Room) coreMember(c *direct.Core) *Member {
	if m := s.byCore[c]; m != nil && !m.left {
		return m
	}
	return nil
}

// AddCore adds core c as a member called name.
func (s *Room) AddCore(c *direct.Core, name string, spectator bool) (uint16, error) {
	if len(s.members) >= wire.MaxMembers {
		return 0, fmt.Errorf("the session is full (%d members)", wire.MaxMembers)
	}
	m := &Member{name: name, spectator: spectator, conn: c.Conn(), from: c.IP(), core: c}
	s.byCore[c] = m
	s.joinLocked(m)
	return m.id, nil
}

// TakePort gives core c port k and tells everyone.
func (s *Room) TakePort(c *direct.Core, k int) {
	m := s.byCore[c]
	m.ports |= 1 << k
	m.spectator = false
	s.owner[k] = m
	s.broadcastRosterLocked()
	s.eventLocked(session.Event{Kind: session.EventJoined, Who: m.name, Ports: 1 << k})
	s.autoArmed = true
	s.autoStartLocked()
}

// DropCore removes core c's member.
func (s *Room) DropCore(c *direct.Core, why session.LeaveReason) {
	if m := s.byCore[c]; m != nil {
		s.dropLocked(m, why)
	}
}

// AutoStart starts the game if autostart may now.
func (s *Room) AutoStart() { s.autoStartLocked() }

// AuthorLimit is the first poll core c may not publish input for yet.
func (s *Room) AuthorLimit(c *direct.Core) uint32 { return s.authorLimitLocked(s.byCore[c]) }

// Authored relays the n inputs core c published on port k from poll from.
func (s *Room) Authored(c *direct.Core, k int, from uint32, n int) {
	m := s.byCore[c]
	s.arrivedLocked(k, from, m)
	s.stats.RelayedInputs += uint64(n)
	s.game.FillVacant(nowNanos())
	s.game.RaiseGrant()
	s.relayLocked(m)
}

// CompareCP0 judges core c's CPU registers at a VI.
func (s *Room) CompareCP0(c *direct.Core, d m64p.SyncData) {
	if m := s.coreMember(c); m != nil {
		s.compareCP0Locked(m, d)
	}
}

// DataArrived serves the members waiting for player 1's data of kind.
func (s *Room) DataArrived(kind uint8) { s.coreDataArrivedLocked(kind) }

// SavesManifest makes mf the manifest of player 1's core c: only its
// saves are known.
func (s *Room) SavesManifest(c *direct.Core, mf saves.Manifest) {
	m := s.byCore[c]
	m.manifest = &check.Manifest{M: mf, SavesOnly: true}
	if b, err := mf.MarshalBinary(); err == nil {
		s.broadcastLocked(wire.FrameMemberManifest, appendMemberManifest(nil, m.id, true, b), nil)
	}
	s.autoStartLocked()
}

// Dropped counts a datagram dropped.
func (s *Room) Dropped() { s.stats.DroppedDatagrams++ }

// compareCP0Locked compares a client's CP0 registers at a VI and announces
// the first mismatch of each member.
func (s *Room) compareCP0Locked(m *Member, d m64p.SyncData) {
	b := d.AppendTo(nil)
	r := lockstep.Report{ID: m.id, Role: s.roleLocked(m), Digest: sha256.Sum256(b[5:])}
	differ, ref := s.cp0.Judge(d.VI, r, s.activePlayersLocked(), s.hostPlayerLocked() != nil)
	for _, id := range differ {
		s.desync = true
		s.broadcastLocked(wire.FrameDesync, wire.AppendChecksum(nil, wire.ChecksumMsg{From: d.VI, ID: id}), nil)
		s.eventLocked(session.Event{Kind: session.EventDesync, Who: s.nameOf(id), Poll: d.VI, Text: s.refName(ref)})
	}
}
