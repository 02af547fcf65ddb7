package room

import (
	"fmt"

	"github.com/netpak/netpak/host/ledger"
	"github.com/netpak/netpak/host/session"
	"github.com/netpak/netpak/host/wire"
)

// A player who leaves a running game (dropped, crashed, quit) keeps a
// claim on its ports for the rest of the game: when a client with the same
// name and the same key (wire.Hello.PlayerKey, which its netpak keeps on
// disk) joins, it gets them back; nobody else may use the name meanwhile. Its ports read empty meanwhile, as for any
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

// holdPortsLocked keeps m's ports for m's name and key, if m may rejoin.
func (r *Room) holdPortsLocked(m *Member, ports session.PortMask, why session.LeaveReason) {
	if r.state != statePlaying || m.core != nil || why == session.LeaveKicked || why == session.LeaveEmulator {
		return
	}
	r.game.Hold(ports, ledger.Claim{Name: m.name, Key: m.key})
}

// reviveLocked gives a rejoined player's ports input again from the grant
// on, authored by the host until the player catches up, tells everyone,
// and returns that poll.
func (r *Room) reviveLocked(m *Member) uint32 {
	at := r.game.Revive(m.ports)
	r.broadcastLocked(wire.FrameRevive, wire.AppendRevive(nil, wire.Revive{Ports: m.ports, From: at, Epoch: r.game.Epoch}), m)
	return at
}

// catchUpNoteEvery is how many polls of progress a catching-up player
// makes between the notices that tell everyone.
const catchUpNoteEvery = 3600

// handleCatchUpLocked notes a rejoined player's progress, and hands its
// ports over when it is close to the live game.
func (r *Room) handleCatchUpLocked(m *Member, p []byte) error {
	c, err := wire.ParseCatchUp(p)
	if err != nil {
		return err
	}
	ports := m.ports & r.game.Vacant
	if r.state != statePlaying || ports == 0 {
		return nil
	}
	live := r.game.Live(ports)
	if !c.Done || !r.game.MayHandOver(ports, c.Poll, live, &m.acked) {
		if c.Poll >= m.caughtUp+catchUpNoteEvery && c.Poll <= live {
			m.caughtUp = c.Poll
			r.noticeAllLocked(fmt.Sprintf("%s is catching up (poll %s of %s)", m.name, session.Thousands(c.Poll), session.Thousands(live)))
		}
		return nil
	}
	r.game.HandOver(ports, live)
	r.sendLocked(m, wire.FrameHandover, wire.AppendHandover(nil, wire.Handover{Ports: ports, From: live}))
	r.noticeAllLocked(fmt.Sprintf("%s caught up and plays again from poll %s", m.name, session.Thousands(live)))
	r.relayLocked(m)
	return nil
}
