package host

import (
	"errors"
	"fmt"
	"slices"
	"strings"

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

// memberManifest is a member's manifest as the session knows it.
type memberManifest struct {
	m saves.Manifest
	// savesOnly: only the save items are known (a direct core's uploads).
	savesOnly bool
}

func (s *session) handleManifestLocked(m *member, p []byte) error {
	if len(p) > wire.MaxManifestLen {
		return fmt.Errorf("manifest of %d bytes: %w", len(p), wire.ErrLong)
	}
	mf, err := saves.ParseManifest(p)
	if err != nil {
		return err
	}
	m.manifest = &memberManifest{m: mf}
	s.broadcastLocked(wire.FrameMemberManifest, appendMemberManifest(nil, m.id, false, p), nil)
	s.autoStartLocked()
	return nil
}

func appendMemberManifest(b []byte, id uint16, savesOnly bool, mf []byte) []byte {
	return wire.AppendMemberManifest(b, id, savesOnly, mf)
}

func parseMemberManifest(p []byte) (uint16, memberManifest, error) {
	id, savesOnly, mf, err := wire.ParseMemberManifest(p)
	return id, memberManifest{m: mf, savesOnly: savesOnly}, err
}

// sendManifestsLocked gives a new member everyone's manifests.
func (s *session) sendManifestsLocked(to *member) {
	for _, m := range s.members {
		if m.manifest == nil || m == to {
			continue
		}
		b, err := m.manifest.m.MarshalBinary()
		if err == nil {
			s.sendLocked(to, wire.FrameMemberManifest, appendMemberManifest(nil, m.id, m.manifest.savesOnly, b))
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
	m.manifest = &memberManifest{m: mf, savesOnly: true}
	if b, err := mf.MarshalBinary(); err == nil {
		s.broadcastLocked(wire.FrameMemberManifest, appendMemberManifest(nil, m.id, true, b), nil)
	}
	s.autoStartLocked()
}

// Mismatch is how one player differs from the reference player.
type Mismatch struct {
	Member string
	// Reference is whose files the others must match: the host's own
	// player, or the player on the lowest port when the host plays no port.
	Reference string
	// HostIsReference: the reference is the host's own player, who can
	// /sync its data to the others.
	HostIsReference bool
	Diffs           []saves.Difference
	// Missing: the player has not announced its manifest yet; the start
	// waits for it.
	Missing bool
}

// String says what differs and what to do, for a console.
func (mm Mismatch) String() string {
	if mm.Missing {
		return fmt.Sprintf("%s has not said yet which ROM, saves and cheats it uses", mm.Member)
	}
	var items []string
	for _, d := range mm.Diffs {
		items = append(items, d.Item.String())
	}
	verb := "differs"
	if len(items) > 1 || (len(items) == 1 && mm.Diffs[0].Item == saves.ItemCheats) {
		verb = "differ"
	}
	if mm.HostIsReference {
		return fmt.Sprintf("%s: %s %s from the host's; /sync to send the host's data", mm.Member, joinAnd(items), verb)
	}
	return fmt.Sprintf("%s: %s %s from %s's; both must use the same files", mm.Member, joinAnd(items), verb, mm.Reference)
}

// joinAnd joins items as "a, b and c".
func joinAnd(items []string) string {
	if len(items) <= 1 {
		return strings.Join(items, "")
	}
	return strings.Join(items[:len(items)-1], ", ") + " and " + items[len(items)-1]
}

// checkPlayer is one player as the start check sees it.
type checkPlayer struct {
	id     uint16
	name   string
	isHost bool            // the host's own player
	port   int             // its lowest controller port
	skip   bool            // a direct core that is not player 1: it is sent player 1's saves and tells nothing
	mf     *memberManifest // nil: not announced yet
}

// checkResult is the verdict on a set of players.
type checkResult struct {
	ref        *checkPlayer // nil when there is no player
	mismatches map[uint16]*Mismatch
}

// checkPlayers compares every player with the reference: the host's own
// player, else the player on the lowest port. A player whose manifest is
// unknown is a mismatch (Missing) — never a pass.
func checkPlayers(players []checkPlayer) checkResult {
	res := checkResult{mismatches: make(map[uint16]*Mismatch)}
	for i := range players {
		p := &players[i]
		if p.skip {
			continue
		}
		if res.ref == nil || (p.isHost && !res.ref.isHost) || (p.isHost == res.ref.isHost && p.port < res.ref.port) {
			res.ref = p
		}
	}
	if res.ref == nil {
		return res
	}
	ref := res.ref
	for i := range players {
		p := &players[i]
		if p.skip {
			continue
		}
		mm := &Mismatch{Member: p.name, Reference: ref.name, HostIsReference: ref.isHost}
		switch {
		case p.mf == nil:
			mm.Missing = true
		case p == ref || ref.mf == nil:
			continue
		default:
			mm.Diffs = diffManifests(ref.mf, p.mf)
			if len(mm.Diffs) == 0 {
				continue
			}
		}
		res.mismatches[p.id] = mm
	}
	return res
}

// diffManifests lists how got differs from want; only save items count
// when either side knows only its saves (a direct core as player 1), and
// then a player without a ROM is not compared at all: an emulator behind
// its bridge is sent player 1's saves by the mupen64plus protocol.
func diffManifests(want, got *memberManifest) []saves.Difference {
	if (want.savesOnly && noROM(got.m)) || (got.savesOnly && noROM(want.m)) {
		return nil
	}
	var diffs []saves.Difference
	for _, d := range saves.Compare(want.m, got.m) {
		if _, isSave := d.Item.Kind(); isSave || (!want.savesOnly && !got.savesOnly) {
			diffs = append(diffs, d)
		}
	}
	return diffs
}

// noROM reports whether m is the zero manifest of a player without a ROM.
func noROM(m saves.Manifest) bool { return m == (saves.Manifest{}) }

// checkPlayersLocked lists the session's players for the start check, in
// port order.
func (s *session) checkPlayersLocked() []checkPlayer {
	var ps []checkPlayer
	for _, m := range s.members {
		if m.ports == 0 {
			continue
		}
		ps = append(ps, checkPlayer{
			id: m.id, name: m.name, isHost: m.isHost, port: lowestPort(m.ports), mf: m.manifest,
			skip: m.core != nil && !m.ports.Has(0),
		})
	}
	slices.SortFunc(ps, func(a, b checkPlayer) int { return a.port - b.port })
	return ps
}

// startCheckLocked refuses the start while anyone's manifest is unknown or
// differs, saying whom the start waits for.
func (s *session) startCheckLocked() error {
	ps := s.checkPlayersLocked()
	res := checkPlayers(ps)
	if len(res.mismatches) == 0 {
		return nil
	}
	var waiting, differ []string
	for _, p := range ps {
		mm := res.mismatches[p.id]
		switch {
		case mm == nil:
		case mm.Missing:
			waiting = append(waiting, p.name)
		default:
			differ = append(differ, mm.String())
		}
	}
	if len(differ) > 0 {
		return fmt.Errorf("%w: %s", ErrSaveMismatch, strings.Join(differ, "; "))
	}
	return fmt.Errorf("%w: %s", ErrNotAnnounced, joinAnd(waiting))
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
	c.ls.manifests[c.id] = memberManifest{m: mf}
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
	Mismatch *Mismatch
}

// Check compares every player's manifest with the reference player's, as
// this client last heard them, in port order.
func (c *Client) Check() []CheckRow {
	st := c.Status()
	c.mu.Lock()
	defer c.mu.Unlock()
	var ps []checkPlayer
	byID := make(map[uint16]Member)
	for _, m := range st.Members {
		if m.Ports == 0 {
			continue
		}
		byID[m.ID] = m
		cp := checkPlayer{id: m.ID, name: m.Name, isHost: m.Host, port: lowestPort(m.Ports), skip: m.Core && !m.Ports.Has(0)}
		if mf, ok := c.ls.manifests[m.ID]; ok {
			cp.mf = &mf
		}
		ps = append(ps, cp)
	}
	slices.SortFunc(ps, func(a, b checkPlayer) int { return a.port - b.port })
	res := checkPlayers(ps)
	rows := make([]CheckRow, 0, len(ps))
	for _, p := range ps {
		rows = append(rows, CheckRow{
			Member: byID[p.id], Known: p.mf != nil, Reference: res.ref != nil && res.ref.id == p.id,
			Skipped: p.skip, NoROM: p.mf != nil && noROM(p.mf.m), Mismatch: res.mismatches[p.id],
		})
	}
	return rows
}

// lowestPort returns the first port in m, or NumPorts for none.
func lowestPort(m PortMask) int {
	for i := range NumPorts {
		if m.Has(i) {
			return i
		}
	}
	return NumPorts
}
