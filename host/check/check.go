package check

import (
	"fmt"
	"slices"
	"strings"

	"github.com/netpak/netpak/saves"
)

// Manifest is a player's manifest as a session knows it.
type Manifest struct {
	M saves.Manifest
	// SavesOnly: only the save items are known (a direct core's uploads).
	SavesOnly bool
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
	switch {
	case mm.HostIsReference && mm.ROMDiffers():
		return fmt.Sprintf("%s: %s %s from the host's; %s must load the host's ROM (saves and cheats follow the ROM: /sync sends none for another)", mm.Member, JoinAnd(items), verb, mm.Member)
	case mm.HostIsReference:
		return fmt.Sprintf("%s: %s %s from the host's; /sync to send the host's data", mm.Member, JoinAnd(items), verb)
	}
	return fmt.Sprintf("%s: %s %s from %s's; both must use the same files", mm.Member, JoinAnd(items), verb, mm.Reference)
}

// ROMDiffers reports whether the player's ROM differs from the
// reference's: its saves and cheats are another game's, which no sync of
// the reference's can make right.
func (mm Mismatch) ROMDiffers() bool {
	return slices.ContainsFunc(mm.Diffs, func(d saves.Difference) bool { return d.Item == saves.ItemROM })
}

// JoinAnd joins items as "a, b and c".
func JoinAnd(items []string) string {
	if len(items) <= 1 {
		return strings.Join(items, "")
	}
	return strings.Join(items[:len(items)-1], ", ") + " and " + items[len(items)-1]
}

// Player is one player as the start check sees it.
type Player struct {
	ID     uint16
	Name   string
	IsHost bool      // the host's own player
	Port   int       // its lowest controller port
	Skip   bool      // a direct core that is not player 1 (or gopher64's player 1, which uploads after the start): it tells nothing to compare
	MF     *Manifest // nil: not announced yet
}

// Result is the verdict on a set of players.
type Result struct {
	Ref        *Player // nil when there is no player
	Mismatches map[uint16]*Mismatch
}

// Players compares every player with the reference: the host's own
// player, else the player on the lowest port. A player whose manifest is
// unknown is a mismatch (Missing) — never a pass.
func Players(players []Player) Result {
	res := Result{Mismatches: make(map[uint16]*Mismatch)}
	for i := range players {
		p := &players[i]
		if p.Skip {
			continue
		}
		if res.Ref == nil || (p.IsHost && !res.Ref.IsHost) || (p.IsHost == res.Ref.IsHost && p.Port < res.Ref.Port) {
			res.Ref = p
		}
	}
	if res.Ref == nil {
		return res
	}
	ref := res.Ref
	for i := range players {
		p := &players[i]
		if p.Skip {
			continue
		}
		mm := &Mismatch{Member: p.Name, Reference: ref.Name, HostIsReference: ref.IsHost}
		switch {
		case p.MF == nil:
			mm.Missing = true
		case p == ref || ref.MF == nil:
			continue
		default:
			mm.Diffs = Diff(ref.MF, p.MF)
			if len(mm.Diffs) == 0 {
				continue
			}
		}
		res.Mismatches[p.ID] = mm
	}
	return res
}

// Diff lists how got differs from want; only save items count
// when either side knows only its saves (a direct core as player 1), and
// then a player without a ROM is not compared at all: an emulator behind
// its bridge is sent player 1's saves by the mupen64plus protocol.
func Diff(want, got *Manifest) []saves.Difference {
	if (want.SavesOnly && NoROM(got.M)) || (got.SavesOnly && NoROM(want.M)) {
		return nil
	}
	var diffs []saves.Difference
	for _, d := range saves.Compare(want.M, got.M) {
		if _, isSave := d.Item.Kind(); isSave || (!want.SavesOnly && !got.SavesOnly) {
			diffs = append(diffs, d)
		}
	}
	return diffs
}

// NoROM reports whether m is the zero manifest of a player without a ROM.
func NoROM(m saves.Manifest) bool { return m == (saves.Manifest{}) }
