package host

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/netpak/netpak/host/check"
	"github.com/netpak/netpak/host/coreserve"
	"github.com/netpak/netpak/host/wire"

	"github.com/netpak/netpak/host/m64p"
	"github.com/netpak/netpak/saves"
)

// Every player announces a manifest (ROM hash, one hash per save
// component, cheat-set hash, emulator family) as the first frame after its
// hello and again whenever it changes; a player without a ROM announces
// the zero manifest, netpak's simulated game. The start check fails
// closed: the game starts only when every player's manifest is known and
// equal to the reference, which is the host's own player when it plays and
// otherwise the player on the lowest port.

// ErrSaveMismatch is the start refusal when a player's ROM, saves or
// cheats differ from the reference player's.
var ErrSaveMismatch = errors.New("players differ")

// ErrNotAnnounced is the start refusal while a player has not yet said
// which ROM, saves and cheats it uses.
var ErrNotAnnounced = errors.New("waiting for players to announce their ROM, saves and cheats")

func (s *session) handleManifestLocked(m *member, p []byte) error {
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

func parseMemberManifest(p []byte) (uint16, check.Manifest, error) {
	id, savesOnly, mf, err := wire.ParseMemberManifest(p)
	return id, check.Manifest{M: mf, SavesOnly: savesOnly}, err
}

// sendManifestsLocked gives a new member everyone's manifests.
func (s *session) sendManifestsLocked(to *member) {
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
func (s *session) coreSavesManifestLocked(m *member) {
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
func (s *session) checkPlayersLocked() []check.Player {
	var ps []check.Player
	for _, m := range s.members {
		if m.ports == 0 {
			continue
		}
		ps = append(ps, check.Player{
			ID: m.id, Name: m.name, IsHost: m.isHost, Port: m.ports.Lowest(), MF: m.manifest,
			Skip: m.core != nil && !m.ports.Has(0),
		})
	}
	slices.SortFunc(ps, func(a, b check.Player) int { return a.Port - b.Port })
	return ps
}

// startCheckLocked refuses the start while anyone's manifest is unknown or
// differs, saying whom the start waits for.
func (s *session) startCheckLocked() error {
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
		return fmt.Errorf("%w: %s", ErrSaveMismatch, strings.Join(differ, "; "))
	}
	return fmt.Errorf("%w: %s", ErrNotAnnounced, check.JoinAnd(waiting))
}

// SetManifest announces this client's ROM, save and cheat hashes again;
// call it whenever they change (after a /sync, for one). The first
// announcement is [ClientConfig.Manifest], sent with the join.
func (c *Client) SetManifest(mf saves.Manifest) error {
	b, err := mf.MarshalBinary()
	if err != nil {
		return err
	}
	c.mu.Lock()
	c.ls.manifests[c.id] = check.Manifest{M: mf}
	c.mu.Unlock()
	return c.send(wire.FrameManifest, b)
}

// CheckRow is one player's line in /check.
type CheckRow struct {
	Member Member
	Known  bool // announced a manifest
	// Reference: this player's files are the ones the others must match.
	Reference bool
	// Skipped: a direct mupen64plus core that is not player 1; it is sent
	// player 1's saves and tells nothing else.
	Skipped bool
	// NoROM: the player announced no ROM; it plays netpak's simulated
	// game.
	NoROM    bool
	Mismatch *check.Mismatch
}

// Check compares every player's manifest with the reference player's, as
// this client last heard them, in port order.
func (c *Client) Check() []CheckRow {
	st := c.Status()
	c.mu.Lock()
	defer c.mu.Unlock()
	var ps []check.Player
	byID := make(map[uint16]Member)
	for _, m := range st.Members {
		if m.Ports == 0 {
			continue
		}
		byID[m.ID] = m
		cp := check.Player{ID: m.ID, Name: m.Name, IsHost: m.Host, Port: m.Ports.Lowest(), Skip: m.Core && !m.Ports.Has(0)}
		if mf, ok := c.ls.manifests[m.ID]; ok {
			cp.MF = &mf
		}
		ps = append(ps, cp)
	}
	slices.SortFunc(ps, func(a, b check.Player) int { return a.Port - b.Port })
	res := check.Players(ps)
	rows := make([]CheckRow, 0, len(ps))
	for _, p := range ps {
		rows = append(rows, CheckRow{
			Member: byID[p.ID], Known: p.MF != nil, Reference: res.Ref != nil && res.Ref.ID == p.ID,
			Skipped: p.Skip, NoROM: p.MF != nil && check.NoROM(p.MF.M), Mismatch: res.Mismatches[p.ID],
		})
	}
	return rows
}
