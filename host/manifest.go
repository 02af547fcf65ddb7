package host

import (
	"fmt"
	"slices"
	"strings"

	"github.com/netpak/netpak/host/check"
	"github.com/netpak/netpak/host/coreserve"
	"github.com/netpak/netpak/host/m64p"
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

func (s *room) handleManifestLocked(m *member, p []byte) error {
	if len(p) > wire.MaxManifestLen {
		return fmt.Errorf("manifest of %d bytes: %w", len(p), wire.ErrLong)
	}
	mf, err := saves.ParseManifest(p)
	if err != nil {
		return err
	}
	m.manifest = &check.Manifest{M: mf}
	s.broadcastLocked(wire.FrameMemberManifest, appendMemberManifest(nil, m.id, false, p), nil)
	s.autoStartLocked()
	return nil
}

func appendMemberManifest(b []byte, id uint16, savesOnly bool, mf []byte) []byte {
	return wire.AppendMemberManifest(b, id, savesOnly, mf)
}

// sendManifestsLocked gives a new member everyone's manifests.
func (s *room) sendManifestsLocked(to *member) {
	for _, m := range s.members {
		if m.manifest == nil || m == to {
			continue
		}
		b, err := m.manifest.M.MarshalBinary()
		if err == nil {
			s.sendLocked(to, wire.FrameMemberManifest, appendMemberManifest(nil, m.id, m.manifest.SavesOnly, b))
		}
	}
}

// coreSavesManifestLocked builds the manifest of a direct core that is
// player 1 from the saves it uploaded: only its saves are known.
func (s *room) coreSavesManifestLocked(m *member) {
	var up [4][]byte
	for f := range up {
		data, ok := s.cores.store.Get(coreserve.SaveKind(m64p.SaveFile(f)))
		if !ok {
			return
		}
		up[f] = data
	}
	var set saves.Set
	set[saves.EEPROM] = saves.EEPROMFromFile(up[m64p.SaveEEPROM], 0)
	set[saves.SRAM] = saves.WordsFromFile(saves.SRAM, up[m64p.SaveSRAM])
	set[saves.FlashRAM] = saves.WordsFromFile(saves.FlashRAM, up[m64p.SaveFlashRAM])
	paks := saves.MempaksFromFile(up[m64p.SaveMempak])
	for i, c := range paks {
		set[saves.Mempak1+saves.Kind(i)] = c
	}
	mf := saves.NewManifest(saves.FamilyMupen64Plus, [32]byte{}, &set, "")
	m.manifest = &check.Manifest{M: mf, SavesOnly: true}
	if b, err := mf.MarshalBinary(); err == nil {
		s.broadcastLocked(wire.FrameMemberManifest, appendMemberManifest(nil, m.id, true, b), nil)
	}
	s.autoStartLocked()
}

// checkPlayersLocked lists the session's players for the start check, in
// port order.
func (s *room) checkPlayersLocked() []check.Player {
	var ps []check.Player
	for _, m := range s.members {
		if m.ports == 0 {
			continue
		}
		ps = append(ps, check.Player{
			ID: m.id, Name: m.name, IsHost: m.isHost, Port: m.ports.Lowest(), MF: m.manifest,
			// A direct core is sent player 1's data; gopher64's player 1
			// sends its own only after the start.
			Skip: m.core != nil && (!m.ports.Has(0) || m.core.lateData),
		})
	}
	slices.SortFunc(ps, func(a, b check.Player) int { return a.Port - b.Port })
	return ps
}

// startCheckLocked refuses the start while anyone's manifest is unknown or
// differs, saying whom the start waits for.
func (s *room) startCheckLocked() error {
	ps := s.checkPlayersLocked()
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
