package saves

import (
	"encoding/hex"
	"fmt"
)

// Manifest is what a player announces about a game so that the host can
// check everyone has the same ROM, saves and cheats. The zero value is an
// unknown emulator with nothing hashed.
type Manifest struct {
	Family Family
	// ROM is the SHA-256 of the normalised ROM image (rom.ROM.SHA256).
	ROM [32]byte
	// Saves holds [Component.Hash] of every component, in Kind order.
	Saves [NumKinds][32]byte
	// Cheats is the cheat-set hash computed by package cheats, as text;
	// "" when no cheats are enabled. At most [MaxCheatsLen] printable ASCII bytes.
	Cheats string
}

// MaxCheatsLen bounds [Manifest.Cheats].
const MaxCheatsLen = 128

// manifestMagic starts an encoded manifest; the digit is the format version.
const manifestMagic = "NPM1"

// ManifestSize bounds an encoded manifest: magic, family, ROM hash, count,
// seven save hashes, cheats length and cheats.
const ManifestSize = len(manifestMagic) + 1 + 32 + 1 + int(NumKinds)*32 + 1 + MaxCheatsLen

// NewManifest builds the manifest of a ROM hash, a save set and a cheat hash.
func NewManifest(f Family, romHash [32]byte, set *Set, cheats string) Manifest {
	return Manifest{Family: f, ROM: romHash, Saves: set.Hashes(), Cheats: cheats}
}

// AppendBinary appends the encoding of m to b:
//
//	"NPM1" | family u8 | ROM hash [32] | count u8 (=7) | count × hash [32] |
//	cheats length u8 | cheats
//
// It fails only if m.Cheats is too long or not printable ASCII.
func (m Manifest) AppendBinary(b []byte) ([]byte, error) {
	if err := checkCheats(m.Cheats); err != nil {
		return b, err
	}
	b = append(b, manifestMagic...)
	b = append(b, byte(m.Family))
	b = append(b, m.ROM[:]...)
	b = append(b, byte(NumKinds))
	for _, h := range m.Saves {
		b = append(b, h[:]...)
	}
	b = append(b, byte(len(m.Cheats)))
	return append(b, m.Cheats...), nil
}

// MarshalBinary returns the encoding of m; see [Manifest.AppendBinary].
func (m Manifest) MarshalBinary() ([]byte, error) {
	return m.AppendBinary(make([]byte, 0, ManifestSize))
}

// ParseManifest decodes exactly one encoded manifest. It refuses anything
// longer than [ManifestSize], a wrong magic or count, an unknown family,
// bad cheats text and trailing bytes; errors wrap [ErrBadManifest].
func ParseManifest(b []byte) (Manifest, error) {
	var m Manifest
	bad := func(what string) (Manifest, error) {
		return Manifest{}, fmt.Errorf("parse manifest: %s: %w", what, ErrBadManifest)
	}
	if len(b) > ManifestSize {
		return bad(fmt.Sprintf("%d bytes, limit %d", len(b), ManifestSize))
	}
	fixed := len(manifestMagic) + 1 + 32 + 1 + int(NumKinds)*32 + 1
	if len(b) < fixed {
		return bad(fmt.Sprintf("%d bytes, need %d", len(b), fixed))
	}
	if string(b[:4]) != manifestMagic {
		return bad("wrong magic")
	}
	m.Family = Family(b[4])
	if m.Family >= numFamilies {
		return bad(fmt.Sprintf("unknown family %d", b[4]))
	}
	copy(m.ROM[:], b[5:37])
	if b[37] != byte(NumKinds) {
		return bad(fmt.Sprintf("%d save hashes, want %d", b[37], NumKinds))
	}
	rest := b[38:]
	for k := range m.Saves {
		copy(m.Saves[k][:], rest[k*32:])
	}
	rest = rest[int(NumKinds)*32:]
	n := int(rest[0])
	if len(rest)-1 != n {
		return bad(fmt.Sprintf("cheats length %d, have %d bytes", n, len(rest)-1))
	}
	m.Cheats = string(rest[1:])
	if err := checkCheats(m.Cheats); err != nil {
		return Manifest{}, fmt.Errorf("parse manifest: %w", err)
	}
	return m, nil
}

// UnmarshalBinary decodes b into m; see [ParseManifest]. m is unchanged on error.
func (m *Manifest) UnmarshalBinary(b []byte) error {
	v, err := ParseManifest(b)
	if err != nil {
		return err
	}
	*m = v
	return nil
}

func checkCheats(s string) error {
	if len(s) > MaxCheatsLen {
		return fmt.Errorf("cheat hash of %d bytes (limit %d): %w", len(s), MaxCheatsLen, ErrBadManifest)
	}
	for i := 0; i < len(s); i++ {
		if s[i] < 0x21 || s[i] > 0x7E {
			return fmt.Errorf("cheat hash holds byte %#x: %w", s[i], ErrBadManifest)
		}
	}
	return nil
}

// Item names one thing a manifest compares.
type Item uint8

// Items in the order [Compare] lists them. The save items are ItemSave +
// Kind.
const (
	ItemFamily Item = iota
	ItemROM
	ItemSave        // first of NumKinds save items
	ItemCheats Item = ItemSave + Item(NumKinds)
)

// Kind returns the save component of a save item and reports whether i is one.
func (i Item) Kind() (Kind, bool) {
	if i >= ItemSave && i < ItemCheats {
		return Kind(i - ItemSave), true
	}
	return 0, false
}

// String returns the name shown to players: "emulator", "ROM", "SRAM",
// "Controller Pak 2", "cheats".
func (i Item) String() string {
	if k, ok := i.Kind(); ok {
		return k.Label()
	}
	switch i {
	case ItemFamily:
		return "emulator"
	case ItemROM:
		return "ROM"
	case ItemCheats:
		return "cheats"
	}
	return fmt.Sprintf("item(%d)", uint8(i))
}

// Difference is one item on which a player's manifest differs from the
// reference (the host's). Want and Got describe each side briefly: a family
// name, "none" for an absent save or no cheats, else a short hash prefix.
type Difference struct {
	Item      Item
	Want, Got string
}

// String returns e.g. "SRAM: host has none, player has 1a2b3c4d".
func (d Difference) String() string {
	return fmt.Sprintf("%v: host has %s, player has %s", d.Item, d.Want, d.Got)
}

// Compare lists, item by item in [Item] order, where got differs from want.
// An empty result means the two match.
func Compare(want, got Manifest) []Difference {
	var out []Difference
	if want.Family != got.Family {
		out = append(out, Difference{ItemFamily, want.Family.String(), got.Family.String()})
	}
	if want.ROM != got.ROM {
		out = append(out, Difference{ItemROM, romDesc(want.ROM), romDesc(got.ROM)})
	}
	for k := range want.Saves {
		if want.Saves[k] != got.Saves[k] {
			out = append(out, Difference{ItemSave + Item(k),
				saveDesc(Kind(k), want.Saves[k]), saveDesc(Kind(k), got.Saves[k])})
		}
	}
	if want.Cheats != got.Cheats {
		out = append(out, Difference{ItemCheats, cheatDesc(want.Cheats), cheatDesc(got.Cheats)})
	}
	return out
}

func short(h []byte) string { return hex.EncodeToString(h[:4]) }

// romDesc describes a ROM hash; the zero hash is a player without a ROM,
// who plays netpak's simulated game.
func romDesc(h [32]byte) string {
	if h == ([32]byte{}) {
		return "none"
	}
	return short(h[:])
}

func saveDesc(k Kind, h [32]byte) string {
	if h == AbsentHash(k) {
		return "none"
	}
	return short(h[:])
}

func cheatDesc(s string) string {
	if s == "" {
		return "none"
	}
	return s[:min(len(s), 12)]
}
