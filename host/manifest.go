package host

import (
	"errors"
	"fmt"
	"strings"

	"github.com/netpak/netpak/host/m64p"
	"github.com/netpak/netpak/saves"
)

// Every player announces a manifest (ROM hash, one hash per save
// component, cheat-set hash, emulator family) when joining and whenever it
// changes. The host refuses to start while a player's manifest differs
// from the host's own player's, naming the player and the item.

// ErrSaveMismatch is the start refusal when a player's ROM, saves or
// cheats differ from the host's.
var ErrSaveMismatch = errors.New("players differ from the host")

// maxManifestLen bounds a manifest frame.
const maxManifestLen = 512

// memberManifest is a member's manifest as the session knows it.
type memberManifest struct {
	m saves.Manifest
	// savesOnly: only the save items are known (a direct core's uploads).
	savesOnly bool
}

func (s *session) handleManifestLocked(m *member, p []byte) error {
	if len(p) > maxManifestLen {
		return fmt.Errorf("manifest of %d bytes: %w", len(p), errLong)
	}
	mf, err := saves.ParseManifest(p)
	if err != nil {
		return err
	}
	m.manifest = &memberManifest{m: mf}
	s.broadcastLocked(frameMemberManifest, appendMemberManifest(nil, m.id, false, p), nil)
	return nil
}

// appendMemberManifest appends id, a flag byte (1 = saves only) and the
// manifest bytes.
func appendMemberManifest(b []byte, id uint16, savesOnly bool, mf []byte) []byte {
	b = appendU16(b, id)
	b = append(b, boolByte(savesOnly))
	return append(b, mf...)
}

func parseMemberManifest(p []byte) (uint16, memberManifest, error) {
	r := reader{b: p}
	id := r.u16()
	flag := r.u8()
	if r.err != nil || flag > 1 || len(r.b) > maxManifestLen {
		return 0, memberManifest{}, fmt.Errorf("parse member-manifest: %w", errBadValue)
	}
	mf, err := saves.ParseManifest(r.b)
	if err != nil {
		return 0, memberManifest{}, err
	}
	return id, memberManifest{m: mf, savesOnly: flag == 1}, nil
}

// sendManifestsLocked gives a new member everyone's manifests.
func (s *session) sendManifestsLocked(to *member) {
	for _, m := range s.members {
		if m.manifest == nil || m == to {
			continue
		}
		b, err := m.manifest.m.MarshalBinary()
		if err == nil {
			s.sendLocked(to, frameMemberManifest, appendMemberManifest(nil, m.id, m.manifest.savesOnly, b))
		}
	}
}

// coreSavesManifestLocked builds the manifest of a direct core that is
// player 1 from the saves it uploaded: only its saves are known.
func (s *session) coreSavesManifestLocked(m *member) {
	for _, ok := range s.cores.hasSave {
		if !ok {
			return
		}
	}
	var set saves.Set
	up := s.cores.saves
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
		s.broadcastLocked(frameMemberManifest, appendMemberManifest(nil, m.id, true, b), nil)
	}
}

// Mismatch is how one member differs from the host's own player.
type Mismatch struct {
	Member string
	Diffs  []saves.Difference
	// Missing: the member announced no manifest although the host did.
	Missing bool
}

// String says what differs and what to do, for a console.
func (mm Mismatch) String() string {
	if mm.Missing {
		return fmt.Sprintf("%s has not said which ROM, saves and cheats it uses (no ROM configured?)", mm.Member)
	}
	var items []string
	for _, d := range mm.Diffs {
		items = append(items, d.Item.String())
	}
	return fmt.Sprintf("%s: %s differ%s from the host's; /sync to send the host's data", mm.Member, strings.Join(items, ", "), pluralS(len(items)))
}

func pluralS(n int) string {
	if n == 1 {
		return "s"
	}
	return ""
}

// compareManifests lists how each player differs from ref; members is
// every player with its manifest (nil when it announced none).
func compareManifests(ref *memberManifest, members []namedManifest) []Mismatch {
	if ref == nil {
		return nil
	}
	var out []Mismatch
	for _, nm := range members {
		if nm.mf == nil {
			out = append(out, Mismatch{Member: nm.name, Missing: true})
			continue
		}
		var diffs []saves.Difference
		for _, d := range saves.Compare(ref.m, nm.mf.m) {
			if _, isSave := d.Item.Kind(); isSave || !nm.mf.savesOnly {
				diffs = append(diffs, d)
			}
		}
		if len(diffs) > 0 {
			out = append(out, Mismatch{Member: nm.name, Diffs: diffs})
		}
	}
	return out
}

type namedManifest struct {
	name string
	mf   *memberManifest
}

// mismatchesLocked compares every player with the host's own player.
// Direct cores that are not player 1 receive player 1's saves and say
// nothing, so they are not compared.
func (s *session) mismatchesLocked() []Mismatch {
	var ref *memberManifest
	var players []namedManifest
	for id := uint16(1); int(id) <= int(s.nextID); id++ {
		m := s.members[id]
		switch {
		case m == nil || m.ports == 0:
		case m.isHost:
			ref = m.manifest
		case m.core != nil && m.manifest == nil:
		default:
			players = append(players, namedManifest{m.name, m.manifest})
		}
	}
	return compareManifests(ref, players)
}

// startCheckLocked refuses the start while anyone differs.
func (s *session) startCheckLocked() error {
	mm := s.mismatchesLocked()
	if len(mm) == 0 {
		return nil
	}
	lines := make([]string, len(mm))
	for i, x := range mm {
		lines[i] = x.String()
	}
	return fmt.Errorf("%w: %s", ErrSaveMismatch, strings.Join(lines, "; "))
}

// SetManifest announces this client's ROM, save and cheat hashes. Call it
// on joining and whenever they change (after a /sync, for one).
func (c *Client) SetManifest(mf saves.Manifest) error {
	b, err := mf.MarshalBinary()
	if err != nil {
		return err
	}
	c.mu.Lock()
	if c.ls.manifests == nil {
		c.ls.manifests = make(map[uint16]memberManifest)
	}
	c.ls.manifests[c.id] = memberManifest{m: mf}
	c.mu.Unlock()
	return c.send(frameManifest, b)
}

// CheckRow is one player's line in /check.
type CheckRow struct {
	Member   Member
	Known    bool // announced a manifest
	Mismatch *Mismatch
}

// Check compares every player's manifest with the host's own player's, as
// this client last heard them.
func (c *Client) Check() []CheckRow {
	st := c.Status()
	c.mu.Lock()
	defer c.mu.Unlock()
	var ref *memberManifest
	for _, m := range st.Members {
		if mf, ok := c.ls.manifests[m.ID]; ok && m.Host {
			ref = &mf
		}
	}
	var rows []CheckRow
	for _, m := range st.Members {
		if m.Ports == 0 {
			continue
		}
		row := CheckRow{Member: m}
		mf, ok := c.ls.manifests[m.ID]
		row.Known = ok
		if !m.Host && ref != nil {
			var p *memberManifest
			if ok {
				p = &mf
			}
			if mm := compareManifests(ref, []namedManifest{{m.Name, p}}); len(mm) > 0 {
				row.Mismatch = &mm[0]
			}
		}
		rows = append(rows, row)
	}
	return rows
}
