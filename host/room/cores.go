package room

import (
	"crypto/sha256"

	"github.com/netpak/netpak/host/check"
	"github.com/netpak/netpak/host/direct"
	"github.com/netpak/netpak/host/lockstep"
	"github.com/netpak/netpak/host/m64p"
	"github.com/netpak/netpak/host/session"
	"github.com/netpak/netpak/host/wire"
	"github.com/netpak/netpak/saves"
)

// coreSession is a Room as its direct cores see it, their
// [direct.Session]: they reach the session through the methods below,
// with its lock held but for Lock and Unlock.
type coreSession Room

var _ direct.Session = (*coreSession)(nil)

// Lock takes the room's lock.
func (s *coreSession) Lock() { s.mu.Lock() }

// Unlock releases the room's lock.
func (s *coreSession) Unlock() { s.mu.Unlock() }

// Game is the session's game as cores read it.
func (s *coreSession) Game() direct.Game {
	r := (*Room)(s)
	var owned session.PortMask
	for k := range session.NumPorts {
		if r.owner[k] != nil {
			owned |= 1 << k
		}
	}
	return direct.Game{Lobby: r.state == stateLobby, Playing: r.state == statePlaying, Owned: owned,
		Active: r.game.Active, Streams: &r.game.Streams, EmptyFrom: &r.game.EmptyFrom, Sched: &r.game.Sched, Desync: r.desync}
}

// NameTaken reports whether a member is called name.
func (s *coreSession) NameTaken(name string) bool { return (*Room)(s).nameTakenLocked(name) }

// coreMember returns core c's member, or nil if it left.
func (r *Room) coreMember(c *direct.Core) *Member {
	if m := r.byCore[c]; m != nil && !m.left {
		return m
	}
	return nil
}

// AddCore adds core c as a member called name.
func (s *coreSession) AddCore(c *direct.Core, name string, spectator bool) (uint16, error) {
	r := (*Room)(s)
	if err := r.fullLocked(""); err != nil { // a core rejoins nothing: every kept slot stays kept
		return 0, err
	}
	m := &Member{name: name, spectator: spectator, conn: c.Conn(), from: c.IP(), core: c}
	r.byCore[c] = m
	r.joinLocked(m)
	return m.id, nil
}

// TakePort gives core c port k and tells everyone.
func (s *coreSession) TakePort(c *direct.Core, k int) {
	r := (*Room)(s)
	m := r.byCore[c]
	m.ports |= 1 << k
	m.spectator = false
	r.owner[k] = m
	r.broadcastRosterLocked()
	r.eventLocked(session.Event{Kind: session.EventJoined, Who: m.name, Ports: 1 << k})
	r.autoArmed = true
	r.autoStartLocked()
}

// DropCore removes core c's member.
func (s *coreSession) DropCore(c *direct.Core, why session.LeaveReason) {
	r := (*Room)(s)
	if m := r.byCore[c]; m != nil {
		r.dropLocked(m, why)
	}
}

// AutoStart starts the game if autostart may now.
func (s *coreSession) AutoStart() { (*Room)(s).autoStartLocked() }

// AuthorLimit is the first poll core c may not publish input for yet.
func (s *coreSession) AuthorLimit(c *direct.Core) uint32 {
	return (*Room)(s).authorLimitLocked(s.byCore[c])
}

// Authored relays the n inputs core c published on port k from poll from.
func (s *coreSession) Authored(c *direct.Core, k int, from uint32, n int) {
	r := (*Room)(s)
	m := r.byCore[c]
	r.arrivedLocked(k, from, m)
	r.stats.RelayedInputs += uint64(n)
	r.game.FillVacant(r.nowNanos())
	r.game.RaiseGrant()
	r.relayLocked(m)
}

// Pressed moves the golf seat to core c when it pressed the golf button.
// It runs for every key report, so the mask decides before any lookup.
func (s *coreSession) Pressed(c *direct.Core, keys uint32) {
	r := (*Room)(s)
	if keys&r.cfg.GolfMask == 0 {
		return
	}
	m := r.coreMember(c)
	if m == nil {
		return
	}
	if err := r.takeGolfSeatLocked(m); err != nil {
		r.logf("golf seat for %s: %v", m.name, err)
	}
}

// CompareCP0 judges core c's CPU registers at a VI.
func (s *coreSession) CompareCP0(c *direct.Core, d m64p.SyncData) {
	r := (*Room)(s)
	if m := r.coreMember(c); m != nil {
		r.compareCP0Locked(m, d)
	}
}

// DataArrived serves the members waiting for player 1's data of kind.
func (s *coreSession) DataArrived(kind uint8) { (*Room)(s).coreDataArrivedLocked(kind) }

// SavesManifest makes mf the manifest of player 1's core c: only its
// saves are known.
func (s *coreSession) SavesManifest(c *direct.Core, mf saves.Manifest) {
	r := (*Room)(s)
	m := r.byCore[c]
	m.manifest = &check.Manifest{M: mf, SavesOnly: true}
	if b, err := mf.MarshalBinary(); err == nil {
		r.broadcastLocked(wire.FrameMemberManifest, appendMemberManifest(nil, m.id, true, b), nil)
	}
	r.autoStartLocked()
}

// Dropped counts a datagram dropped.
func (s *coreSession) Dropped() { s.stats.DroppedDatagrams++ }

// compareCP0Locked compares a client's CP0 registers at a VI and announces
// the first mismatch of each member.
func (r *Room) compareCP0Locked(m *Member, d m64p.SyncData) {
	b := d.AppendTo(nil)
	rep := lockstep.Report{ID: m.id, Role: r.roleLocked(m), Digest: sha256.Sum256(b[5:])}
	differ, ref := r.cp0.Judge(d.VI, rep, r.activePlayersLocked(), r.hostPlayerLocked() != nil)
	for _, id := range differ {
		r.desync = true
		r.broadcastLocked(wire.FrameDesync, wire.AppendChecksum(nil, wire.ChecksumMsg{From: d.VI, ID: id}), nil)
		r.eventLocked(session.Event{Kind: session.EventDesync, Who: r.nameOf(id), Poll: d.VI, Text: r.refName(ref)})
	}
}
