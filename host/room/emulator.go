package room

import (
	"fmt"

	"github.com/netpak/netpak/host/session"
	"github.com/netpak/netpak/host/wire"
)

// A player's netpak also says which cheats it enabled, by name: the
// manifest holds only their hash, and /check names the ones that differ.

// handleCheatsLocked takes m's cheat names and tells everyone.
func (r *Room) handleCheatsLocked(m *Member, p []byte) error {
	c, err := wire.ParseCheatNames(p)
	if err != nil {
		return err
	}
	c.ID = m.id
	m.cheats = &c
	r.broadcastLocked(wire.FrameMemberCheats, wire.AppendCheatNames(nil, c), nil)
	return nil
}

// A player's netpak tries its emulator (core, plugins, configuration and
// ROM) without a game when it joins and at /check, and says what it found.
// The host tells everyone, so /check shows whose emulator cannot start,
// and refuses /start while one of the players' cannot: its port would
// read empty for the whole game. A player that never said is not held
// against: trying is the player's netpak's job, not a promise.

// handleEmulatorLocked takes m's emulator status and tells everyone.
func (r *Room) handleEmulatorLocked(m *Member, p []byte) error {
	e, err := wire.ParseEmulator(p)
	if err != nil {
		return err
	}
	e.ID = m.id
	m.emulator = &e
	r.broadcastLocked(wire.FrameMemberEmulator, wire.AppendEmulator(nil, e), nil)
	return nil
}

// sendEmulatorsLocked gives a new member everyone's emulator status and
// cheat names.
func (r *Room) sendEmulatorsLocked(to *Member) {
	for _, m := range r.members {
		if m == to {
			continue
		}
		if m.emulator != nil {
			r.sendLocked(to, wire.FrameMemberEmulator, wire.AppendEmulator(nil, *m.emulator))
		}
		if m.cheats != nil {
			r.sendLocked(to, wire.FrameMemberCheats, wire.AppendCheatNames(nil, *m.cheats))
		}
	}
}

// emulatorCheckLocked refuses the start while a player's emulator said it
// cannot start the game.
func (r *Room) emulatorCheckLocked() error {
	for _, m := range r.members {
		if m.ports != 0 && m.emulator != nil && !m.emulator.OK {
			return fmt.Errorf("%w (%s: %s); %s can fix it and /check again, or /spectate", session.ErrEmulator, m.name, m.emulator.Text, m.name)
		}
	}
	return nil
}
