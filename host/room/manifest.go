package room

import (
	"fmt"
	"slices"
	"strings"

	"github.com/netpak/netpak/host/check"
	"github.com/netpak/netpak/host/session"
	"github.com/netpak/netpak/host/wire"
	"github.com/netpak/netpak/saves"
)

// Every player announces a manifest (ROM hash, one hash per save
// component, cheat-set hash, emulator family) as the first frame after its
// hello and again whenever it changes; a player without a ROM announces
// the zero manifest, netpak's simulated game. The start check fails
// closed: the game starts only when every player's manifest is known and
// equal to the reference, which is the host's own player when it plays and
// otherwise the player on the lowest port.

func (r *Room) handleManifestLocked(m *Member, p []byte) error {
	if len(p) > wire.MaxManifestLen {
		return fmt.Errorf("manifest of %d bytes: %w", len(p), wire.ErrLong)
	}
	mf, err := saves.ParseManifest(p)
	if err != nil {
		return err
	}
	m.manifest = &check.Manifest{M: mf}
	r.broadcastLocked(wire.FrameMemberManifest, appendMemberManifest(nil, m.id, false, p), nil)
	r.autoStartLocked()
	return nil
}

func appendMemberManifest(b []byte, id uint16, savesOnly bool, mf []byte) []byte {
	return wire.AppendMemberManifest(b, id, savesOnly, mf)
}

// sendManifestsLocked gives a new member everyone's manifests.
func (r *Room) sendManifestsLocked(to *Member) {
	for _, m := range r.members {
		if m.manifest == nil || m == to {
			continue
		}
		b, err := m.manifest.M.MarshalBinary()
		if err == nil {
			r.sendLocked(to, wire.FrameMemberManifest, appendMemberManifest(nil, m.id, m.manifest.SavesOnly, b))
		}
	}
}

// checkPlayersLocked lists the session's players for the start check, in
// port order.
func (r *Room) checkPlayersLocked() []check.Player {
	var ps []check.Player
	for _, m := range r.members {
		if m.ports == 0 {
			continue
		}
		ps = append(ps, check.Player{
			ID: m.id, Name: m.name, IsHost: m.isHost, Port: m.ports.Lowest(), MF: m.manifest,
			// A direct core is sent player 1's data; gopher64's player 1
			// sends its own only after the start.
			Skip: m.core != nil && (!m.ports.Has(0) || m.core.LateData()),
		})
	}
	slices.SortFunc(ps, func(a, b check.Player) int { return a.Port - b.Port })
	return ps
}

// startCheckLocked refuses the start while anyone's manifest is unknown or
// differs, saying whom the start waits for.
func (r *Room) startCheckLocked() error {
	ps := r.checkPlayersLocked()
	res := check.Players(ps)
	if len(res.Mismatches) == 0 {
		return nil
	}
	var waiting, differ []string
	for _, p := range ps {
		mm := res.Mismatches[p.ID]
		switch {
		case mm == nil:
		case mm.Missing:
			waiting = append(waiting, p.Name)
		default:
			differ = append(differ, mm.String())
		}
	}
	if len(differ) > 0 {
		return fmt.Errorf("%w: %s", session.ErrSaveMismatch, strings.Join(differ, "; "))
	}
	return fmt.Errorf("%w: %s", session.ErrNotAnnounced, check.JoinAnd(waiting))
}
